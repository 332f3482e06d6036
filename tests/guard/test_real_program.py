"""The guard exactly as the real program registers it for Pulumi.dev.yaml and Pulumi.prod.yaml,
driven through the SDK's dynamic provider host against the simulator: snapshot first, droplet kept."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from dosim import Simulator
from gpuforge.guard import TYPE_TOKEN
from tests.guard.test_host import RECORD_FIELDS, created, snapshot_posts, snapshots_of
from tests.program.harness import Recorder, execute_program

TOKEN = "dop_v1_REALPROGRAM_RECOGNISABLE_0123456789"


def real_guard_inputs(stack: str, droplet_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
    run = execute_program(stack, overrides, mocks=Recorder(droplet_id=droplet_id))
    (guard,) = [r for r in run.mocks.resources if r.typ == TYPE_TOKEN]
    return dict(guard.inputs)


@pytest.mark.parametrize(
    ("stack", "size", "region"), [("dev", "gpu-h100x1-80gb", "tor1"), ("prod", "gpu-h100x8-640gb", "nyc2")]
)
def test_real_program_guard_snapshots_once_and_leaves_the_droplet(
    stack, size, region, tmp_path: Path, sim: Simulator, start_host, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGITALOCEAN_TOKEN", TOKEN)
    droplet = sim.add_droplet(name="gpu-dev" if stack == "dev" else "llm-training", size=size, region=region)
    inputs = real_guard_inputs(stack, str(droplet["id"]), {"name": droplet["name"]})

    blob = inputs["__provider"]
    assert isinstance(blob, str) and len(blob) < 1024
    assert TOKEN not in json.dumps(inputs) and TOKEN.encode() not in base64.b64decode(blob)

    host = start_host()
    resource_id, outs = created(host, inputs)
    host.delete(resource_id, outs)

    (snapshot,) = snapshots_of(sim, droplet)
    assert snapshot_posts(sim) == 1
    expected = "llama-70b-trained-v1" if stack == "prod" else None
    assert snapshot["name"] == expected if expected else snapshot["name"].startswith("gpu-dev-snapshot-")
    record = json.loads((tmp_path / "snapshots" / f"{snapshot['name']}.json").read_text())
    assert set(record) == RECORD_FIELDS
    assert record["stack"] == stack and record["gpu_size"] == size and record["region"] == region
    assert droplet["id"] in sim.droplets, "the droplet is left for Pulumi to delete"
    assert TOKEN not in host.stderr and TOKEN not in json.dumps(record)
