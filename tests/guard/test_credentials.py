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


def test_the_token_source_follows_the_providers_order():
    assert resolve({"digitalocean:token": "a"}, {"DIGITALOCEAN_TOKEN": "b"}).source == "digitalocean:token"
    assert resolve({}, {"DIGITALOCEAN_TOKEN": "b", "DIGITALOCEAN_ACCESS_TOKEN": "c"}).source == "DIGITALOCEAN_TOKEN"
    assert resolve({}, {"DIGITALOCEAN_ACCESS_TOKEN": "c"}).source == "DIGITALOCEAN_ACCESS_TOKEN"


def test_only_a_refused_config_token_gets_the_stored_config_advice():
    from gpuforge.credentials import StoredTokenRefused, explain_refused_token
    from gpuforge.do_client import TOKEN_SCOPES_HINT, AuthError

    refused = AuthError(
        "DigitalOcean API: GET droplet 1: the token was refused (401)", status=401, hint=TOKEN_SCOPES_HINT
    )
    from_config = explain_refused_token(refused, resolve({"digitalocean:token": "old"}, {}))
    assert isinstance(from_config, StoredTokenRefused)
    assert "saved at the last `pulumi up`" in str(from_config) and "--run-program" in str(from_config)
    assert explain_refused_token(refused, resolve({}, {"DIGITALOCEAN_TOKEN": "t"})) is refused
    lacking = AuthError("… lacks a scope (403)", status=403, hint=TOKEN_SCOPES_HINT)
    assert explain_refused_token(lacking, resolve({"digitalocean:token": "old"}, {})) is lacking


@pytest.mark.parametrize("code", ["InvalidAccessKeyId", "SignatureDoesNotMatch"])
def test_refused_spaces_keys_from_config_get_the_stored_config_advice(code):
    from gpuforge.guard import _with_stored_config_advice
    from gpuforge.timemachine.stores import RecordStoreError

    creds = resolve({}, {"DIGITALOCEAN_TOKEN": "t"})

    def error() -> RecordStoreError:
        return RecordStoreError(f"Could not write the snapshot record to s3://b/records: {code}", hint="check the key")

    stale = _with_stored_config_advice(error(), creds, {"digitalocean:spacesAccessId": "AKIA-old"})
    assert "Spaces keys saved in the stack config at the last `pulumi up`" in str(stale)
    assert "`pulumi destroy --run-program`" in str(stale) and "\n" not in str(stale)
    from_env = _with_stored_config_advice(error(), creds, {})
    assert "last `pulumi up`" not in str(from_env)
