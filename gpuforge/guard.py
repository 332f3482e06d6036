"""The snapshot guard: a dynamic resource whose ``delete`` snapshots the droplet before Pulumi deletes it.

It takes the droplet's id as an input, so Pulumi deletes it before the droplet (destroy,
``--target``, removal from the program, replacement). It always exists: ``enabled`` is an input,
so turning snapshots off is an update, never a delete that would snapshot. Destroy uses the inputs
stored in state: a settings change takes effect after the next ``pulumi up``.

The provider is stored in state by reference (``gpuforge.guard.SnapshotGuardProvider``, the
project installed in the program's virtualenv) and holds no token: the token and endpoint are read
at delete time from the stack config the engine passes to ``configure`` (``digitalocean:token``,
``digitalocean:apiEndpoint``) or from the environment. A bucket record store (``record_store``, an
``s3://`` URL without credentials) is opened with the Spaces keys found the same way
(``digitalocean:spacesAccessId``/``digitalocean:spacesSecretKey``, ``SPACES_ACCESS_KEY_ID``/``SPACES_SECRET_ACCESS_KEY``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from gpuforge.clock import SystemClock
from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.settings import SnapshotSettings

TYPE_TOKEN = "pulumi-python:dynamic/gpuforge:SnapshotGuard"
_PROVIDER_KEY = "__provider"


def _say(line: str) -> None:
    """Progress for the user: a dynamic provider's stderr is shown by the engine."""
    print(line, file=sys.stderr, flush=True)


def _one_line_errors_in_host() -> None:
    """The dynamic host reports an exception as ``traceback.format_exc()``; for a GpuForgeError the
    user should see its message and hint only. ``sys.tracebacklimit = 0`` does that, and is set only
    inside the host process (``python -m pulumi.dynamic``), never in the program."""
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", "") == "pulumi.dynamic.__main__":
        sys.tracebacklimit = 0


class SnapshotGuardProvider(dyn.ResourceProvider):
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Nothing goes into state, whatever ``configure`` was given."""
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = {}

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Keep (in memory only) the DigitalOcean token and endpoint and the Spaces keys of the stack config."""
        from gpuforge.credentials import PROVIDER_CONFIG_KEYS

        self._config = {key: req.config.get(key) for key in PROVIDER_CONFIG_KEYS}

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        failures = []
        if news.get("on_failure") not in (None, "abort", "continue") and isinstance(news.get("on_failure"), str):
            failures.append(dyn.CheckFailure("on_failure", "must be abort or continue"))
        return dyn.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        keys = (set(olds) | set(news)) - {_PROVIDER_KEY}
        changed = sorted(k for k in keys if olds.get(k) != news.get(k))
        replaces = ["droplet_id"] if "droplet_id" in changed else []
        return dyn.DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(f"snapshot-guard-{props['droplet_id']}", _outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(_outs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        settings = SnapshotSettings.from_props(props)
        if not settings.enabled:
            _say(
                f"Snapshot on destroy is off for droplet {props['droplet_id']} ({settings.droplet_name}): "
                "no snapshot taken."
            )
            return
        # Imported here: the program only declares guards and should not load the API client.
        from gpuforge.credentials import resolve
        from gpuforge.do_client import DoApi
        from gpuforge.timemachine.engine import RecordNotWritten, take_snapshot
        from gpuforge.timemachine.stores import open_store

        try:
            credentials = resolve(self._config, os.environ)
            api = DoApi(credentials.token, credentials.endpoint)
            store = open_store(settings.record_store, directory=settings.directory, config=self._config, env=os.environ)
            take_snapshot(api, props["droplet_id"], settings, clock=SystemClock(), report=_say, store=store)
        except GpuForgeError as err:
            if settings.on_failure == "continue" and isinstance(err, RecordNotWritten):
                _say(f"⚠️ ⚠️ ⚠️  SNAPSHOT NOT RECORDED for droplet {props['droplet_id']} ({settings.droplet_name}): {err}")
                _say(
                    f"⚠️ ⚠️ ⚠️  onSnapshotFailure is 'continue': the droplet is deleted; its snapshot "
                    f"{err.snapshot_id} is kept, without a record."
                )
                return
            if settings.on_failure == "continue":
                _say(f"⚠️ ⚠️ ⚠️  SNAPSHOT FAILED for droplet {props['droplet_id']} ({settings.droplet_name}): {err}")
                _say("⚠️ ⚠️ ⚠️  onSnapshotFailure is 'continue': the droplet is deleted WITHOUT a snapshot.")
                return
            _one_line_errors_in_host()
            raise


def _outs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != _PROVIDER_KEY}


class SnapshotGuard(dyn.Resource, module="gpuforge", name="SnapshotGuard"):
    """Snapshots droplet ``droplet_id`` before Pulumi deletes it (type ``pulumi-python:dynamic/gpuforge:SnapshotGuard``)."""

    droplet_id: pulumi.Output[str]
    droplet_name: pulumi.Output[str]
    enabled: pulumi.Output[bool]
    snapshot_name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        droplet_id: pulumi.Input[str],
        settings: SnapshotSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if opts is not None and opts.deleted_with is not None:
            raise GpuForgeError("SnapshotGuard must not use deleted_with: Pulumi would skip its snapshot")
        props = {"droplet_id": droplet_id, **settings.to_props()}
        super().__init__(SnapshotGuardProvider(), resource_name, props, opts)
