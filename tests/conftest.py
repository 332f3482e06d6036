"""Shared fixtures: the DigitalOcean API simulator (`manual_clock`, `sim`, `pydo_client`) and a real S3 API
on 127.0.0.1 (`moto_endpoint`, `bucket`, `dropping_proxy`)."""

from pathlib import Path

import pytest

from dosim.testing import manual_clock, pydo_client, sim  # noqa: F401  (pytest fixtures)
from tests.s3server import bucket, dropping_proxy, moto_endpoint  # noqa: F401  (pytest fixtures)


@pytest.fixture(autouse=True)
def _private_state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own ``XDG_STATE_HOME``: ``gpuforge snapshot take`` keeps power notes there (droplet ids repeat
    from one simulator to the next), never in the user's home."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state
