import pytest

from gpuforge.errors import ConfigError
from gpuforge.timemachine import SnapshotSettings


def test_automatic_name_template():
    assert SnapshotSettings("gpu-dev").name_template == "gpu-dev-snapshot-[timestamp]"
    assert SnapshotSettings("gpu-dev", snapshot_name="mine").name_template == "mine"


def test_props_round_trip_through_floats():
    settings = SnapshotSettings("gpu-dev", keep_last=3, max_age_seconds=86400, timeout_seconds=60)
    props = settings.to_props()
    assert props["snapshot_name"] == "gpu-dev-snapshot-[timestamp]"
    wire = {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in props.items()}
    back = SnapshotSettings.from_props({**wire, "droplet_id": "1", "__provider": "x"})
    assert back.keep_last == 3 and isinstance(back.keep_last, int)
    assert back.to_props() == props


def test_none_settings_are_left_out_of_props():
    assert "keep_last" not in SnapshotSettings("gpu-dev").to_props()


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"on_failure": "ignore"}, "onSnapshotFailure"),
        ({"timeout_seconds": 0}, "snapshotTimeout"),
        ({"keep_last": 0}, "snapshotRetention.keepLast"),
        ({"max_age_seconds": -1}, "snapshotRetention.maxAge"),
    ],
)
def test_bad_values_name_the_key(kwargs, key):
    with pytest.raises(ConfigError) as err:
        SnapshotSettings("gpu-dev", **kwargs)
    assert err.value.key == key
