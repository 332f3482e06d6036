"""``GpuDropletArgs``: what a :class:`~gpuforge.component.GpuDroplet` is built from, and its validation.

The arguments are the stack config keys in snake_case, with the same defaults and the same values
(:data:`gpuforge.config.KEYS`). :func:`plan_droplet` validates them with the config layer's parsers
(so a bad value gives the same one-line error as in ``Pulumi.<stack>.yaml``) and resolves the size
and ``restore_from``. It is pure: the size list and the snapshot look-up are handed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import pulumi

from gpuforge.config import KEYS, DropletConfig, StackConfig, infer_environment, parse_droplet
from gpuforge.restore import Lookup, RestorePlan, resolve
from gpuforge.sizes import SizeCatalog, SizeInfo, check_size, is_expensive, snapshot_on_destroy
from gpuforge.timemachine.retention import RetentionPolicy

#: A list of strings any of which may be unknown until the deployment (``[key.fingerprint]``).
InputStrings = pulumi.Input[Sequence[pulumi.Input[str]]]


def _default(key: str) -> Any:
    """A config key's default, immutable (lists as tuples)."""
    value = KEYS[key].default
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True, kw_only=True)
class GpuDropletArgs:
    """The arguments of a ``GpuDroplet``: the stack config keys in snake_case, with their defaults.

    README.md ("Configuration reference") explains each one at length; its config key is given here.

    - ``name`` (``name``): droplet name; empty means the component's resource name.
    - ``region`` (``region``): region slug; the GPU size must be offered there.
    - ``gpu_size`` (``gpuSize``): GPU size slug, checked against DigitalOcean's size list.
    - ``image`` (``image``): image slug or id; empty means the GPU base image for the vendor.
    - ``ssh_keys`` (``sshKeys``): SSH key ids or fingerprints; may be outputs (``[key.fingerprint]``).
    - ``tags`` (``tags``): extra tags, may be outputs; ``gpuforge`` and the stack tag are always added.
    - ``vpc_uuid`` (``vpcUuid``): VPC UUID, may be an output (``my_vpc.id``); empty: the default VPC.
    - ``monitoring``, ``backups``, ``backup_plan``, ``backup_weekday``, ``backup_hour``: as the keys.
    - ``install_ollama``, ``ollama_models``, ``install_localai``, ``localai_models``: what cloud-init installs.
    - ``localai_api_key`` (``localaiApiKey``): LocalAI's API key, a string or an output, kept secret.
    - ``allowed_ssh_cidrs``, ``allowed_api_cidrs``: networks that may reach SSH and the model APIs.
    - ``environment`` (``environment``): empty means ``production`` for stacks named like prod.
    - ``create_snapshot_on_destroy``: ``True``, ``False`` or ``"auto"`` (or their strings).
    - ``snapshot_name``: empty means ``<name>-snapshot-YYYYMMDD-HHMMSS``.
    - ``snapshot_timeout``: a duration (``"45m"``, ``"2h"``) or seconds (``2700``), 1m to 24h.
    - ``snapshot_power_off``, ``snapshot_directory``, ``on_snapshot_failure`` (``abort`` or ``continue``).
    - ``snapshot_retention``: ``{"keepLast": 3, "maxAge": "30d"}`` (``keep_last``/``max_age`` too) or None.
    - ``restore_from``: ``latest``, a snapshot name or a snapshot id; empty: the image.
    - ``record_store``: empty (``snapshot_directory``) or ``s3://bucket/prefix?region=nyc3``.

    Plain values are validated when the component is built; outputs are passed on as they are.
    """

    name: str = ""
    region: str = _default("region")
    gpu_size: str = _default("gpuSize")
    image: str = _default("image")
    ssh_keys: InputStrings = _default("sshKeys")
    tags: InputStrings = _default("tags")
    vpc_uuid: pulumi.Input[str] | None = None
    monitoring: bool = _default("monitoring")
    backups: bool = _default("backups")
    backup_plan: str = _default("backupPlan")
    backup_weekday: str = _default("backupWeekday")
    backup_hour: int = _default("backupHour")
    install_ollama: bool = _default("installOllama")
    ollama_models: Sequence[str] = _default("ollamaModels")
    install_localai: bool = _default("installLocalai")
    localai_models: Sequence[str] = _default("localaiModels")
    localai_api_key: pulumi.Input[str] | None = None
    allowed_ssh_cidrs: Sequence[str] = _default("allowedSshCidrs")
    allowed_api_cidrs: Sequence[str] = _default("allowedApiCidrs")
    environment: str = _default("environment")
    create_snapshot_on_destroy: bool | str = _default("createSnapshotOnDestroy")
    snapshot_name: str = _default("snapshotName")
    snapshot_timeout: str | int | float = _default("snapshotTimeout")
    snapshot_power_off: bool = _default("snapshotPowerOff")
    snapshot_directory: str = _default("snapshotDirectory")
    on_snapshot_failure: str = _default("onSnapshotFailure")
    snapshot_retention: Mapping[str, Any] | RetentionPolicy | None = field(default=None)
    restore_from: str = _default("restoreFrom")
    record_store: str = _default("recordStore")


def config_key(argument: str) -> str:
    """The stack config key of a ``GpuDropletArgs`` field: ``gpu_size`` → ``gpuSize``."""
    head, *rest = argument.split("_")
    return head + "".join(part.capitalize() for part in rest)


