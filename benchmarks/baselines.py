"""What users would otherwise run, as pollers over the same API (pydo through ``DoApi``).

Both post the snapshot action and poll ``GET /v2/actions/{id}`` until it is no longer in progress;
neither powers the droplet off nor looks the snapshot up afterwards, so their request counts are
a lower bound for them.

* ``thirty_second_loop``: the Terraform module's destroy-time script, ``doctl compute action get``
  every 30 s.
* ``terraform_provider``: the DigitalOcean Terraform provider's ``waitForAction``, a
  ``StateChangeConf`` with ``Delay: 10s`` and ``MinTimeout: 3s``. Assumed backoff (terraform-plugin-sdk
  ``StateChangeConf.WaitForStateContext``, from memory, not re-checked here): after ``Delay`` the
  first refresh is immediate; the wait then starts at 100 ms, doubles after every refresh and is
  held between ``MinTimeout`` and a hard-coded 10 s, i.e. refreshes at 10, 13, 19, 29, 39, ... s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gpuforge.do_client import DoApi

Waits = Callable[[], Iterator[float]]


def thirty_second_waits() -> Iterator[float]:
    while True:
        yield 30.0


def state_change_conf_waits(delay: float = 10.0, min_timeout: float = 3.0, ceiling: float = 10.0) -> Iterator[float]:
    yield delay
    wait = 0.0
    yield wait
    wait = 0.1
    while True:
        wait = min(max(wait * 2, min_timeout), ceiling)
        yield wait


def poll_until_done(
    api: DoApi, droplet_id: int, name: str, clock: Any, waits: Waits, limit: float = 4 * 3600.0
) -> dict[str, Any]:
    """Post the snapshot, then sleep/GET along ``waits`` until the action ends (or ``limit`` passes)."""
    action = api.post_action(droplet_id, {"type": "snapshot", "name": name})
    give_up = clock.now() + limit
    for wait in waits():
        if action.get("status") != "in-progress" or clock.now() >= give_up:
            break
        clock.sleep(wait)
        action = api.get_action(int(action["id"]))
    return action


STRATEGIES: dict[str, Waits] = {
    "30 s loop (Terraform module)": thirty_second_waits,
    "TF provider waitForAction": state_change_conf_waits,
}
