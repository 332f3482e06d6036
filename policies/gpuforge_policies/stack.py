"""Which stack is being deployed, and whether it is production.

A policy pack cannot read stack config through the program. The engine starts a Python pack with
``PULUMI_STACK``, ``PULUMI_PROJECT``, ``PULUMI_DRY_RUN`` and ``PULUMI_CONFIG`` (the stack's config as
JSON, secrets decrypted) in its environment (Pulumi's ``constructEnv`` for policy analyzers);
pulumi-policy builds ``pulumi.get_stack()`` from the same variables. They are read here directly: the
same source, without the SDK's process-wide settings.

Production means what it means to gpuforge (``gpuforge.config.infer_environment``):
``gpuforge:environment`` when the stack sets it, else a stack named ``prod``, ``production``, ``prd``,
``live`` or ``prod-*`` — plus any name in a policy's ``productionStacks``. When the engine names no
stack, the droplet's own stack tag (``gpuforge-stack-<stack>``) stands in for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from gpuforge.tags import GPUFORGE_TAG, stack_tag
from gpuforge.config import infer_environment

PRODUCTION = "production"
STACK_TAG_PREFIX = stack_tag("")


@dataclass(frozen=True)
class StackContext:
    """The stack's name and its ``gpuforge:environment`` (None when the engine did not say)."""

    name: str | None
    environment: str | None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> StackContext:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
        return cls(
            name=environ.get("PULUMI_STACK") or None, environment=config.get(f"{GPUFORGE_TAG}:environment") or None
        )

    def stack_name(self, tags: Sequence[str] = ()) -> str | None:
        """The engine's stack name, else the one in a ``gpuforge-stack-<stack>`` tag."""
        if self.name:
            return self.name
        return next((tag[len(STACK_TAG_PREFIX) :] for tag in tags if tag.startswith(STACK_TAG_PREFIX)), None)

    def is_production(self, production_stacks: Collection[str], tags: Sequence[str] = ()) -> bool:
        name = self.stack_name(tags)
        if name is None:
            return False
        if name in production_stacks:
            return True
        return (self.environment or infer_environment(name)) == PRODUCTION
