"""What the campaigns tried and found, kept per campaign and printed at the end of the pytest run.

Tests add to :data:`TALLIES` (``tally("lifecycle").add("steps")``); ``conftest.py`` prints every
campaign's counts in the terminal summary, so they appear in CI's log with plain ``pytest -q``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    facts: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def merge(self, other: Counter[str]) -> None:
        self.counts.update(other)

    def lines(self) -> list[str]:
        out = [f"  {key}: {value}" for key, value in sorted(self.counts.items())]
        out += [f"  {key}: {value}" for key, value in self.facts.items()]
        return out


TALLIES: dict[str, Tally] = {}


def tally(campaign: str) -> Tally:
    return TALLIES.setdefault(campaign, Tally())
