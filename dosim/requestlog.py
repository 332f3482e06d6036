"""The log of every request the simulator received, for tests and benchmarks to assert on."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

from dosim.routing import RoutePattern


@dataclass(frozen=True)
class RequestRecord:
    """One request. `status` is None when the connection was dropped; `time` is simulator time at arrival."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None
    time: float
    fault: str | None = None


def peak_per_minute(times: Iterable[float]) -> int:
    """The most requests that arrived within any 60-second window (``times``: `RequestRecord.time`)."""
    ordered, best, start = sorted(times), 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - 60.0:
            start += 1
        best = max(best, end - start + 1)
    return best


class RequestLog:
    """Thread-safe, append-only list of `RequestRecord`s."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def find(
        self,
        method: str | None = None,
        route: str | None = None,
        body_type: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Records matching all given filters; `route` is a template such as `/v2/droplets/{id}`."""
        pattern = RoutePattern(route) if route else None
        return [
            r
            for r in self.records()
            if (method is None or r.method == method.upper())
            and (pattern is None or pattern.match(r.method, r.path) is not None)
            and (body_type is None or (isinstance(r.body, dict) and r.body.get("type") == body_type))
            and (status is None or r.status == status)
        ]
