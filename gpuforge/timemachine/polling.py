"""How long to wait between polls and retries: pure functions of the attempt and the rate limit.

A poll waits at most a ``fraction`` of the time already waited (never less than ``initial``,
never more than ``cap``), so a snapshot is noticed within a few percent of its duration: a
5-second one within seconds, a 30-minute one within ``cap``, at about 105 polls (under 4 a minute). When
``ratelimit-remaining`` runs low, the remaining requests are spread over the time until
``ratelimit-reset``; a ``retry-after`` is always honoured.

Why these numbers (see ``benchmarks/``): a wait of ``w`` seconds notices a completion ``w/2``
late at the median. ``initial`` 2 s keeps snapshots of up to a minute under 2 s; ``fraction`` 0.08
keeps one of 2 minutes under 6 s (5%); ``cap`` 25 s keeps long ones under 15 s. The price is about 58
polls for a 10-minute snapshot, more than a fixed 30 s loop (20) that notices 10-15 s later: no
schedule that does not know the duration in advance can have both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    initial: float = 2.0
    fraction: float = 0.08
    cap: float = 25.0
    retry_initial: float = 1.0
    low_remaining: int = 100
    max_spread: float = 300.0
    report_every: float = 30.0


DEFAULT_POLL_POLICY = PollPolicy()


def scheduled_wait(policy: PollPolicy, attempt: int) -> float:
    """The wait before poll ``attempt + 1`` when nothing slows polling down: ``fraction`` of the
    time the earlier waits add up to, within [``initial``, ``cap``]."""
    waited, wait = 0.0, policy.initial
    for _ in range(max(attempt, 0) + 1):  # at most until the cap is reached
        wait = min(policy.cap, max(policy.initial, policy.fraction * waited))
        if wait >= policy.cap:
            break
        waited += wait
    return wait


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
    interval = scheduled_wait(policy, attempt)
    if remaining is not None and remaining <= policy.low_remaining:
        until_reset = (reset - now) if reset is not None else policy.cap
        spread = until_reset / max(remaining, 1)
        interval = max(interval, min(spread, policy.max_spread))
    if retry_after is not None:
        interval = max(interval, retry_after)
    return interval


def retry_delay(policy: PollPolicy, attempt: int, *, retry_after: float | None = None) -> float:
    """Seconds to wait before retrying a request that met a 429, a 5xx or a dropped connection."""
    delay = min(policy.cap, policy.retry_initial * 2.0 ** max(attempt, 0))
    return max(delay, retry_after or 0.0)


def bounded(wait: float, *, now: float, deadline: float) -> float:
    """``wait`` cut so that it ends at the deadline at the latest (never negative)."""
    return max(0.0, min(wait, deadline - now))


def should_report(
    policy: PollPolicy, *, status: str, last_status: str | None, now: float, last_report: float | None
) -> bool:
    """A progress line on every change of status, otherwise about every ``report_every`` seconds:
    at the first poll in each new ``report_every``-second slot of the clock, at least half a slot
    after the previous line (polls 25 s apart then give a line every 30 s on average, not every 50 s)."""
    if status != last_status or last_report is None:
        return True
    every = policy.report_every
    return now // every > last_report // every and now - last_report >= every / 2
