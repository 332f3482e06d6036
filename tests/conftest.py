"""Shared fixtures: the DigitalOcean API simulator (`manual_clock`, `sim`, `pydo_client`) and a real S3 API
on 127.0.0.1 (`moto_endpoint`, `bucket`, `dropping_proxy`)."""

from dosim.testing import manual_clock, pydo_client, sim  # noqa: F401  (pytest fixtures)
from tests.s3server import bucket, dropping_proxy, moto_endpoint  # noqa: F401  (pytest fixtures)
