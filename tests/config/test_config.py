"""The config layer: typed values, one-line errors, and agreement with Pulumi.yaml and the README."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gpuforge.config import KEYS, load_stack_config
from gpuforge.timemachine.retention import RetentionPolicy
from gpuforge.durations import format_duration, parse_duration
from gpuforge.errors import ConfigError, GpuForgeError

ROOT = Path(__file__).resolve().parents[2]


def load(raw: dict[str, Any], stack: str = "dev"):
    return load_stack_config(raw, project="gpuforge", stack=stack)


def test_defaults_describe_one_safe_droplet():
    cfg = load({})
    (droplet,) = cfg.droplets
    assert droplet.name == "gpuforge-dev"
    assert droplet.create_snapshot_on_destroy == "true"
    assert droplet.on_snapshot_failure == "abort"
    assert droplet.snapshot_power_off is True
    assert droplet.snapshot_timeout_seconds == 1800
    assert droplet.allowed_api_cidrs == ()
    assert droplet.snapshot_retention == RetentionPolicy()
    assert cfg.environment == "dev" and not cfg.is_production


@pytest.mark.parametrize("stack", ["prod", "production", "prd", "prod-eu"])
def test_production_is_inferred_from_the_stack_name(stack):
    assert load({}, stack=stack).is_production


def test_engine_strings_are_parsed_like_native_values():
    engine = load(
        {
            "monitoring": "false",
            "ollamaModels": '["a:1", "b"]',
            "backupHour": "4",
            "backups": "true",
            "snapshotRetention": '{"keepLast": 2, "maxAge": "30d"}',
        }
    )
    native = load(
        {
            "monitoring": False,
            "ollamaModels": ["a:1", "b"],
            "backupHour": 4,
            "backups": True,
            "snapshotRetention": {"keepLast": 2, "maxAge": "30d"},
        }
    )
    assert engine == native
    assert native.droplets[0].snapshot_retention == RetentionPolicy(keep_last=2, max_age_seconds=30 * 86400)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"region": "New York"}, "gpuforge:region = 'New York' is not valid: a region slug"),
        ({"gpuSize": "s-1vcpu-1gb"}, "gpuforge:gpuSize = 's-1vcpu-1gb' is not valid: a GPU size slug"),
        (
            {"createSnapshotOnDestroy": "yes"},
            "gpuforge:createSnapshotOnDestroy = 'yes' is not valid: one of true, false, auto",
        ),
        ({"onSnapshotFailure": "ignore"}, "gpuforge:onSnapshotFailure = 'ignore' is not valid: one of abort, continue"),
        ({"snapshotTimeout": "5s"}, "gpuforge:snapshotTimeout = '5s' is not valid: a duration from 1m to 24h"),
        ({"snapshotTimeout": "25h"}, "gpuforge:snapshotTimeout = '25h' is not valid"),
        (
            {"allowedApiCidrs": ["0.0.0.0/33"]},
            "gpuforge:allowedApiCidrs = '0.0.0.0/33' is not valid: IPv4 or IPv6 networks",
        ),
        (
            {"snapshotRetention": {"keepLast": 0}},
            "gpuforge:snapshotRetention.keepLast = 0 is not valid: a whole number from 1",
        ),
        (
            {"snapshotRetention": {"keep": 2}},
            "gpuforge:snapshotRetention = {'keep': 2} is not valid: an object with keepLast",
        ),
        (
            {"snapshotRetention": {"maxAge": "10m"}},
            "gpuforge:snapshotRetention.maxAge = '10m' is not valid: a duration of at least 1h",
        ),
        (
            {"ollamaModels": ["llama3; rm -rf /"]},
            "gpuforge:ollamaModels = 'llama3; rm -rf /' is not valid: model names",
        ),
        ({"backupHour": 3}, "gpuforge:backupHour = 3 is not valid: one of 0, 4, 8, 12, 16, 20"),
        ({"droplets": [{"name": "a"}, {"name": "a"}]}, "gpuforge:droplets = ['a'] is not valid: unique droplet names"),
        (
            {"droplets": [{"name": "a", "gpu_size": "x"}]},
            "gpuforge:droplets[0].gpu_size is not a known key (did you mean gpuSize?)",
        ),
        ({"droplets": [{"name": "a"}, {"name": "b", "region": "x"}]}, "gpuforge:droplets[1].region = 'x' is not valid"),
        ({"snapshotname": "x"}, "gpuforge:snapshotname is not a known key (did you mean snapshotName?)"),
        ({"restoreFrom": "../etc/passwd"}, "gpuforge:restoreFrom = '../etc/passwd' is not valid"),
    ],
)
def test_bad_values_name_the_key_the_value_and_what_is_allowed(raw, message):
    with pytest.raises(GpuForgeError) as err:
        load(raw)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


# --- property: random and malformed config is accepted or rejected with one line ----------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "true",
            "false",
            "auto",
            "30m",
            "0s",
            "latest",
            "nyc2",
            "gpu-h100x1-80gb",
            "10.0.0.0/8",
            "::/0",
            "[]",
            "{}",
            "[1]",
        ]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=8,
)
_keys = st.one_of(st.sampled_from(sorted(KEYS)), st.text(min_size=1, max_size=15))
_droplet_entries = st.lists(
    st.dictionaries(st.sampled_from(["name", "region", "gpuSize", "snapshotTimeout", "bogus"]), _values, max_size=4),
    max_size=3,
)


def _as_engine(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (list, dict)) else value


@settings(max_examples=400, deadline=None)
@given(
    raw=st.dictionaries(_keys, _values, max_size=8),
    entries=st.one_of(st.none(), _droplet_entries),
    engine_form=st.booleans(),
)
def test_random_config_is_accepted_or_rejected_in_one_line(raw, entries, engine_form):
    if entries is not None:
        raw = {**raw, "droplets": entries}
    if engine_form:
        raw = {key: _as_engine(value) for key, value in raw.items()}
    try:
        cfg = load(raw)
    except GpuForgeError as err:
        text = str(err)
        assert text.startswith("gpuforge:") and "\n" not in text and "Traceback" not in text
        if isinstance(err, ConfigError):
            assert err.allowed
    else:
        assert cfg.droplets and all(d.name for d in cfg.droplets)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**7))
def test_format_and_parse_duration_round_trip(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


def test_record_store_is_empty_or_a_bucket_url_and_never_echoes_credentials():
    assert load({}).record_store == ""
    assert load({"recordStore": "s3://team/gpuforge?region=nyc3"}).record_store == "s3://team/gpuforge?region=nyc3"
    with pytest.raises(ConfigError) as err:
        load({"recordStore": "s3://AKIAEXAMPLE:sup3rsecret@team/x?region=nyc3"})
    assert str(err.value).startswith("gpuforge:recordStore = 's3://***@team/x?region=nyc3' is not valid")
    assert "sup3rsecret" not in str(err.value)
    with pytest.raises(ConfigError, match="the Spaces region"):
        load({"recordStore": "s3://team/gpuforge"})
    with pytest.raises(GpuForgeError, match=r"gpuforge:droplets\[0\]\.recordStore is not a known key"):
        load({"droplets": [{"name": "a", "recordStore": "s3://team/x?region=nyc3"}]})


# --- agreement between Pulumi.yaml, the README and the config layer ------------------------------


def _project() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def _declared_object_keys() -> set[str]:
    """Object-valued keys cannot be typed in Pulumi.yaml; they are listed in its header comment."""
    text = (ROOT / "Pulumi.yaml").read_text()
    return set(re.findall(r"^#\s+gpuforge:(\w+)\s+object\b", text, flags=re.MULTILINE))


def _readme_keys() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\|\s*`gpuforge:(\w+)`", section, flags=re.MULTILINE))


def test_pulumi_yaml_declares_every_key_the_config_layer_reads_and_no_other():
    declared = {key.removeprefix("gpuforge:") for key in _project()["config"]}
    assert declared | _declared_object_keys() == set(KEYS)
    assert declared.isdisjoint(_declared_object_keys())
    assert _declared_object_keys() == {key for key, spec in KEYS.items() if spec.pulumi_type == "object"}


def test_pulumi_yaml_types_and_defaults_match_the_config_layer():
    for key, decl in _project()["config"].items():
        spec = KEYS[key.removeprefix("gpuforge:")]
        assert decl["type"] == spec.pulumi_type, key
        assert decl["default"] == spec.default, key
        assert decl.get("description"), key
        if decl["type"] == "array":
            assert decl["items"] == {"type": "string"}, key


def test_readme_config_reference_lists_every_key_and_no_other():
    assert _readme_keys() == set(KEYS)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_example_stacks_are_valid(stack):
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    cfg = load({k.removeprefix("gpuforge:"): v for k, v in raw.items() if k.startswith("gpuforge:")}, stack=stack)
    assert cfg.droplets
