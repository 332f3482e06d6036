"""Client-side pacing: never send more than DigitalOcean's 250 requests a minute per token.

A fleet destroy runs many guards in one dynamic provider host, all with the same token. Left alone
they run into 429s together, and each backs off on its own (exponentially, ``retry_delay``), so the
fleet finishes long after the limit would have allowed. A :class:`RequestPacer` shared by every
thread of the process that uses a token keeps them under the limit instead: a request waits, in
order, for the slot the sliding minute frees next. A 429 caused by another client of the token
(the DigitalOcean provider deleting the droplets, a teammate) is still retried as before.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from gpuforge.clock import Clock, SystemClock
from gpuforge.do_client import DEFAULT_ENDPOINT, DoApi

PER_MINUTE = 250
MINUTE = 60.0


class RequestPacer:
    """At most ``limit`` requests in any ``window`` seconds, across threads."""

    def __init__(self, limit: int = PER_MINUTE, window: float = MINUTE, clock: Clock | None = None) -> None:
        self.limit, self.window = limit, window
        self.clock: Clock = clock or SystemClock()
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a request may be sent, count it, and return how long that took."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock.now()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                wait = self._sent[0] + self.window - now
            self.clock.sleep(wait)
            waited += wait


_PACERS: dict[str, RequestPacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(token: str) -> RequestPacer:
    """The process's pacer for ``token`` (kept under the token's hash, not the token)."""
    key = hashlib.sha256(token.encode()).hexdigest()
    with _PACERS_LOCK:
        return _PACERS.setdefault(key, RequestPacer())


class PacedApi(DoApi):
    """A :class:`DoApi` whose every request first takes a slot from the token's :class:`RequestPacer`."""

    def __init__(self, token: str, endpoint: str = DEFAULT_ENDPOINT, *, pacer: RequestPacer | None = None) -> None:
        super().__init__(token, endpoint)
        self._pacer = pacer or pacer_for(token)

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        self._pacer.acquire()
        return super()._call(what, fn)
