#!/usr/bin/env bash
# Pull the models listed in ollama-models.txt (one per line) once the Ollama API answers, each with
# retries; models already present are skipped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
load_config

# The ollama client reads OLLAMA_HOST too: talk to the server over loopback whatever it binds.
export OLLAMA_HOST="127.0.0.1:$GPUFORGE_OLLAMA_PORT"
retry 40 curl -fsS -o /dev/null --max-time 5 "http://$OLLAMA_HOST/api/tags" ||
    die "the Ollama API at $OLLAMA_HOST did not answer"

mapfile -t models <"$GPUFORGE_ETC/ollama-models.txt"
for model in "${models[@]}"; do
    [[ -n $model ]] || continue
    if ollama show "$model" >/dev/null 2>&1; then
        log "$model is already present: skipped"
        continue
    fi
    log "pulling $model"
    retry 4 ollama pull "$model" || die "could not pull $model"
done
log "Ollama models ready"
