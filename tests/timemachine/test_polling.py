from hypothesis import given
from hypothesis import strategies as st

from gpuforge.timemachine.polling import (
    PollPolicy,
    bounded,
    no_history_wait,
    poll_interval,
    retry_delay,
    scheduled_wait,
    should_report,
)

P = PollPolicy()
policies = st.builds(PollPolicy, initial=st.floats(0.5, 10), fraction=st.floats(0.01, 1.0), cap=st.floats(10, 60))


def poll_times(policy: PollPolicy, until: float) -> list[float]:
    """When the polls of an undisturbed wait happen, counted from the start of the wait."""
    times = [scheduled_wait(policy, 0)]
    while times[-1] < until:
        times.append(times[-1] + scheduled_wait(policy, len(times)))
    return times


def test_intervals_start_short_and_grow_to_the_cap():
    waits = [poll_interval(P, n, now=0) for n in range(80)]
    assert waits[0] == P.initial
    assert waits == sorted(waits)
    assert waits[-1] == P.cap


@given(policies, st.integers(0, 300))
def test_a_wait_is_at_most_a_fraction_of_the_time_already_waited(policy, attempt):
    waited = sum(scheduled_wait(policy, n) for n in range(attempt))
    wait = scheduled_wait(policy, attempt)
    assert min(policy.initial, policy.cap) <= wait <= policy.cap
    assert wait <= max(policy.initial, policy.fraction * waited) + 1e-9


@given(policies, st.floats(0, 7200))
def test_a_completion_is_seen_within_a_fraction_of_its_duration(policy, done_at):
    seen_at = next(t for t in poll_times(policy, done_at) if t >= done_at)
    assert seen_at - done_at <= min(policy.cap, max(policy.initial, policy.fraction * done_at)) + 1e-6


def test_polls_every_few_seconds_at_first_and_at_the_cap_after_a_few_minutes():
    assert all(scheduled_wait(P, n) == P.initial for n in range(10))  # the first 20 s
    times = poll_times(P, 1800)
    late = [b - a for a, b in zip(times, times[1:], strict=False) if a >= 330]
    assert late and all(gap == P.cap for gap in late)


def test_ten_and_thirty_minutes_cost_few_requests():
    assert len(poll_times(P, 600)) <= 60  # the engine's whole 10-minute run stays within 70 requests
    assert len(poll_times(P, 1800)) <= 110  # under 4 a minute, far below 250/minute


def test_low_remaining_spreads_requests_until_reset():
    assert poll_interval(P, 0, now=1000, remaining=10, reset=1600) == 60
    assert poll_interval(P, 0, now=1000, remaining=0, reset=1000 + 10_000) == P.max_spread
    assert poll_interval(P, 0, now=1000, remaining=4000, reset=1600) == P.initial


def test_retry_after_is_honoured():
    assert poll_interval(P, 0, now=0, retry_after=17) == 17
    assert retry_delay(P, 0) == P.retry_initial
    assert retry_delay(P, 0, retry_after=42) == 42
    assert retry_delay(P, 20) == P.cap


@given(
    st.integers(0, 50),
    st.floats(0, 10_000),
    st.one_of(st.none(), st.integers(0, 5000)),
    st.one_of(st.none(), st.floats(0, 600)),
)
def test_interval_is_positive_and_bounded(attempt, now, remaining, retry_after):
    wait = poll_interval(P, attempt, now=now, remaining=remaining, reset=now + 3600, retry_after=retry_after)
    assert P.initial <= wait <= max(P.max_spread, retry_after or 0)


def test_bounded_never_passes_the_deadline():
    assert bounded(30, now=100, deadline=110) == 10
    assert bounded(30, now=120, deadline=110) == 0
    assert bounded(3, now=100, deadline=110) == 3


