"""``pip install .`` ships the product only: the gpuforge package with its data files, never the test simulator,
built without setuptools' deprecation warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel ``pip install .`` would install, built offline with the virtualenv's setuptools, and the log.

    Built from a copy of the clone's files (tracked or new, not ignored): setuptools builds in the source tree
    and would reuse (and leave) a ``build/`` directory in the clone.
    """
    out, source = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "--no-index"]
    build = subprocess.run(
        [*command, "-w", str(out), "-v"], cwd=source, capture_output=True, text=True, timeout=300, check=False
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (built,) = out.glob("gpuforge-*.whl")
    return built, build.stdout + build.stderr


def test_the_wheel_has_gpuforge_and_its_data_but_no_simulator(wheel):
    names = zipfile.ZipFile(wheel[0]).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert "gpuforge" in tops and "dosim" not in tops and "tests" not in tops and "benchmarks" not in tops
    assert "gpuforge/py.typed" in names and any(
        n.startswith("gpuforge/cloudinit/") and n.endswith(".sh") for n in names
    )
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gpuforge = gpuforge.cli:main" in zipfile.ZipFile(wheel[0]).read(entry_points).decode()


def test_the_build_has_no_deprecation_warning_and_an_spdx_licence(wheel):
    built, log = wheel
    assert "SetuptoolsDeprecationWarning" not in log and "project.license" not in log
    metadata = next(n for n in zipfile.ZipFile(built).namelist() if n.endswith("METADATA"))
    assert "License-Expression: Apache-2.0" in zipfile.ZipFile(built).read(metadata).decode()
