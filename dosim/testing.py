"""Test helpers: a pydo client for a simulator, and pytest fixtures (`manual_clock`, `sim`, `pydo_client`).

Use the fixtures from a conftest with `from dosim.testing import manual_clock, sim, pydo_client`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydo
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.policies import AzureKeyCredentialPolicy

from dosim.clock import ManualClock
from dosim.simulator import Simulator


def make_pydo_client(sim: Simulator, token: str | None = None, **client_kwargs: Any) -> pydo.Client:
    """A `pydo.Client` for `sim` (default: its read-write token), unchanged but for the endpoint.

    pydo's bearer-token policy refuses plain http (and `enforce_https=False` given to the
    constructor never reaches it: azure-core reads it per call), so the same header is set by
    azure-core's `AzureKeyCredentialPolicy` instead. Other keyword arguments go to `pydo.Client`
    (e.g. `retry_total=0`, `retry_backoff_factor=0`).
    """
    token = sim.token if token is None else token
    policy = AzureKeyCredentialPolicy(AzureKeyCredential(token), "Authorization", prefix="Bearer")
    return pydo.Client(token=token, endpoint=sim.url, authentication_policy=policy, **client_kwargs)


@pytest.fixture
def manual_clock() -> ManualClock:
    """A clock that moves only when the test says so."""
    return ManualClock()


@pytest.fixture
def sim(manual_clock: ManualClock) -> Iterator[Simulator]:
    """A started simulator on `manual_clock`, rate limiting off; stopped after the test."""
    with Simulator(clock=manual_clock, rate_limiting=False) as simulator:
        yield simulator


@pytest.fixture
def pydo_client(sim: Simulator) -> pydo.Client:
    """A pydo client for `sim`. Retries keep pydo's rules but not its real-time backoff."""
    return make_pydo_client(sim, retry_backoff_factor=0.0)
