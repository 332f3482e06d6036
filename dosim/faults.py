"""Fault injection: scripted (`times=N`) or with a seeded probability, per route.

HTTP kinds replace the answer to a matching request: "429", "500", "502", "503", "drop" (the
connection is closed without an answer) and "slow" (the answer is held back `delay` seconds of
real time, then given). With `applied=True` the request is carried out first and only its answer
is lost, as when a POST succeeds but the 500 or the dropped connection reaches the client.
Action kinds decide how a starting action ends: "action_errored" or "action_stuck" (never ends).
"droplet_vanishes" deletes `droplet_id` after `after_requests` more answered requests or at the
simulator time `at_time`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from dosim.models import COMPLETED, ERRORED, STUCK
from dosim.routing import RoutePattern

HTTP_KINDS = frozenset({"429", "500", "502", "503", "drop", "slow"})
ACTION_KINDS = {"action_errored": ERRORED, "action_stuck": STUCK}
VANISH = "droplet_vanishes"
KINDS = HTTP_KINDS | set(ACTION_KINDS) | {VANISH}


@dataclass
class Fault:
    """One rule. `times` left to fire (None: unlimited); `fired` counts how often it did."""

    kind: str
    route: str | None = None
    times: int | None = 1
    probability: float | None = None
    delay: float = 1.0
    retry_after: int = 1
    applied: bool = False
    action_type: str | None = None
    droplet_id: int | None = None
    after_requests: int | None = None
    at_time: float | None = None
    fired: int = 0
    pattern: RoutePattern | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.pattern = RoutePattern(self.route) if self.route else None


class Faults:
    """The active fault rules of one simulator; thread-safe, random draws from one seeded RNG."""

    def __init__(self, seed: int, schedule_vanish: Callable[[int, float], None]) -> None:
        self._rng = random.Random(seed)
        self._schedule_vanish = schedule_vanish
        self._lock = threading.Lock()
        self.rules: list[Fault] = []

    def add(
        self,
        kind: str,
        route: str | None = None,
        *,
        times: int | None = None,
        probability: float | None = None,
        delay: float = 1.0,
        retry_after: int = 1,
        applied: bool = False,
        action_type: str | None = None,
        droplet_id: int | None = None,
        after_requests: int | None = None,
        at_time: float | None = None,
    ) -> Fault:
        """Add a rule. Without `times` or `probability` it fires once; with only `probability`, forever."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if kind == VANISH and (droplet_id is None or (after_requests is None) == (at_time is None)):
            raise ValueError("droplet_vanishes needs droplet_id and one of after_requests or at_time")
        if after_requests is not None and after_requests < 1:
            raise ValueError("after_requests must be at least 1 (use Simulator.delete_droplet_now for now)")
        if times is None and probability is None:
            times = 1
        fault = Fault(
            kind,
            route,
            times,
            probability,
            delay,
            retry_after,
            applied,
            action_type,
            droplet_id,
            after_requests,
            at_time,
        )
        with self._lock:
            self.rules.append(fault)
        if kind == VANISH and at_time is not None:
            assert droplet_id is not None
            self._schedule_vanish(droplet_id, at_time)
        return fault

    def clear(self) -> None:
        """Remove every rule (a droplet already scheduled to vanish at a time still does)."""
        with self._lock:
            self.rules.clear()

    def _fire(self, fault: Fault) -> bool:
        if fault.times is not None and fault.times <= 0:
            return False
        if fault.probability is not None and self._rng.random() >= fault.probability:
            return False
        if fault.times is not None:
            fault.times -= 1
        fault.fired += 1
        return True

    def for_request(self, method: str, path: str) -> tuple[float, Fault | None]:
        """Seconds of real delay to add, and the fault that replaces the answer (if any)."""
        delay, answer = 0.0, None
        with self._lock:
            for fault in self.rules:
                if fault.kind not in HTTP_KINDS:
                    continue
                if fault.pattern is not None and fault.pattern.match(method, path) is None:
                    continue
                if fault.kind == "slow":
                    delay += fault.delay if self._fire(fault) else 0.0
                elif answer is None and self._fire(fault):
                    answer = fault
        return delay, answer

    def action_outcome(self, action_type: str) -> str:
        """How an action of `action_type` that starts now will end."""
        with self._lock:
            for fault in self.rules:
                if fault.kind in ACTION_KINDS and fault.action_type in (None, action_type) and self._fire(fault):
                    return ACTION_KINDS[fault.kind]
        return COMPLETED

    def request_answered(self) -> list[int]:
        """Count one answered request; the droplets whose `after_requests` ran out."""
        due = []
        with self._lock:
            for fault in self.rules:
                if fault.kind == VANISH and fault.after_requests is not None and fault.times:
                    fault.after_requests -= 1
                    if fault.after_requests <= 0:
                        fault.times, fault.fired = 0, fault.fired + 1
                        assert fault.droplet_id is not None
                        due.append(fault.droplet_id)
        return due
