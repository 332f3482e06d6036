"""Server lifecycle, the request log, and `python -m dosim` by hand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from urllib.error import URLError

import pytest

from dosim import ManualClock, RequestRecord, Simulator
from dosim.testing import make_pydo_client


def test_each_simulator_gets_a_free_loopback_port_and_stops():
    with Simulator(ManualClock()) as first, Simulator(ManualClock()) as second:
        assert first.url.startswith("http://127.0.0.1:") and first.url != second.url
        make_pydo_client(first).account.get()  # leaves a keep-alive connection open
    with pytest.raises(URLError):
        urllib.request.urlopen(first.url + "/v2/account", timeout=2)


def test_the_log_records_method_path_query_body_status_and_time(sim, pydo_client, manual_clock):
    droplet = sim.add_droplet("gpu-1")
    pydo_client.droplets.list(tag_name="gpuforge", per_page=50)
    manual_clock.advance(10)
    pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot", "name": "s1"})
    listed, posted = sim.requests
    assert listed == RequestRecord(
        "GET",
        "/v2/droplets",
        {"tag_name": "gpuforge", "per_page": "50", "page": "1"},
        None,
        200,
        manual_clock.now() - 10,
    )
    assert (posted.method, posted.path, posted.body, posted.status) == (
        "POST",
        f"/v2/droplets/{droplet['id']}/actions",
        {"type": "snapshot", "name": "s1"},
        201,
    )
    assert sim.count("POST", "/v2/droplets/{id}/actions", body_type="snapshot") == 1
    assert sim.count("POST", "/v2/droplets/{id}/actions", body_type="power_off") == 0
    assert sim.count(route="/v2/droplets") == 1 and sim.count(status=200) == 1
    sim.log.clear()
    assert sim.requests == []


def test_unknown_routes_and_bad_bodies(sim):
    def send(method: str, path: str, data: bytes | None = None) -> int:
        request = urllib.request.Request(
            sim.url + path, data=data, method=method, headers={"Authorization": f"Bearer {sim.token}"}
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    assert send("GET", "/v2/volumes") == 404
    assert send("PUT", "/v2/droplets/1") == 405
    assert send("POST", "/v2/droplets", b"{not json") == 400


def test_running_by_hand_prints_the_exports_and_serves_until_interrupted():
    process = subprocess.Popen(
        [sys.executable, "-m", "dosim", "--port", "0", "--token", "tok", "--seed-demo"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        banner, exports = process.stdout.readline(), process.stdout.readline()
        assert "DigitalOcean API simulator" in banner
        url = exports.split("DIGITALOCEAN_API_URL=")[1].split()[0]
        assert exports.strip() == f"export DIGITALOCEAN_API_URL={url} DIGITALOCEAN_TOKEN=tok"
        sim = Simulator(token="tok", port=int(url.rsplit(":", 1)[1]))  # only for its url and token
        client = make_pydo_client(sim)
        [demo] = client.droplets.list(tag_name="gpuforge")["droplets"]
        assert demo["name"] == "gpu-demo" and len(demo["snapshot_ids"]) == 3
        assert client.snapshots.list()["meta"]["total"] == 4
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_peak_per_minute_counts_the_busiest_sixty_seconds() -> None:
    from dosim.requestlog import peak_per_minute

    assert peak_per_minute([]) == 0
    assert peak_per_minute([0.0, 10.0, 59.9, 60.0, 61.0, 200.0]) == 4  # (1, 61]: 10, 59.9, 60, 61
    assert peak_per_minute([5.0] * 7) == 7
