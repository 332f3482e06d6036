"""Help pages as a newcomer reads them: nothing eaten by markup, metavars that say what a value is."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from gpuforge.cli import app

PYTHON_TYPES = re.compile(r"<(str|bool|path|int|float|list)\b")


def command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = [()]
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append((name,))
        paths += [(name, sub) for sub in getattr(command, "commands", {})]
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "gpuforge")
def test_help_shows_no_python_types(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert not PYTHON_TYPES.search(result.output), result.output
    assert "Usage: " in result.output


def test_take_help_keeps_its_brackets_and_delete_says_it_takes_ids():
    take = CliRunner().invoke(app, ["snapshot", "take", "--help"], env={"COLUMNS": "200"}).output
    assert "Snapshot name ([timestamp] is replaced)" in take
    assert "--timeout DURATION" in take and "--name NAME" in take
    delete = CliRunner().invoke(app, ["snapshots", "delete", "--help"], env={"COLUMNS": "200"}).output
    assert "Snapshot ids, not names" in delete
    show = CliRunner().invoke(app, ["snapshots", "show", "--help"], env={"COLUMNS": "200"}).output
    assert "NAME|ID" in show


def test_delete_given_a_name_says_how_to_find_its_id(gpuforge):
    result = gpuforge("snapshots", "delete", "old box", "--yes")
    assert result.exit_code == 2
    assert (
        "delete takes ids, not names" in result.stderr
        and "`gpuforge snapshots show 'old box'` gives its id" in result.stderr
    )
