"""The stack names that mean production are the same in the code, Pulumi.yaml and the README."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gpuforge.config import PRODUCTION_STACK_NAMES, infer_environment

ROOT = Path(__file__).resolve().parents[1]


def named(text: str) -> set[str]:
    """The names listed after "stacks named" (``prod-*`` being the prefix rule)."""
    listed = re.search(r"stacks named (.*?)(?: \(|, else)", text)
    assert listed is not None, text
    return set(re.findall(r"[a-z*-]+", listed.group(1).replace(" or ", ", "))) - {"or"}


def test_pulumi_yaml_and_the_readme_list_every_production_name():
    expected = set(PRODUCTION_STACK_NAMES) | {"prod-*"}
    description = yaml.safe_load(ROOT.joinpath("Pulumi.yaml").read_text())["config"]["gpuforge:environment"][
        "description"
    ]
    assert named(description) == expected
    row = next(
        line
        for line in ROOT.joinpath("README.md").read_text().splitlines()
        if line.startswith("| `gpuforge:environment`")
    )
    assert named(row.replace("`", "")) == expected


def test_the_names_mean_production():
    for stack in (*PRODUCTION_STACK_NAMES, "prod-eu", "acme/gpuforge/LIVE"):
        assert infer_environment(stack) == "production", stack
    assert infer_environment("dev") == "dev" and infer_environment("liveish") == "liveish"
