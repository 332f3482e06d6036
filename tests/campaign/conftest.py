"""Print every campaign's tallies at the end of the run (visible with plain ``pytest -q``)."""

from __future__ import annotations

from typing import Any

from tests.campaign.tallies import TALLIES


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not TALLIES:
        return
    terminalreporter.section("GPUForge reliability campaign tallies")
    for campaign, counts in TALLIES.items():
        terminalreporter.write_line(f"{campaign}:")
        for line in counts.lines():
            terminalreporter.write_line(line)
