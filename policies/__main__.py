"""The GPUForge policy pack: ``pulumi preview --policy-pack policies`` (see README.md)."""

from gpuforge_policies import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="gpuforge", policies=POLICIES)
