"""The repository stands alone: nothing in it reads a folder outside the clone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A path that climbs out of the clone: the shared folder beside it, parents[N] past the root, a "shared" path.
OUTSIDE = re.compile(r"\.\./shared|[\"']shared/|parents\[(\d+)\]")


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py", "*.sh", "*.txt", "*.toml", "*.cfg", "*.yaml", ".ci/*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed]


def _escapes(path: Path, match: re.Match[str]) -> bool:
    if match.group(1) is None:
        return True
    # For a file k path parts below the root, parents[k - 1] is the root and parents[k] its parent.
    return int(match.group(1)) >= len(path.relative_to(ROOT).parts)


def test_no_tracked_file_reads_outside_the_clone() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for path in _tracked_files()
        if path.is_file() and path != Path(__file__).resolve()
        for text in [path.read_text(errors="replace")]
        for match in OUTSIDE.finditer(text)
        if _escapes(path, match)
    ]
    assert offenders == []


def test_the_vendored_openapi_spec_carries_its_licence() -> None:
    spec = ROOT / "tests/simulator/do-openapi"
    assert (spec / "digitalocean-openapi-subset.yaml").stat().st_size > 10_000
    assert "Apache License" in (spec / "LICENSE").read_text()
