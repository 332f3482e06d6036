"""The pack as the engine drives it: __main__.py builds it, and pulumi-policy's own analyzer servicer
(called in-process with the protobuf requests the engine sends over gRPC) runs the policies."""

from __future__ import annotations

import json
import runpy
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import jsonschema
import pulumi_policy
import pytest
from google.protobuf import empty_pb2, struct_pb2
from gpuforge_policies import POLICIES
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policies.engine import Registered, as_preview

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
DEFAULT_LEVELS = {
    "snapshot-required": "mandatory",
    "no-public-model-api": "mandatory",
    "allowed-gpu-regions-and-sizes": "mandatory",
    "gpu-droplet-tags": "advisory",
    "gpu-budget": "mandatory",
    "snapshot-timeout": "advisory",
}


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def servicer() -> _PolicyAnalyzerServicer:
    return _PolicyAnalyzerServicer("gpuforge", "0.1.0", POLICIES, EnforcementLevel.ADVISORY)


def test_main_builds_one_pack_of_every_policy_without_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.append(kwargs))
    runpy.run_path(str(POLICIES_DIR), run_name="__main__")
    assert built == [{"name": "gpuforge", "policies": POLICIES}]


def test_the_pack_starts_as_the_engine_starts_it_and_answers_over_grpc() -> None:
    """The engine's Python policy shim runs ``python -m pulumi.policy <engine-address> .`` in the pack's
    directory; the pack prints its port and serves the analyzer API until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=POLICIES_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready and process.stdout is not None, "the pack printed no port"
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
            (diagnostic,) = analyzer.Analyze(firewall_request(["::/0"]), timeout=10).diagnostics
        assert info.name == "gpuforge" and len(info.policies) == len(POLICIES)
        assert "opens Ollama's port 11434 to ::/0" in diagnostic.message
    finally:
        process.kill()
        process.communicate()


def test_analyzer_info_lists_each_policy_with_its_level_and_config_defaults() -> None:
    info = servicer().GetAnalyzerInfo(None, None)
    levels = {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower() for p in info.policies}
    assert levels == DEFAULT_LEVELS
    for policy in info.policies:
        assert policy.description
        for name, schema in policy.configSchema.properties.items():
            assert "default" in schema and schema["description"], (policy.name, name)


def test_schemas_are_valid_json_schema_and_the_example_config_matches_them() -> None:
    example = json.loads((POLICIES_DIR / "config.example.json").read_text())
    by_name = {policy.name: policy for policy in POLICIES}
    assert set(example) <= set(by_name)
    for name, value in example.items():
        schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **by_name[name].config_schema.properties,  # type: ignore[union-attr]
                "enforcementLevel": {"enum": ["advisory", "mandatory", "disabled"]},
            },
        }
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.validate(value if isinstance(value, dict) else {"enforcementLevel": value}, schema)


def firewall_request(sources: Any) -> analyzer_pb2.AnalyzeRequest:
    rule = {"protocol": "tcp", "portRange": "11434", "sourceAddresses": sources}
    return analyzer_pb2.AnalyzeRequest(
        type="digitalocean:index/firewall:Firewall",
        name="gpu-dev-firewall",
        urn="urn:pulumi:dev::gpuforge::gpuforge:index:GpuDroplet$digitalocean:index/firewall:Firewall::gpu-dev-firewall",
        properties=struct({"name": "gpu-dev-firewall", "inboundRules": [rule], "dropletIds": [UNKNOWN_STRING_VALUE]}),
    )


def test_analyze_reports_a_public_api_as_a_mandatory_diagnostic() -> None:
    (diagnostic,) = servicer().Analyze(firewall_request(["0.0.0.0/0"]), None).diagnostics
    assert diagnostic.policyName == "no-public-model-api"
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "firewall gpu-dev-firewall opens Ollama's port 11434 to 0.0.0.0/0" in diagnostic.message


def test_analyze_in_preview_with_unknowns_runs_every_policy_instead_of_skipping_it() -> None:
    """An UnknownValueError escaping a policy becomes an advisory "can't run policy ... during preview"."""
    response = servicer().Analyze(firewall_request([UNKNOWN_STRING_VALUE]), None)
    assert list(response.diagnostics) == []


def test_configure_passes_the_packs_config_and_levels_to_the_policy() -> None:
    analyzer = servicer()
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                "no-public-model-api": analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.ADVISORY, properties=struct({"ports": [8080]})
                )
            }
        ),
        None,
    )
    assert list(analyzer.Analyze(firewall_request(["0.0.0.0/0"]), None).diagnostics) == []
    request = firewall_request(["0.0.0.0/0"])
    request.properties["inboundRules"][0]["portRange"] = "8000-9000"
    (diagnostic,) = analyzer.Analyze(request, None).diagnostics
    assert diagnostic.enforcementLevel == analyzer_pb2.ADVISORY and "LocalAI's port 8080" in diagnostic.message


def stack_request(resources: list[Registered]) -> analyzer_pb2.AnalyzeStackRequest:
    """What the engine sends at the end of a preview or update: outputs, parents and property dependencies."""
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.resource_type,
                name=r.name,
                urn=r.urn,
                parent=r.parent or "",
                properties=struct(r.outputs),
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in resources
        ]
    )


@pytest.mark.parametrize("create_snapshot, expected", [("auto", []), ("false", ["snapshot-required"])])
def test_analyze_stack_relates_the_previewed_prod_droplet_to_its_guard(
    registered: Callable[..., list[Registered]],
    monkeypatch: pytest.MonkeyPatch,
    create_snapshot: str,
    expected: list[str],
) -> None:
    resources = as_preview(registered("prod", {"createSnapshotOnDestroy": create_snapshot}))
    monkeypatch.setenv("PULUMI_STACK", "prod")
    diagnostics = servicer().AnalyzeStack(stack_request(resources), None).diagnostics
    assert [d.policyName for d in diagnostics] == expected
    droplet = next(r for r in resources if r.resource_type == "digitalocean:index/droplet:Droplet")
    assert all(d.urn == droplet.urn for d in diagnostics)
