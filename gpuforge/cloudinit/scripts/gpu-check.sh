#!/usr/bin/env bash
# Log the GPU as the driver sees it (nvidia-smi or rocm-smi). GPUForge never installs drivers: the
# GPU base images have them, and without them the model installers would try to, so fail instead.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
load_config

case $GPUFORGE_GPU_VENDOR in
    nvidia) tool=nvidia-smi ;;
    amd) tool=rocm-smi ;;
    *) die "unknown GPU vendor '$GPUFORGE_GPU_VENDOR' (nvidia or amd)" ;;
esac
command -v "$tool" >/dev/null 2>&1 ||
    die "$tool not found: this image has no $GPUFORGE_GPU_VENDOR GPU driver; GPUForge installs none (use a GPU base image such as gpu-h100x1-base or gpu-amd-base)"
"$tool" || die "$tool failed: the $GPUFORGE_GPU_VENDOR GPU driver is not working"
log "GPU check passed ($tool)"
