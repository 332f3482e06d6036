"""Snapshot names and the ISO-8601 times DigitalOcean speaks: pure functions."""

from __future__ import annotations

import re
from datetime import datetime, timezone

TIMESTAMP_PLACEHOLDER = "[timestamp]"
_STAMP_RE = r"\d{8}-\d{6}"


def stamp(epoch: float) -> str:
    """``YYYYMMDD-HHMMSS`` in UTC."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y%m%d-%H%M%S")


def render_name(template: str, epoch: float) -> str:
    """The snapshot name for a destruction at ``epoch``."""
    return template.replace(TIMESTAMP_PLACEHOLDER, stamp(epoch))


def matches_template(name: str, template: str) -> bool:
    """Whether ``name`` is one that ``template`` renders to (at any time)."""
    pattern = re.escape(template).replace(re.escape(TIMESTAMP_PLACEHOLDER), _STAMP_RE)
    return re.fullmatch(pattern, name) is not None


def parse_time(value: str) -> float:
    """Epoch seconds from DigitalOcean's ISO-8601 (``2020-07-28T16:47:44Z``)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def iso(epoch: float) -> str:
    """ISO-8601 in UTC with a ``Z``, to the second."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def template_pattern(template: str) -> str:
    """A regular expression (Python and RE2 alike) for the names ``template`` renders to."""
    return re.escape(template).replace(re.escape(TIMESTAMP_PLACEHOLDER), _STAMP_RE)
