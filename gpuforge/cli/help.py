"""Help pages that read as written: plain text (no rich markup eating ``[timestamp]``), metavars that say what a
value is (``DURATION``, ``URL``) instead of a Python type (``<str>``, ``<bool>``).

Every command is declared with ``cls=Command``; options carry their own ``metavar``.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption


class _Argument(TyperArgument):
    """An argument whose help line shows its metavar only (typer adds ``<str>``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class Command(TyperCommand):
    """A typer command whose arguments show no Python type and whose flags no ``<bool>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument
            elif isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
                param.metavar = ""
