#!/usr/bin/env bash
# Run the provisioning steps named as arguments (gpu-check, install-ollama, ...) in order, each one's
# output also appended to /var/log/gpuforge/STEP.log. Then write the readiness marker
# /var/lib/gpuforge/ready, or /var/lib/gpuforge/failed naming the step that failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# write_marker NAME STEPS_JSON: atomically write STATE_DIR/NAME as one line of JSON.
write_marker() {
    local tmp="$GPUFORGE_STATE_DIR/.$1.tmp"
    printf '{"status": "%s", "droplet": "%s", "steps": %s, "time": "%s"}\n' \
        "$1" "$GPUFORGE_DROPLET_NAME" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp"
    mv -f "$tmp" "$GPUFORGE_STATE_DIR/$1"
}

load_config
mkdir -p "$GPUFORGE_LOG_DIR" "$GPUFORGE_STATE_DIR"
# A droplet restored from a snapshot carries the old machine's markers: they say nothing of this boot.
rm -f "$GPUFORGE_STATE_DIR/ready" "$GPUFORGE_STATE_DIR/failed"

done_steps=()
for step in "$@"; do
    step_log="$GPUFORGE_LOG_DIR/$step.log"
    log "step $step (log: $step_log)"
    if ! "$(dirname "$0")/$step.sh" 2>&1 | tee -a "$step_log"; then
        write_marker failed "[\"$step\"]"
        die "step $step failed: see $step_log"
    fi
    done_steps+=("\"$step\"")
done
steps_json=$(IFS=,; printf '[%s]' "${done_steps[*]}")
write_marker ready "$steps_json"
log "ready: $GPUFORGE_STATE_DIR/ready"
