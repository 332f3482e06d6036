from gpuforge.timemachine.naming import iso, matches_template, parse_time, render_name, stamp

T = 1_721_834_340.0  # 2024-07-24T15:19:00Z


def test_stamp_is_utc_seed_format():
    assert stamp(T) == "20240724-151900"


def test_render_automatic_and_custom_names():
    assert render_name("gpu-dev-snapshot-[timestamp]", T) == "gpu-dev-snapshot-20240724-151900"
    assert render_name("llama-70b-trained-v1", T) == "llama-70b-trained-v1"


def test_matches_template_exactly():
    template = "gpu-dev-snapshot-[timestamp]"
    assert matches_template("gpu-dev-snapshot-20240724-151900", template)
    assert not matches_template("gpu-dev-snapshot-20240724-151900-copy", template)
    assert not matches_template("gpu-dev2-snapshot-20240724-151900", template)
    assert not matches_template("gpu-dev-snapshot-manual", template)
    assert matches_template("a.b+c", "a.b+c") and not matches_template("aXb+c", "a.b+c")


def test_iso_round_trip():
    assert iso(T) == "2024-07-24T15:19:00Z"
    assert parse_time("2024-07-24T15:19:00Z") == T
    assert parse_time("2024-07-24T15:19:00") == T