def test_reports_on_change_or_every_thirty_seconds():
    kw = dict(status="in-progress", last_status="in-progress")
    assert not should_report(P, now=110, last_report=100, **kw)
    assert should_report(P, now=130, last_report=100, **kw)
    assert should_report(P, status="completed", last_status="in-progress", now=101, last_report=100)


@given(st.floats(1, 29), st.floats(0, 10_000))
def test_progress_lines_come_about_every_thirty_seconds_whatever_the_poll_interval(interval, start):
    lines, last = 0, start
    for n in range(1, int(1800 / interval) + 1):
        now = start + n * interval
        if should_report(P, status="in-progress", last_status="in-progress", now=now, last_report=last):
            lines, last = lines + 1, now
    assert 1800 / 30 - 2 <= lines <= 1800 / 30 + 1


def detect(
    policy: PollPolicy, duration: float, expected: float | None, started_before: float = 0.0
) -> tuple[int, float]:
    """Polls made and latency when a snapshot that started ``started_before`` seconds before the wait
    takes ``duration`` seconds, waited for with an ``expected`` duration (None: no history)."""
    waited, polls = 0.0, 0
    while started_before + waited < duration:
        waited += poll_interval(
            policy, polls, now=waited, expected=expected, elapsed=started_before + waited, waited=waited
        )
        polls += 1
    return polls, started_before + waited - duration


durations = st.floats(0.5, 7200)


@given(durations, durations)
def test_a_prediction_never_costs_more_requests_than_no_history(duration, expected):
    assert detect(P, duration, expected)[0] <= detect(P, duration, None)[0]


@given(durations, durations)
def test_a_snapshot_that_outlasts_its_prediction_is_noticed_within_the_no_history_bound(duration, expected):
    if duration < expected + P.settle:
        return
    latency = detect(P, duration, expected)[1]
    assert latency <= no_history_wait(P, duration) + 1e-6
    assert latency <= max(P.initial, P.overrun_fraction * (duration - expected)) + 1e-6


@given(durations, durations)
def test_a_snapshot_that_ends_early_is_noticed_within_the_prediction_error_or_the_sparse_cap(duration, expected):
    if duration >= expected:
        return
    latency = detect(P, duration, expected)[1]
    error = expected + P.settle - duration
    assert latency <= max(min(P.sparse_cap, error), no_history_wait(P, duration)) + 1e-6


@given(st.floats(P.min_predicted, 7200), st.floats(0, 1))
def test_an_exact_prediction_notices_within_settle_with_a_handful_of_polls(expected, resumed_share):
    started_before = resumed_share * expected  # a resumed snapshot started before the wait
    polls, latency = detect(P, expected, expected, started_before)
    assert latency <= P.settle + 1e-6
    assert polls <= 12 + expected / P.sparse_cap


def test_ten_and_thirty_minutes_with_history_cost_fewer_polls_than_the_thirty_second_loop():
    assert detect(P, 600, 600) == (7, P.settle)  # the 30 s loop: 20 polls, 15 s late on average
    assert detect(P, 1800, 1800) == (13, P.settle)  # the 30 s loop: 60
    assert detect(P, 600, None)[0] == 57


@given(durations, st.floats(0, 7200), st.floats(0, 7200))
def test_a_predicted_wait_is_never_a_hair(expected, elapsed, waited):
    """Landing just after the predicted end leaves a float hair of it: the next wait is a real one."""
    wait = poll_interval(P, 3, now=0, expected=expected, elapsed=elapsed, waited=waited)
    assert wait >= 0.1


def test_landing_on_the_predicted_end_through_float_rounding_polls_once_more_then_backs_off():
    started = 1_790_000_000.0  # an ISO-second action start, and a clock with fractions
    now = started + 101.21 * 0.9 + P.settle - 1e-9
    wait = poll_interval(P, 9, now=now, expected=101.21 * 0.9, elapsed=now - started, waited=now - started - 6.3)
    assert wait == P.initial


def test_a_short_prediction_is_ignored():
    assert detect(P, 20, 20) == detect(P, 20, None)
