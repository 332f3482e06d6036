"""Shared fixtures: the DigitalOcean API simulator (`manual_clock`, `sim`, `pydo_client`)."""

from dosim.testing import manual_clock, pydo_client, sim  # noqa: F401  (pytest fixtures)
