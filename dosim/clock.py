"""Clocks: the simulator reads time only through one of these."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """What the simulator needs from a clock."""

    def now(self) -> float:
        """Current time in epoch seconds."""

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (advancing the clock, for a manual one)."""


class RealClock:
    """Wall-clock time, for benchmarks and trying the CLI by hand."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class ManualClock:
    """Time that only moves when told to: deterministic and instant. Thread-safe."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by `seconds`; returns the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def sleep(self, seconds: float) -> None:
        """A sleep that returns at once, having advanced time by `seconds`."""
        self.advance(max(0.0, seconds))
