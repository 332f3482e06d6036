"""What the real program registers for the dev and prod stacks (and a fleet variant), compared with
recorded data: resources, names, parents and inputs.

The expected files were recorded from the program *before* ``GpuDroplet`` became a library
component (issue 15), so this test shows the reshaped component registers exactly the same.
Resource options other than the parent (``depends_on``, ``ignore_changes``…) are not compared.
Run with ``GPUFORGE_RECORD_REGISTRATIONS=1`` to record them again after an intended change.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from pulumi.runtime.mocks import MockMonitor

from tests.program.harness import Recorder, execute_program

EXPECTED = Path(__file__).parent / "expected"

#: Stack config variants: the real stack files, and the dev file with a fleet using most inputs.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
    "dev-fleet": (
        "dev",
        {
            "droplets": [
                {"name": "a"},
                {
                    "name": "b",
                    "gpuSize": "gpu-l40sx1-48gb",
                    "installLocalai": False,
                    "allowedApiCidrs": ["198.51.100.0/24"],
                    "snapshotTimeout": "45m",
                    "onSnapshotFailure": "continue",
                    "backups": True,
                    "backupPlan": "daily",
                    "backupHour": 4,
                },
            ],
            "sshKeys": ["12345", "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
            "vpcUuid": "c33931f2-a26a-4e61-b85c-4e95a2ec431b",
            "localaiApiKey": "sk-test-0123456789abcdef",
            "recordStore": "s3://team-records/gpuforge?region=nyc3",
            "snapshotRetention": {"keepLast": 2, "maxAge": "30d"},
        },
    ),
}


class StableIds(Recorder):
    """Ids derived from type and name, so they do not depend on the order of concurrent registrations."""

    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        _, state = super().new_resource(args)
        return str(100_000_000 + zlib.crc32(f"{args.typ}::{args.name}".encode()) % 100_000_000), state


def registrations(stack: str, overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource the program registers: URN, parent URN, type, name and inputs, sorted by URN."""
    parents: dict[tuple[str, str], tuple[str, str]] = {}
    original = MockMonitor.RegisterResource

    def recording(self: MockMonitor, request: Any) -> Any:
        response = original(self, request)
        parents[(request.type, request.name)] = (response.urn, request.parent)
        return response

    mocks = StableIds()
    with patch.object(MockMonitor, "RegisterResource", recording):
        execute_program(stack, overrides, mocks=mocks)
    out = []
    for resource in mocks.resources:
        urn, parent = parents[(resource.typ, resource.name)]
        out.append(
            {
                "urn": urn,
                "parent": parent,
                "type": resource.typ,
                "name": resource.name,
                "custom": resource.custom,
                "inputs": resource.inputs,
            }
        )
    return sorted(out, key=lambda r: r["urn"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_program_registers_what_it_registered_before(variant, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    stack, overrides = VARIANTS[variant]
    # JSON round trip: tuples become lists, as in the recorded file.
    actual = json.loads(json.dumps(registrations(stack, overrides), sort_keys=True))
    path = EXPECTED / f"{variant}.json"
    if os.environ.get("GPUFORGE_RECORD_REGISTRATIONS") == "1":
        path.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n")
    expected = json.loads(path.read_text())
    assert [r["urn"] for r in actual] == [r["urn"] for r in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got == want, f"{got['urn']} differs"
