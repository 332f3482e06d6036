"""The ``gpuforge`` command: the app, its command groups, and one-line errors for every failure.

Errors are handled in the root group's ``main``, so the console script and typer's ``CliRunner``
behave alike: a :class:`~gpuforge.errors.GpuForgeError` or a usage error is one line on stderr and a
non-zero exit code; anything unexpected is one line saying it is a bug, exit code 70.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from gpuforge.cli import doctor, records, snapshot, snapshots
from gpuforge.cli.help import Command
from gpuforge.cli.output import error_line
from gpuforge.errors import GpuForgeError

try:  # recent typer vendors click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer, with click installed
    from click.exceptions import (  # type: ignore[assignment,no-redef,unused-ignore]
        ClickException,
        NoArgsIsHelpError,
        UsageError,
    )

EXIT_FAILURE = 1
EXIT_BUG = 70
EXIT_INTERRUPTED = snapshot.EXIT_INTERRUPTED


def run_reporting_errors(invoke: Callable[[], Any]) -> int:
    """Run the command line and return its exit code, turning every exception into one stderr line."""
    try:
        result = invoke()
        return result if isinstance(result, int) else 0
    except NoArgsIsHelpError as err:  # a group given no command: its help
        err.show()
        return err.exit_code
    except UsageError as err:
        where = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
        error_line(f"Error: {err.format_message()}{where}")
        return err.exit_code
    except ClickException as err:
        error_line(f"Error: {err.format_message()}")
        return err.exit_code
    except typer.Abort:
        error_line("Aborted.")
        return EXIT_FAILURE
    except GpuForgeError as err:
        error_line(f"Error: {err}")
        return EXIT_FAILURE
    except OSError as err:
        error_line(f"Error: {err}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        error_line("Interrupted.")
        return EXIT_INTERRUPTED
    except Exception as err:  # noqa: BLE001 - the last line of defence against a traceback
        error_line(f"Internal error, a bug in gpuforge (please report it): {type(err).__name__}: {err}")
        return EXIT_BUG


class _Root(TyperGroup):
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code = run_reporting_errors(
            lambda: super(_Root, self).main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        )
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=_Root,
    name="gpuforge",
    help="GPUForge's snapshots of DigitalOcean GPU droplets: list, show, delete, prune, cost, take; records sync; and doctor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(snapshots.app, name="snapshots")
app.add_typer(snapshot.app, name="snapshot")
app.add_typer(records.app, name="records")
app.command("doctor", cls=Command)(doctor.doctor)


def main() -> None:
    """The console script."""
    app(prog_name="gpuforge")
