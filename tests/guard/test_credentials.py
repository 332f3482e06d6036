import pytest

from gpuforge.credentials import MissingToken, resolve
from gpuforge.do_client import DEFAULT_ENDPOINT


def test_stack_config_wins_over_the_environment():
    creds = resolve(
        {"digitalocean:token": "from-config", "digitalocean:apiEndpoint": "http://127.0.0.1:1"},
        {"DIGITALOCEAN_TOKEN": "from-env", "DIGITALOCEAN_API_URL": "http://127.0.0.1:2"},
    )
    assert (creds.token, creds.endpoint) == ("from-config", "http://127.0.0.1:1")


@pytest.mark.parametrize("name", ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"])
def test_environment_fallback_and_default_endpoint(name):
    creds = resolve({}, {name: "tok"})
    assert (creds.token, creds.endpoint) == ("tok", DEFAULT_ENDPOINT)


def test_token_never_in_repr():
    assert "s3cret" not in repr(resolve(None, {"DIGITALOCEAN_TOKEN": "s3cret"}))


def test_missing_token_names_both_ways_and_the_scopes():
    with pytest.raises(MissingToken) as err:
        resolve({"digitalocean:token": "  "}, {})
    text = str(err.value)
    assert "digitalocean:token" in text and "DIGITALOCEAN_TOKEN" in text
    assert "snapshot:read" in text and "actions:read" in text
