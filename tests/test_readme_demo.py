"""The README's demo output is what the commands print today (ids and times aside): scripts/readme_demo.py
regenerates it from the simulator, and this test fails when a block is stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_demo", ROOT / "scripts" / "readme_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh(demo: ModuleType) -> dict[str, str]:
    return demo.transcripts()


def test_every_demo_block_matches_what_the_commands_print(demo, fresh):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(demo.readme_blocks(readme)) == set(demo.BLOCKS)
    assert demo.differences(readme, fresh) == [], "run: venv/bin/python scripts/readme_demo.py --write"


def test_the_check_catches_a_changed_message_but_not_new_ids_or_times(demo, fresh):
    readme = demo.rewritten((ROOT / "README.md").read_text(encoding="utf-8"), fresh)
    assert demo.differences(readme, fresh) == []
    moved = readme.replace("190000005", "190000123").replace("14:13 UTC", "09:41 UTC")
    assert demo.differences(moved, fresh) == []
    for before, after in (("Nothing else to prune.", "Nothing to prune."), ("$7.78", "$7.79")):
        assert before in readme
        assert demo.differences(readme.replace(before, after, 1), fresh) != []


def test_the_demo_shows_the_tagged_snapshots_and_the_fixes(fresh):
    assert "Left alone: 3 snapshot(s)" in fresh["prune-and-cost"] and "(3 tagged gpuforge)" in fresh["prune-and-cost"]
    assert "pulumi config" not in fresh["failures"] and "Token scopes" in fresh["failures"]
    assert "Powered droplet 400000001 (gpu-demo) back on" in fresh["take-and-list"]
