"""The ``gpuforge`` command line (console script ``gpuforge = gpuforge.cli:main``)."""

from gpuforge.cli.app import app, main

__all__ = ["app", "main"]
