"""The tags that mark GPUForge's droplets (pure: shared by the component and the policy pack)."""

from __future__ import annotations

import re

GPUFORGE_TAG = "gpuforge"
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_:-]")


def stack_tag(stack: str) -> str:
    """The tag that marks a stack's droplets: ``gpuforge-stack-<stack>`` (DigitalOcean tag characters only)."""
    return _TAG_UNSAFE.sub("-", f"gpuforge-stack-{stack}")[:255]
