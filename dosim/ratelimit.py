"""Per-token rate limits over sliding windows, with DigitalOcean's headers."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from dosim.clock import Clock

MINUTE, HOUR = 60.0, 3600.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Counts each token's requests over the last minute and hour, on the simulator's clock.

    `ratelimit-limit`/`-remaining` describe the hourly allowance and `ratelimit-reset` is the epoch
    second when the oldest counted request leaves the hour, as DigitalOcean does. Past either limit
    the answer is 429 with `retry-after` (seconds until a request would be allowed); refused requests
    are not counted. Disabled, it still counts for the headers but never refuses.
    """

    def __init__(self, clock: Clock, per_minute: int = 250, per_hour: int = 5000, enabled: bool = True) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.enabled = enabled
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[deque[float], deque[float]]] = {}

    def check(self, token: str) -> Verdict:
        """Count a request by `token`, unless it is over a limit."""
        now = self.clock.now()
        with self._lock:
            minute, hour = self._prune(token, now)
            waits = []
            if len(minute) >= self.per_minute:
                waits.append(minute[len(minute) - self.per_minute] + MINUTE - now)
            if len(hour) >= self.per_hour:
                waits.append(hour[len(hour) - self.per_hour] + HOUR - now)
            if self.enabled and waits:
                headers = self._headers(hour, now)
                headers["retry-after"] = str(max(1, math.ceil(max(waits))))
                return Verdict(False, headers)
            minute.append(now)
            hour.append(now)
            return Verdict(True, self._headers(hour, now))

    def peek(self, token: str | None) -> dict[str, str]:
        """The headers for `token` without counting a request (for answers that never got that far)."""
        now = self.clock.now()
        with self._lock:
            hour = self._prune(token, now)[1] if token is not None else deque()
            return self._headers(hour, now)

    def _prune(self, token: str, now: float) -> tuple[deque[float], deque[float]]:
        minute, hour = self._windows.setdefault(token, (deque(), deque()))
        while minute and minute[0] <= now - MINUTE:
            minute.popleft()
        while hour and hour[0] <= now - HOUR:
            hour.popleft()
        return minute, hour

    def _headers(self, hour: deque[float], now: float) -> dict[str, str]:
        reset = hour[0] + HOUR if hour else now
        return {
            "ratelimit-limit": str(self.per_hour),
            "ratelimit-remaining": str(max(0, self.per_hour - len(hour))),
            "ratelimit-reset": str(math.ceil(reset)),
        }
