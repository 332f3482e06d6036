"""How long to wait between polls and retries: pure functions of the attempt and the rate limit.

Polls start short (a snapshot that takes seconds is seen within seconds) and grow towards a cap
(a 30-minute snapshot costs about 70 requests, far below 250/minute). When
``ratelimit-remaining`` runs low, the remaining requests are spread over the time until
``ratelimit-reset``; a ``retry-after`` is always honoured.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    initial: float = 1.0
    factor: float = 1.5
    cap: float = 30.0
    low_remaining: int = 100
    max_spread: float = 300.0
    report_every: float = 30.0


def poll_interval(
    policy: PollPolicy,
    attempt: int,
    *,
    now: float,
    remaining: int | None = None,
    reset: float | None = None,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait before poll number ``attempt + 1`` (``attempt`` counts from 0).

    ``remaining`` and ``reset`` are the last ``ratelimit-remaining`` and ``ratelimit-reset``
    (epoch seconds) seen.
    """
    interval = min(policy.cap, policy.initial * policy.factor ** max(attempt, 0))
    if remaining is not None and remaining <= policy.low_remaining:
        until_reset = (reset - now) if reset is not None else policy.cap
        spread = until_reset / max(remaining, 1)
        interval = max(interval, min(spread, policy.max_spread))
    if retry_after is not None:
        interval = max(interval, retry_after)
    return interval


def retry_delay(policy: PollPolicy, attempt: int, *, retry_after: float | None = None) -> float:
    """Seconds to wait before retrying a request that met a 429, a 5xx or a dropped connection."""
    delay = min(policy.cap, policy.initial * 2 ** max(attempt, 0))
    return max(delay, retry_after or 0.0)


def bounded(wait: float, *, now: float, deadline: float) -> float:
    """``wait`` cut so that it ends at the deadline at the latest (never negative)."""
    return max(0.0, min(wait, deadline - now))


def should_report(
    policy: PollPolicy, *, status: str, last_status: str | None, now: float, last_report: float | None
) -> bool:
    """A progress line on every change of status, otherwise about every ``report_every`` seconds."""
    if status != last_status or last_report is None:
        return True
    return now - last_report >= policy.report_every
