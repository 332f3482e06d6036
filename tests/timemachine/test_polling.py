from hypothesis import given
from hypothesis import strategies as st

from gpuforge.timemachine.polling import PollPolicy, bounded, poll_interval, retry_delay, should_report

P = PollPolicy()


def test_intervals_start_short_and_grow_to_the_cap():
    waits = [poll_interval(P, n, now=0) for n in range(15)]
    assert waits[0] == P.initial
    assert waits == sorted(waits)
    assert waits[-1] == P.cap


def test_thirty_minutes_cost_far_below_the_rate_limit():
    elapsed, polls = 0.0, 0
    while elapsed < 1800:
        elapsed += poll_interval(P, polls, now=elapsed)
        polls += 1
    assert polls < 80


def test_low_remaining_spreads_requests_until_reset():
    assert poll_interval(P, 0, now=1000, remaining=10, reset=1600) == 60
    assert poll_interval(P, 0, now=1000, remaining=0, reset=1000 + 10_000) == P.max_spread
    assert poll_interval(P, 0, now=1000, remaining=4000, reset=1600) == P.initial


def test_retry_after_is_honoured():
    assert poll_interval(P, 0, now=0, retry_after=17) == 17
    assert retry_delay(P, 0, retry_after=42) == 42
    assert retry_delay(P, 20) == P.cap


@given(st.integers(0, 50), st.floats(0, 10_000), st.one_of(st.none(), st.integers(0, 5000)),
       st.one_of(st.none(), st.floats(0, 600)))
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
