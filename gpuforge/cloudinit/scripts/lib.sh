# shellcheck shell=bash
# Helpers shared by the GPUForge provisioning scripts. Sourced, never run.
# The directories can be moved with environment variables (the tests run the scripts in a sandbox).

GPUFORGE_ETC=${GPUFORGE_ETC:-/etc/gpuforge}
GPUFORGE_STATE_DIR=${GPUFORGE_STATE_DIR:-/var/lib/gpuforge}
GPUFORGE_LOG_DIR=${GPUFORGE_LOG_DIR:-/var/log/gpuforge}

log() {
    printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${0##*/}" "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# load_config: export the settings GPUForge rendered into gpuforge.env.
load_config() {
    set -a
    # shellcheck source=/dev/null  # written by cloud-init at run time, not a file in this tree
    . "$GPUFORGE_ETC/gpuforge.env"
    set +a
}

# retry ATTEMPTS CMD...: run CMD until it succeeds, at most ATTEMPTS times, pausing 2 s, 4 s, ...
# (at most 30 s) between tries. CMD runs in a condition, where `set -e` does not apply: a function
# passed here must check its own steps.
retry() {
    local attempts=$1 try=1 pause=2
    shift
    until "$@"; do
        if ((try >= attempts)); then
            log "gave up after $try tries: $*"
            return 1
        fi
        log "try $try of $attempts failed, again in ${pause}s: $*"
        sleep "$pause"
        try=$((try + 1))
        pause=$((pause * 2 > 30 ? 30 : pause * 2))
    done
}
