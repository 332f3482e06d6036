#!/usr/bin/env bash
# Install the gallery models listed in localai-models.txt (one per line) through the LocalAI API
# once it answers, each with retries; models already installed are skipped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
load_config

base_url="http://127.0.0.1:$GPUFORGE_LOCALAI_PORT"
api_key=$(sed -n 's/^LOCALAI_API_KEY=//p' "$GPUFORGE_ETC/localai-secret.env")
done_file="$GPUFORGE_STATE_DIR/localai-models.done"

# api PATH [CURL_ARGS...]: call the LocalAI API; the key goes to curl on stdin, never in argv.
api() {
    local path=$1
    shift
    if [[ -n $api_key ]]; then
        printf 'header = "Authorization: Bearer %s"\n' "$api_key" |
            curl -fsS --max-time 30 -K - "$@" "$base_url$path"
    else
        curl -fsS --max-time 30 "$@" "$base_url$path"
    fi
}

# model_installed MODEL: recorded by an earlier run, or listed by the API (under its name without gallery@).
model_installed() {
    grep -qxF -- "$1" "$done_file" 2>/dev/null && return 0
    api /v1/models | jq -e --arg id "${1##*@}" 'any(.data[]?; .id == $id)' >/dev/null
}

# install_model MODEL: apply MODEL from the gallery and wait (at most two hours) for the job to finish.
install_model() {
    local job status poll
    job=$(api /models/apply -H 'Content-Type: application/json' \
        -d "$(jq -cn --arg id "$1" '{id: $id}')" | jq -r '.uuid // empty') || return 1
    [[ -n $job ]] || return 1
    for ((poll = 0; poll < 720; poll++)); do
        status=$(api "/models/jobs/$job") || return 1
        if jq -e '.processed == true' <<<"$status" >/dev/null; then
            jq -e '.error == null' <<<"$status" >/dev/null && return 0
            log "installing $1 failed: $(jq -c '.error' <<<"$status")"
            return 1
        fi
        sleep 10
    done
    log "installing $1 did not finish in two hours"
    return 1
}

retry 40 api /readyz -o /dev/null || die "the LocalAI API at $base_url did not answer"

mapfile -t models <"$GPUFORGE_ETC/localai-models.txt"
for model in "${models[@]}"; do
    [[ -n $model ]] || continue
    if model_installed "$model"; then
        log "$model is already installed: skipped"
        continue
    fi
    log "installing $model"
    retry 3 install_model "$model" || die "could not install $model"
    printf '%s\n' "$model" >>"$done_file"
done
log "LocalAI models ready"
