"""The tags that mark GPUForge's droplets (pure: shared by the component and the policy pack)."""

from __future__ import annotations

import re

GPUFORGE_TAG = "gpuforge"
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_:-]")


def stack_tag(stack: str) -> str:
    """The tag that marks a stack's droplets: ``gpuforge-stack-<stack>`` (DigitalOcean tag characters only)."""
    return _TAG_UNSAFE.sub("-", f"gpuforge-stack-{stack}")[:255]


def tag_safe(text: str) -> str:
    """``text`` with every character DigitalOcean does not allow in a tag replaced by ``-``."""
    return _TAG_UNSAFE.sub("-", text)[:255]


def droplet_tag(droplet_name: str) -> str:
    """The tag that names a snapshot's droplet: ``gpuforge-droplet-<name>`` (prefixed, so that it
    never collides with a tag of the user's own, such as ``production``)."""
    return tag_safe(f"gpuforge-droplet-{droplet_name}")[:255]


def snapshot_tags(droplet_name: str, stack: str) -> list[str]:
    """The tags GPUForge puts on its snapshots: ``gpuforge``, the droplet tag and the stack tag (when known)."""
    tags = [GPUFORGE_TAG, droplet_tag(droplet_name), *([stack_tag(stack)] if stack else [])]
    return list(dict.fromkeys(t for t in tags if t))
