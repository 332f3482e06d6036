"""How pydo 0.44 reports errors: some operations raise, many hand back the error body.

Code that uses pydo must check bodies for `"id": "not_found"`; these tests pin what it does.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from dosim.testing import make_pydo_client

NOT_FOUND = {"id": "not_found", "message": "The resource you were accessing could not be found."}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.droplets.get(1),
        lambda c: c.droplets.destroy(1),
        lambda c: c.droplets.list_snapshots(1),
        lambda c: c.droplet_actions.post(1, {"type": "snapshot"}),
        lambda c: c.droplet_actions.list(1),
        lambda c: c.actions.get(1),
        lambda c: c.snapshots.get(1),
        lambda c: c.snapshots.delete(1),
        lambda c: c.images.get(1),
        lambda c: c.firewalls.get("nope"),
    ],
    ids=[
        "droplets.get",
        "droplets.destroy",
        "droplets.list_snapshots",
        "droplet_actions.post",
        "droplet_actions.list",
        "actions.get",
        "snapshots.get",
        "snapshots.delete",
        "images.get",
        "firewalls.get",
    ],
)
def test_a_404_comes_back_as_a_body(pydo_client, call):
    assert call(pydo_client) == NOT_FOUND


def test_a_422_raises(sim, pydo_client):
    droplet = sim.add_droplet("gpu-1")
    pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})
    with pytest.raises(HttpResponseError) as refused:
        pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})
    assert refused.value.status_code == 422


def test_a_400_from_tags_or_firewalls_comes_back_as_a_body(pydo_client):
    assert pydo_client.tags.create({"name": "no spaces"})["error"] == "bad_request"
    assert pydo_client.firewalls.create({"name": "-x"})["id"] == "bad_request"


def test_401_raises_client_authentication_error(sim):
    with pytest.raises(ClientAuthenticationError) as refused:
        make_pydo_client(sim, "wrong").account.get()
    assert refused.value.status_code == 401
