"""The ``__provider`` blob the program really produces: by reference, small, no token."""

import base64
import json
import pickletools

import dill
import pytest

from gpuforge.guard import SnapshotGuardProvider
from gpuforge.timemachine import SnapshotSettings
from tests.guard.conftest import small_program

TOKEN = "dop_v1_RECOGNISABLE0123456789abcdef"
SETTINGS = SnapshotSettings("gpu-dev", region="nyc2", gpu_size="gpu-h100x1-80gb", image="gpu-h100x1-base", keep_last=3)


@pytest.fixture
def inputs(capture_guard_inputs, monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_TOKEN", TOKEN)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"digitalocean:token": TOKEN}))
    return capture_guard_inputs(small_program(SETTINGS), droplet_id="4242")


def test_blob_is_a_reference_under_1kb_without_token(inputs):
    blob = inputs["__provider"]
    assert isinstance(blob, str), "the blob must not be a secret: it holds nothing secret"
    assert len(blob) < 1024
    raw = base64.b64decode(blob)
    assert TOKEN.encode() not in raw and TOKEN not in json.dumps(inputs)
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(raw)]
    assert ("SHORT_BINUNICODE", "gpuforge.guard") in ops
    assert not any(name.startswith("dill") or name == "CodeType" for _, name in ops if isinstance(name, str))
    assert isinstance(dill.loads(raw), SnapshotGuardProvider)


def test_inputs_carry_the_droplet_id_and_every_setting(inputs):
    assert inputs["droplet_id"] == "4242"
    assert inputs["enabled"] is True
    assert inputs["snapshot_name"] == "gpu-dev-snapshot-[timestamp]"
    assert inputs["keep_last"] == 3 and inputs["on_failure"] == "abort" and inputs["power_off"] is True


def test_a_configured_provider_still_serializes_empty():
    provider = SnapshotGuardProvider()
    provider._config = {"digitalocean:token": TOKEN}
    assert TOKEN.encode() not in dill.dumps(provider)
