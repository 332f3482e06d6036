"""The README cannot drift from the code: every ``gpuforge`` command and option, and every output.

Found by introspection (the typer app's click commands, what the program exports, the component's
attributes), so a command, option or output added later is checked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from gpuforge.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    """The README's ``## title`` section, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("|---")]


def commands(command: Any = None, path: tuple[str, ...] = ("gpuforge",)) -> Iterator[tuple[str, Any]]:
    """Every runnable command of the app with its full path (``gpuforge snapshots list``)."""
    command = command or typer.main.get_command(app)
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            if not getattr(sub, "hidden", False):
                yield from commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def options(command: Any) -> list[str]:
    return [
        opt
        for param in command.params
        if param.param_type_name == "option" and not getattr(param, "hidden", False)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    ]


CLI = section("The gpuforge command")
CLI_ROWS = {re.match(r"\| `([^`]*)`", row).group(1): row for row in table_rows(CLI) if re.match(r"\| `gpuforge ", row)}
CLI_PROSE = "\n".join(line for line in CLI.splitlines() if not line.startswith("|"))
COMMANDS = dict(commands())


def row_of(path: str) -> str | None:
    """The command table's row for a command: its first cell is the command, then its usage."""
    found = [row for usage, row in CLI_ROWS.items() if usage == path or usage.startswith(f"{path} ")]
    return found[0] if len(found) == 1 else None


def test_the_app_has_commands_to_check():
    assert len(COMMANDS) >= 8 and "gpuforge snapshots list" in COMMANDS


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_has_its_row_in_the_command_table(path):
    assert row_of(path), f"README.md's command table has no row (or several) for `{path}`"


def test_every_row_of_the_command_table_is_a_command():
    for usage in CLI_ROWS:
        assert any(usage == path or usage.startswith(f"{path} ") for path in COMMANDS), usage


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_option_is_documented(path):
    """In its command's row; an option several commands share may be described once, below the table."""
    shared = {opt for other, cmd in COMMANDS.items() if other != path for opt in options(cmd)}
    row = row_of(path) or ""
    for opt in options(COMMANDS[path]):
        if opt in shared:
            assert re.search(rf"{re.escape(opt)}\b", row + CLI_PROSE), f"{opt} ({path}) is not in README.md"
        else:
            assert re.search(rf"{re.escape(opt)}\b", row), f"{opt} is not in the row of `{path}`"


OUTPUTS = section("Outputs")
OUTPUT_NAMES = {name for row in table_rows(OUTPUTS)[1:] for name in re.findall(r"`([a-z0-9_]+)`", row.split("|")[1])}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.program.harness import execute_program

    import os

    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("outputs"))
    try:
        return execute_program("dev").outputs
    finally:
        os.chdir(cwd)


def test_every_output_is_in_the_outputs_table_and_every_entry_is_an_output(exported):
    (per_droplet,) = exported["droplets"].values()
    names = set(exported) | set(per_droplet)
    assert names - OUTPUT_NAMES == set(), "outputs missing from README.md's Outputs table"
    assert OUTPUT_NAMES - names == set(), "README.md's Outputs table lists outputs that do not exist"


def test_every_typed_attribute_of_the_component_is_documented():
    from gpuforge.component import GpuDroplet

    for attribute in GpuDroplet.__annotations__:
        assert f"`{attribute}`" in OUTPUTS, f"GpuDroplet.{attribute} is not described under 'Outputs'"


def test_the_changelog_names_the_guards_provider_and_inputs_as_stable_contracts():
    import dataclasses

    from gpuforge.guard import SnapshotGuardProvider
    from gpuforge.timemachine.settings import SnapshotSettings

    changelog = (ROOT / "CHANGELOG.md").read_text()
    contracts = changelog[changelog.index("## Stable contracts") : changelog.index("\n## 0.")]
    path = f"{SnapshotGuardProvider.__module__}.{SnapshotGuardProvider.__qualname__}"
    assert path == "gpuforge.guard.SnapshotGuardProvider" and f"`{path}`" in contracts
    for name in ["droplet_id", *(f.name for f in dataclasses.fields(SnapshotSettings))]:
        assert f"`{name}`" in contracts, f"guard input {name} is not listed as a stable contract"
