"""Notes that ``gpuforge snapshot take`` leaves while a droplet it found running may be powered off.

A note is written before the take powers the droplet off and removed once it is back on. A take that
is interrupted (Ctrl-C, a failure) leaves its note, so the next take of that droplet — which finds
it off — still powers it back on at the end: the droplet ends as it was before the first run.

Notes live in ``$XDG_STATE_HOME/gpuforge/powered-off/<droplet-id>`` (default
``~/.local/state/gpuforge/...``): on the machine that ran the take, whatever its working directory
or ``--snapshot-dir``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

STATE_ENV = "XDG_STATE_HOME"


def notes_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory of power notes."""
    env = os.environ if env is None else env
    base = env.get(STATE_ENV) or str(Path.home() / ".local" / "state")
    return Path(base) / "gpuforge" / "powered-off"


def _note(droplet_id: int | str, env: Mapping[str, str] | None) -> Path:
    return notes_dir(env) / str(int(droplet_id))


def has_note(droplet_id: int | str, env: Mapping[str, str] | None = None) -> bool:
    """Whether an earlier take powered this droplet off and did not power it back on."""
    return _note(droplet_id, env).is_file()


def write_note(droplet_id: int | str, droplet_name: str, env: Mapping[str, str] | None = None) -> None:
    """Note that the droplet was running before this take (best effort: an unwritable state dir is no error)."""
    path = _note(droplet_id, env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{droplet_name}\n", encoding="utf-8")
    except OSError:
        pass


def clear_note(droplet_id: int | str, env: Mapping[str, str] | None = None) -> None:
    """The droplet is back on (or was never powered off): forget the note."""
    try:
        _note(droplet_id, env).unlink(missing_ok=True)
    except OSError:
        pass
