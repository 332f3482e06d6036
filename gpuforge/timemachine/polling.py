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

With history (earlier snapshots of the same droplet, see :mod:`gpuforge.timemachine.history`) the
wait knows roughly when the snapshot should end, and :func:`predicted_wait` polls sparsely until then:
each wait covers half of the time left until ``settle`` seconds after the predicted end (never less
than the no-history wait at that point, never more than ``sparse_cap``), so a snapshot that ends as
predicted is noticed within about ``settle`` seconds (7 polls for 10 minutes, 13 for 30). Its safety rule, held by
the tests for any prediction and any real duration:

* it never polls more often than the no-history schedule would have by the time the snapshot ends;
* a snapshot that outlasts the prediction is noticed within ``overrun_fraction`` of the overrun,
  and never later than the no-history schedule's bound (``fraction`` of the elapsed time, within
  [``initial``, ``cap``]): past the predicted end, every wait is at most the no-history wait;
* a snapshot that ends earlier than predicted is noticed within the prediction's error and within
  ``sparse_cap`` at worst: this is the one case where the sparse schedule can be later than the
  no-history one, and it is what buys the requests (no schedule can be sparse before the end and
  dense at every possible end, see ``benchmarks/README.md``).
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
    settle: float = 1.0
    sparse_cap: float = 180.0
    overrun_fraction: float = 0.25
    min_predicted: float = 30.0


DEFAULT_POLL_POLICY = PollPolicy()
MIN_WAIT = 0.1


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


def no_history_wait(policy: PollPolicy, waited: float) -> float:
    """The no-history wait once ``waited`` seconds of waiting have passed: ``fraction`` of them,
    within [``initial``, ``cap``] (what :func:`scheduled_wait` gives when nothing slowed polling)."""
    return min(policy.cap, max(policy.initial, policy.fraction * max(waited, 0.0)))


def uses_prediction(policy: PollPolicy, expected: float | None) -> bool:
    """Whether an expected duration is worth a sparse schedule (short snapshots are noticed quickly anyway)."""
    return expected is not None and expected >= policy.min_predicted


def predicted_wait(policy: PollPolicy, *, waited: float, elapsed: float, expected: float) -> float:
    """The wait before the next poll when the snapshot is expected to take ``expected`` seconds.

    ``elapsed``: seconds since the snapshot action started (a resumed one started before this wait);
    ``waited``: seconds this wait has lasted so far. See the module docstring for the safety rule.
    """
    base = no_history_wait(policy, waited)
    remaining = expected + policy.settle - elapsed
    if (
        remaining >= MIN_WAIT
    ):  # before the predicted end (a float hair past it counts as reached): halve the time left, land just after the end
        return min(remaining, policy.sparse_cap, max(remaining / 2, base))
    overrun = max(-remaining, 0.0)  # it takes longer than predicted: dense again, never sparser than without history
    return min(base, max(policy.initial, policy.overrun_fraction * overrun))


def poll_interval(
    policy: PollPolicy,
    attempt: int,
    *,
    now: float,
    remaining: int | None = None,
    reset: float | None = None,
    retry_after: float | None = None,
    expected: float | None = None,
    elapsed: float = 0.0,
    waited: float = 0.0,
) -> float:
    """Seconds to wait before poll number ``attempt + 1`` (``attempt`` counts from 0).

    ``remaining`` and ``reset`` are the last ``ratelimit-remaining`` and ``ratelimit-reset``
    (epoch seconds) seen. With an ``expected`` duration (and the ``elapsed``/``waited`` seconds of
    :func:`predicted_wait`) the schedule is the predicted one; the rate limit applies to both.
    """
    if uses_prediction(policy, expected):
        assert expected is not None
        interval = predicted_wait(policy, waited=waited, elapsed=elapsed, expected=expected)
    else:
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
