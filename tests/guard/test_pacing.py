"""The pacer that keeps a fleet's guards under 250 requests a minute per token."""

from __future__ import annotations

import threading

from dosim import ManualClock, Simulator
from gpuforge.pacing import PacedApi, RequestPacer, pacer_for


def test_the_251st_request_of_a_minute_waits_for_the_first_to_leave_it():
    clock = ManualClock()
    pacer = RequestPacer(limit=250, window=60.0, clock=clock)
    start = clock.now()
    for _ in range(250):
        assert pacer.acquire() == 0.0
        clock.sleep(0.1)  # 250 requests over 25 s
    assert abs(pacer.acquire() - 35.0) < 1e-3  # the first one leaves the window 60 s after it was sent
    assert abs(clock.now() - start - 60.0) < 1e-3


def test_threads_share_one_budget():
    clock = ManualClock()
    pacer = RequestPacer(limit=10, window=60.0, clock=clock)
    waits: list[float] = []
    threads = [threading.Thread(target=lambda: waits.append(pacer.acquire())) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert waits == [0.0] * 10
    assert pacer.acquire() == 60.0


def test_one_pacer_per_token_in_a_process():
    assert pacer_for("token-a") is pacer_for("token-a")
    assert pacer_for("token-a") is not pacer_for("token-b")


def test_a_paced_api_never_meets_the_rate_limit():
    clock = ManualClock()
    with Simulator(clock=clock, rate_limiting=True, rate_limit_per_minute=20) as sim:
        droplet = sim.add_droplet("gpu-dev", region="nyc2")
        api = PacedApi(sim.token, sim.url, pacer=RequestPacer(limit=20, window=60.0, clock=clock))
        for _ in range(50):
            assert api.get_droplet(droplet["id"]) is not None
        assert sim.count(status=429) == 0 and sim.count() == 50
        assert clock.now() - sim.requests[0].time >= 120.0  # 20, then 20 a minute later, then 10
