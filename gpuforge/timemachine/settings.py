"""What the time machine is told to do for one droplet, and the guard's wire form of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any
from collections.abc import Mapping

from gpuforge.errors import ConfigError

ON_FAILURE_CHOICES = ("abort", "continue")


@dataclass(frozen=True)
class SnapshotSettings:
    """Snapshot settings of one droplet, as read from stack config.

    ``snapshot_name`` is a template: ``""`` means ``{droplet_name}-snapshot-[timestamp]``, and
    ``[timestamp]`` is replaced by the UTC time of destruction (``YYYYMMDD-HHMMSS``).
    """

    droplet_name: str
    enabled: bool = True
    snapshot_name: str = ""
    timeout_seconds: float = 1800.0
    power_off: bool = True
    directory: str = "snapshots"
    record_store: str = ""  # "" → records in ``directory``; else an s3:// URL (never credentials)
    on_failure: str = "abort"
    keep_last: int | None = None
    max_age_seconds: float | None = None
    project: str = "gpuforge"
    stack: str = "dev"
    region: str = ""
    gpu_size: str = ""
    image: str = ""
    shutdown_timeout_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.on_failure not in ON_FAILURE_CHOICES:
            raise ConfigError("onSnapshotFailure", self.on_failure, "abort or continue")
        if self.timeout_seconds <= 0:
            raise ConfigError("snapshotTimeout", self.timeout_seconds, "a positive duration")
        if self.keep_last is not None and self.keep_last < 1:
            raise ConfigError("snapshotRetention.keepLast", self.keep_last, "an integer >= 1")
        if self.max_age_seconds is not None and self.max_age_seconds <= 0:
            raise ConfigError("snapshotRetention.maxAge", self.max_age_seconds, "a positive duration")

    @property
    def name_template(self) -> str:
        """The snapshot name template, with the automatic default filled in."""
        return self.snapshot_name or f"{self.droplet_name}-snapshot-[timestamp]"

    def to_props(self) -> dict[str, Any]:
        """Resource inputs for the guard: every setting, ``None`` left out, the template explicit."""
        props = {k: v for k, v in asdict(self).items() if v is not None}
        props["snapshot_name"] = self.name_template
        return props

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> SnapshotSettings:
        """Rebuild settings from the guard's stored inputs (numbers arrive as floats)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in props.items() if k in known and v is not None}
        if "keep_last" in values:
            values["keep_last"] = int(values["keep_last"])
        for key in ("timeout_seconds", "max_age_seconds", "shutdown_timeout_seconds"):
            if key in values:
                values[key] = float(values[key])
        return cls(**values)