ARGUMENTS: tuple[str, ...] = tuple(f.name for f in fields(GpuDropletArgs))


@dataclass(frozen=True)
class DropletPlan:
    """A ``GpuDroplet``'s arguments validated and resolved: what its resources are made from.

    ``droplet`` holds the plain values; an argument given as an output is in ``ssh_keys``,
    ``tags`` or ``vpc_uuid`` instead (None: use ``droplet``'s).
    """

    droplet: DropletConfig
    stack: StackConfig
    size: SizeInfo | None
    restore: RestorePlan
    localai_api_key: pulumi.Output[str] | None = None
    ssh_keys: InputStrings | None = None
    tags: InputStrings | None = None
    vpc_uuid: pulumi.Input[str] | None = None
    warnings: tuple[str, ...] = ()


def _known(value: Any) -> bool:
    """Whether a value (or every item of a list) is known now, not a Pulumi output."""
    if isinstance(value, pulumi.Output):
        return False
    if isinstance(value, (list, tuple)):
        return all(_known(item) for item in value)
    return True


def _seconds_as_duration(value: Any) -> Any:
    """Whole seconds as a duration (``2700`` → ``"2700s"``); anything else unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value)}s"
    return value


def _retention_raw(value: Mapping[str, Any] | RetentionPolicy | None) -> Any:
    """The retention argument as the config key spells it (``keepLast``, ``maxAge``)."""
    if isinstance(value, RetentionPolicy):
        value = {"keepLast": value.keep_last, "maxAge": value.max_age_seconds}
    if not isinstance(value, Mapping):
        return value
    renamed = {{"keep_last": "keepLast", "max_age": "maxAge"}.get(k, k): v for k, v in value.items()}
    if "maxAge" in renamed:
        renamed["maxAge"] = _seconds_as_duration(renamed["maxAge"])
    return renamed


def _warnings(droplet: DropletConfig, stack: StackConfig, size: SizeInfo | None, ssh_keys_known: bool) -> list[str]:
    """What deserves a warning in these choices (no SSH key, open model APIs, no snapshot)."""
    out = []
    if ssh_keys_known and not droplet.ssh_keys:
        out.append(f"{droplet.name}: no sshKeys configured; you will not be able to log in with a key.")
    if droplet.allowed_api_cidrs:
        out.append(
            f"{droplet.name}: model APIs are reachable from {', '.join(droplet.allowed_api_cidrs)} "
            "and have no authentication by default."
        )
    if not snapshot_on_destroy(droplet, stack, size) and (stack.is_production or is_expensive(droplet.gpu_size, size)):
        out.append(
            f"{droplet.name}: no snapshot will be taken on destroy (createSnapshotOnDestroy: "
            f"{droplet.create_snapshot_on_destroy}) although it is a production or expensive droplet."
        )
    return out


def plan_droplet(
    args: GpuDropletArgs,
    *,
    resource_name: str,
    project: str,
    stack: str,
    catalog: SizeCatalog | None,
    lookup: Lookup,
    where: str = "",
) -> DropletPlan:
    """Validate ``args`` and resolve the size and ``restore_from``; a bad value is a one-line
    :class:`~gpuforge.errors.ConfigError` naming the key (prefixed by ``where``, e.g. ``droplets[1].``)."""
    raw: dict[str, Any] = {}
    for argument in ARGUMENTS:
        value = getattr(args, argument)
        if argument in ("localai_api_key", "environment", "record_store") or not _known(value):
            continue
        if argument == "vpc_uuid" and value is None:
            continue
        # Lists as the config layer reads them (any sequence of strings is accepted here).
        is_list = isinstance(value, Sequence) and not isinstance(value, str)
        raw[config_key(argument)] = list(value) if is_list else value
    raw["snapshotTimeout"] = _seconds_as_duration(args.snapshot_timeout)
    raw["snapshotRetention"] = _retention_raw(args.snapshot_retention)
    droplet = parse_droplet(raw, where=where, default_name=resource_name)

    api_key: pulumi.Output[str] | None = None
    if isinstance(args.localai_api_key, pulumi.Output):
        api_key = args.localai_api_key
    elif args.localai_api_key is not None:
        plain = KEYS["localaiApiKey"].parse("localaiApiKey", args.localai_api_key)
        api_key = pulumi.Output.secret(plain) if plain else None
    environment = KEYS["environment"].parse("environment", args.environment) or infer_environment(stack)
    stack_config = StackConfig(
        project=project,
        stack=stack,
        environment=environment,
        droplets=(droplet,),
        localai_api_key_set=api_key is not None,
        record_store=KEYS["recordStore"].parse("recordStore", args.record_store),
    )
    size = check_size(droplet, catalog, where=where)
    restore = resolve(droplet, lookup, where=where)
    warnings = [restore.warning] if restore.warning else []
    warnings += _warnings(droplet, stack_config, size, _known(args.ssh_keys))
    return DropletPlan(
        droplet=droplet,
        stack=stack_config,
        size=size,
        restore=restore,
        localai_api_key=api_key,
        ssh_keys=None if _known(args.ssh_keys) else args.ssh_keys,
        tags=None if _known(args.tags) else args.tags,
        vpc_uuid=None if _known(args.vpc_uuid) else args.vpc_uuid,
        warnings=tuple(warnings),
    )
