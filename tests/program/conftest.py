"""Fixtures for the program tests: the real program under Pulumi's mocks (see harness.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.program.harness import ProgramRun, Recorder, execute_program


@pytest.fixture
def run_program(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., ProgramRun]:
    """``run_program(stack, overrides, sizes_fail=..., snapshots=..., images_fail=...)``, run in a temporary directory."""
    monkeypatch.chdir(tmp_path)

    def run(
        stack: str = "dev",
        overrides: dict[str, Any] | None = None,
        *,
        sizes_fail: bool = False,
        base: dict[str, Any] | None = None,
        snapshots: list[dict[str, Any]] | None = None,
        images_fail: bool = False,
    ) -> ProgramRun:
        mocks = Recorder(sizes_fail=sizes_fail, snapshots=list(snapshots or []), images_fail=images_fail)
        return execute_program(stack, overrides, mocks=mocks, base=base)

    return run
