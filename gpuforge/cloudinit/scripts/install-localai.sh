#!/usr/bin/env bash
# Install LocalAI with the official installer unless it is already there (a droplet restored from a
# snapshot has it), then restart it so that the GPUForge drop-in (address, API key) is in effect.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

if command -v local-ai >/dev/null 2>&1; then
    log "local-ai is already installed at $(command -v local-ai): not reinstalling"
else
    installer=$(mktemp)
    trap 'rm -f "$installer"' EXIT
    retry 5 curl -fsSL --max-time 300 -o "$installer" https://localai.io/install.sh
    # DOCKER_INSTALL=false: the binary and its systemd unit even where Docker is present. No API_KEY:
    # the installer would write it into the world-readable /etc/localai.env; the drop-in's 0600
    # file supplies it, and its address overrides the installer's 0.0.0.0.
    DOCKER_INSTALL=false sh "$installer"
fi
systemctl daemon-reload
systemctl enable local-ai
# --no-block: cloud-init runs this during boot; the model step waits for the API instead.
systemctl restart --no-block local-ai
log "local-ai service restarting"
