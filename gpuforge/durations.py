"""Durations as people write them in stack config: ``90s``, ``30m``, ``1h30m``, ``7d``."""

from __future__ import annotations

import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"(?:\d+[smhdw])+")


def parse_duration(text: str) -> int:
    """Return the number of seconds in ``text``; raise ``ValueError`` when it is not a duration.

    A bare number is not accepted: ``30`` could mean seconds or minutes, so the unit is required.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or not _WHOLE.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a duration such as 90s, 30m, 1h30m or 7d")
    return sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _PART.findall(cleaned))


def format_duration(seconds: float) -> str:
    """The shortest exact spelling of a whole number of seconds: 1800 -> ``30m``, 5400 -> ``1h30m``."""
    remaining = int(round(seconds))
    if remaining == 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if remaining >= size:
            parts.append(f"{remaining // size}{unit}")
            remaining %= size
    return "".join(parts)
