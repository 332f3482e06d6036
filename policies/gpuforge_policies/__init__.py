"""GPUForge's guardrails: CrossGuard policies for GPU droplets, their firewalls and snapshot guards.

Importing this package builds no ``PolicyPack`` (which would serve forever): ``policies/__main__.py``
does that, so tests can call each policy's ``validate`` directly.
"""

from __future__ import annotations

from pulumi_policy import Policy

from .budget import gpu_budget
from .droplets import allowed_regions_and_sizes, droplet_tags
from .firewall import no_public_model_api
from .snapshots import snapshot_required, snapshot_timeout

POLICIES: list[Policy] = [
    snapshot_required,
    no_public_model_api,
    allowed_regions_and_sizes,
    droplet_tags,
    gpu_budget,
    snapshot_timeout,
]
