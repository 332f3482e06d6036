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
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic as dyn

from gpuforge.clock import SystemClock
from gpuforge.errors import GpuForgeError
from gpuforge.teams import TEAM_OUTPUTS, Team, WrongTeam, check_same_team, team_of_token, unrecorded_team_warning
from gpuforge.timemachine.settings import SnapshotSettings

if TYPE_CHECKING:
    from gpuforge.credentials import Credentials

TYPE_TOKEN = "pulumi-python:dynamic/gpuforge:SnapshotGuard"
START_TYPE_TOKEN = "pulumi-python:dynamic/gpuforge:SnapshotStart"
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
        """A new ``droplet_id`` replaces the guard; any other change is an update. An enabled guard
        created before teams were recorded gets an update too, so that ``pulumi up`` records its team."""
        keys = (set(olds) | set(news)) - {_PROVIDER_KEY, *TEAM_OUTPUTS}
        changed = sorted(k for k in keys if olds.get(k) != news.get(k))
        replaces = ["droplet_id"] if "droplet_id" in changed else []
        unrecorded = bool(news.get("enabled")) and "team_uuid" not in olds
        return dyn.DiffResult(changes=bool(changed) or unrecorded, replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(f"snapshot-guard-{props['droplet_id']}", self._with_team(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(self._with_team(news))

    def _with_team(self, props: dict[str, Any]) -> dict[str, Any]:
        """The outputs: the inputs, plus the team of the token when snapshots are on (see gpuforge.teams)."""
        outs = _outs(props)
        if not props.get("enabled"):
            return outs
        from gpuforge.credentials import explain_refused_token, resolve
        from gpuforge.do_client import AuthError, DoApi

        credentials: Credentials | None = None
        try:
            credentials = resolve(self._config, os.environ)
            team = team_of_token(DoApi(credentials.token, credentials.endpoint), SystemClock(), within=120.0)
        except AuthError as err:
            if err.status != 403 or credentials is None:
                _one_line_errors_in_host()
                raise (err if credentials is None else explain_refused_token(err, credentials)) from None
            _say(
                f"⚠️  The token may not read the account (403, scope account:read): the guard of droplet "
                f"{props['droplet_id']} does not record its team, and cannot tell a deleted droplet from one "
                "of another team at destroy."
            )
            return {**outs, **Team.unknown().to_outputs()}  # recorded as unknown: no update at every `pulumi up`
        except GpuForgeError:
            _one_line_errors_in_host()
            raise
        return {**outs, **team.to_outputs()}

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
        from gpuforge.pacing import PacedApi
        from gpuforge.timemachine.engine import RecordNotWritten, take_snapshot
        from gpuforge.timemachine.stores import open_store

        droplet_id = str(props["droplet_id"])
        guarded = Team.recorded(props)
        if guarded is None:
            _say(unrecorded_team_warning(droplet_id, settings.droplet_name))
        credentials: Credentials | None = None

        def confirm_gone() -> None:
            """A 404 means "deleted" only under the guarded team's token: under another team's, every
            droplet of ours is a 404, and the provider's delete would forget one that still runs."""
            if guarded is not None:
                current = team_of_token(api, SystemClock(), within=settings.timeout_seconds)
                check_same_team(guarded, current, droplet_id=droplet_id, droplet_name=settings.droplet_name)

        try:
            credentials = resolve(self._config, os.environ)
            api = PacedApi(credentials.token, credentials.endpoint)  # one minute's budget shared by a fleet
            store = open_store(settings.record_store, directory=settings.directory, config=self._config, env=os.environ)
            take_snapshot(
                api, droplet_id, settings, clock=SystemClock(), report=_say, store=store, confirm_gone=confirm_gone
            )
        except WrongTeam:  # whatever onSnapshotFailure says: this is not a failed snapshot
            _one_line_errors_in_host()
            raise
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
            if credentials is None:
                raise
            raise _with_stored_config_advice(err, credentials, self._config) from None


def _with_stored_config_advice(err: GpuForgeError, credentials: Credentials, config: dict[str, Any]) -> GpuForgeError:
    """Credentials from the stack config that were refused: say that destroy uses those of the last ``pulumi up``."""
    from gpuforge.credentials import STORED_CONFIG_WAYS_OUT, explain_refused_token, spaces_keys_from_config
    from gpuforge.do_client import AuthError

    if isinstance(err, AuthError):
        return explain_refused_token(err, credentials)
    refused_keys = any(code in err.message for code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"))
    if refused_keys and spaces_keys_from_config(config):
        err.hint = (
            f"{err.hint + '; ' if err.hint else ''}`pulumi destroy` uses the Spaces keys saved in the stack "
            f"config at the last `pulumi up`: {STORED_CONFIG_WAYS_OUT.split(';')[0]}"
        )
        err.args = (str(err),)
    return err


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
        refuse_options_that_skip_the_snapshot(opts, "SnapshotGuard")
        props = {"droplet_id": droplet_id, **settings.to_props()}
        # An explicit retainOnDelete=false is not overridden by a parent's true: the engine copies the
        # parent's value only when the child's is unset (inheritFromParent, pkg/resource/deploy/
        # source_eval.go ~2004-2013, pulumi v3.260; the field is `optional bool`, proto/pulumi/resource.proto
        # ~227). deletedWith is a plain string there ("" = inherit): it cannot be blocked the same way.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=False))
        super().__init__(SnapshotGuardProvider(), resource_name, props, opts)


class SkipsTheSnapshot(GpuForgeError, pulumi.RunError):
    """A resource option that would make Pulumi skip the guard's delete, and so the snapshot.

    Also a ``pulumi.RunError``, so that a program that does not catch it shows its one line, no traceback.
    """


#: Options with which the engine never calls Delete (pkg/resource/deploy/step.go ~661-663), and why.
SKIPPING_OPTIONS = {
    "retain_on_delete": "Pulumi would keep the droplet in the cloud without calling its guard, so no snapshot",
    "deleted_with": "Pulumi would skip the guard's delete when that resource goes, so no snapshot is taken",
}


def refuse_options_that_skip_the_snapshot(opts: pulumi.ResourceOptions | None, owner: str = "GpuDroplet") -> None:
    """Raise :class:`SkipsTheSnapshot` (one line) when ``opts`` sets an option that skips the guard's delete.

    Children inherit both options from their parent, so a component that holds a guard must refuse them
    in its own options. ``retain_on_delete=False`` is allowed: it is what the guard sets itself.
    """
    if opts is None:
        return
    for option, why in SKIPPING_OPTIONS.items():
        value = getattr(opts, option, None)
        if value is not None and value is not False:
            raise SkipsTheSnapshot(
                f"{owner} does not accept ResourceOptions({option}=...): {why}",
                hint=f"remove {option}; to destroy without a snapshot on purpose, set createSnapshotOnDestroy to false",
            )


# -- fleet destroy: the snapshot started in earlier delete waves ---------------------------------------
#
# The SDK's dynamic provider host serves four calls at a time (ThreadPoolExecutor(max_workers=4),
# sdk/python/lib/pulumi/dynamic/__main__.py), so guards that wait hold all four workers and a fleet
# would snapshot four droplets at a time. Two quick resources per droplet move the start of every
# snapshot ahead of every wait, using only the engine's delete order:
#
# * ScheduleDeletes (pkg/resource/deploy/step_generator.go ~2747) splits the condemned resources into
#   antichains: a wave holds every resource none of whose dependents (property dependencies and
#   depends_on alike: graph.DependenciesOf uses GetAllDependencies) is left; the executor runs one
#   wave after another (deployment_executor.go ~501-553). With shutdown -depends_on-> start
#   -depends_on-> guard, a destroy runs every droplet's *shutdown* step (POST shutdown, no wait),
#   then every *start* step (wait for off, power off if needed, POST snapshot, no snapshot wait),
#   then the guards, which resume (or adopt) the snapshots already running.
# * Replacement: pulumi-digitalocean asks for delete-before-replace of a named droplet. Every
#   dependent whose Diff replaces it once its property dependency on the droplet is unknown is
#   deleted first, in reverse dependency order, as one serial chain (calculateDependentReplacements
#   ~3268, generateStepsFromDiff ~2060-2100, ExecuteSerial in deployment_executor.go ~651). Both
#   steps take ``droplet_id`` from the droplet, so the chain is shutdown, start, guard, droplet.
#
# Safety never rests on the order: the guard alone does the whole job (it resumes a running
# snapshot and adopts a finished one, see timemachine/engine.py), a step that fails only warns and
# leaves it to the guard, and a start that comes late (its newest action is a snapshot) starts
# nothing. Snapshots off: both steps do nothing.

START_STAGES = ("shutdown", "snapshot")
_START_SETTINGS = (
    "droplet_name",
    "enabled",
    "snapshot_name",
    "timeout_seconds",
    "power_off",
    "shutdown_timeout_seconds",
)


class SnapshotStartProvider(SnapshotGuardProvider):
    """Delete = one step of starting the snapshot early (``stage``: ``shutdown`` or ``snapshot``), never a wait for it."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """As the guard's, without the team: an early step never concludes that a droplet is gone."""
        keys = (set(olds) | set(news)) - {_PROVIDER_KEY}
        changed = sorted(k for k in keys if olds.get(k) != news.get(k))
        replaces = ["droplet_id"] if "droplet_id" in changed else []
        return dyn.DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(f"snapshot-{props['stage']}-{props['droplet_id']}", _outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(_outs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        settings = SnapshotSettings.from_props(props)
        stage = props.get("stage")
        if not settings.enabled or stage not in START_STAGES or (stage == "shutdown" and not settings.power_off):
            return
        from gpuforge.credentials import resolve
        from gpuforge.pacing import PacedApi
        from gpuforge.timemachine.engine import begin_shutdown, start_snapshot

        try:
            credentials = resolve(self._config, os.environ)
            api = PacedApi(credentials.token, credentials.endpoint)
            if stage == "shutdown":
                begin_shutdown(api, props["droplet_id"], settings, clock=SystemClock(), report=_say)
            else:
                start_snapshot(api, props["droplet_id"], settings, clock=SystemClock(), report=_say)
        except GpuForgeError as err:
            _say(
                f"⚠️ Could not {'shut down' if stage == 'shutdown' else 'start the snapshot of'} droplet "
                f"{props['droplet_id']} ({settings.droplet_name}) ahead of its guard: {err}; the guard does it."
            )


class SnapshotStart(dyn.Resource, module="gpuforge", name="SnapshotStart"):
    """One early step of a droplet's snapshot on destroy (type ``pulumi-python:dynamic/gpuforge:SnapshotStart``)."""

    droplet_id: pulumi.Output[str]
    stage: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        droplet_id: pulumi.Input[str],
        stage: str,
        settings: SnapshotSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if stage not in START_STAGES:
            raise GpuForgeError(f"SnapshotStart stage {stage!r} is not one of {', '.join(START_STAGES)}")
        refuse_options_that_skip_the_snapshot(opts, "SnapshotStart")
        wanted = settings.to_props()
        props = {"droplet_id": droplet_id, "stage": stage, **{k: wanted[k] for k in _START_SETTINGS if k in wanted}}
        # As the guard: an explicit retainOnDelete=false, so that a parent's true does not skip this step.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=False))
        super().__init__(SnapshotStartProvider(), resource_name, props, opts)


def snapshot_starts(
    name: str, droplet_id: pulumi.Input[str], settings: SnapshotSettings, guard: SnapshotGuard, parent: pulumi.Resource
) -> tuple[SnapshotStart, SnapshotStart]:
    """The two early steps of ``guard``'s snapshot, deleted in the waves before it (see above)."""
    start = SnapshotStart(
        f"{name}-snapshot-start",
        droplet_id,
        "snapshot",
        settings,
        pulumi.ResourceOptions(parent=parent, depends_on=[guard]),
    )
    shutdown = SnapshotStart(
        f"{name}-snapshot-shutdown",
        droplet_id,
        "shutdown",
        settings,
        pulumi.ResourceOptions(parent=parent, depends_on=[start]),
    )
    return start, shutdown
