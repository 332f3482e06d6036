#!/usr/bin/env bash
# Install Ollama with the official installer unless it is already there (a droplet restored from a
# snapshot has it), then restart it so that the GPUForge drop-in (OLLAMA_HOST) is in effect.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

if command -v ollama >/dev/null 2>&1; then
    log "ollama is already installed at $(command -v ollama): not reinstalling"
else
    installer=$(mktemp)
    trap 'rm -f "$installer"' EXIT
    retry 5 curl -fsSL --max-time 300 -o "$installer" https://ollama.com/install.sh
    sh "$installer"
fi
systemctl daemon-reload
systemctl enable ollama
# --no-block: cloud-init runs this during boot; the model step waits for the API instead.
systemctl restart --no-block ollama
log "ollama service restarting"
