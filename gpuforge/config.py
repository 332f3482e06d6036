"""Stack config → typed, validated values.

Pure: no Pulumi resources and no I/O. The program hands in the raw ``gpuforge:`` values (as the
engine delivers them: strings, with lists and objects as JSON text — or native values from YAML in
tests) and gets back a :class:`StackConfig` or a :class:`~gpuforge.errors.ConfigError` whose one line
names the key, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gpuforge.cloudinit.options import API_KEY, MODEL_NAME
from gpuforge.durations import parse_duration
from gpuforge.errors import ConfigError, GpuForgeError
from gpuforge.timemachine.retention import RetentionPolicy
from gpuforge.timemachine.stores.spec import parse_s3_url, redact

#: Ports the model APIs listen on (Ollama's default, LocalAI's default).
OLLAMA_PORT = 11434
LOCALAI_PORT = 8080

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,61}[A-Za-z0-9])?")
_REGION = re.compile(r"[a-z]{3}[0-9]")
_GPU_SIZE = re.compile(r"gpu-[a-z0-9-]+")
_IMAGE = re.compile(r"[a-z0-9][a-z0-9.-]*|[0-9]+")
_SSH_KEY = re.compile(r"[0-9]+|(?:[0-9a-f]{2}:){15}[0-9a-f]{2}|SHA256:[A-Za-z0-9+/=]{43}")
_TAG = re.compile(r"[A-Za-z0-9_:-]{1,255}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_ENVIRONMENT = re.compile(r"[a-z0-9-]{0,63}")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_BACKUP_HOURS = (0, 4, 8, 12, 16, 20)

#: Stacks whose name says production when ``environment`` is not set.
PRODUCTION_STACK_NAMES = frozenset({"prod", "production", "prd", "live"})

MIN_SNAPSHOT_TIMEOUT_S = 60
MAX_SNAPSHOT_TIMEOUT_S = 24 * 3600


@dataclass(frozen=True)
class DropletConfig:
    """Everything one GPU droplet needs, after defaults and overrides."""

    name: str
    region: str
    gpu_size: str
    image: str
    ssh_keys: tuple[str, ...]
    tags: tuple[str, ...]
    vpc_uuid: str
    monitoring: bool
    backups: bool
    backup_plan: str
    backup_weekday: str
    backup_hour: int
    install_ollama: bool
    ollama_models: tuple[str, ...]
    install_localai: bool
    localai_models: tuple[str, ...]
    allowed_ssh_cidrs: tuple[str, ...]
    allowed_api_cidrs: tuple[str, ...]
    create_snapshot_on_destroy: str  # "true" | "false" | "auto"
    snapshot_name: str
    snapshot_timeout_seconds: int
    snapshot_power_off: bool
    snapshot_directory: str
    on_snapshot_failure: str  # "abort" | "continue"
    snapshot_retention: RetentionPolicy
    restore_from: str


@dataclass(frozen=True)
class StackConfig:
    """The whole stack: which project and stack, whether it is production, and its droplets."""

    project: str
    stack: str
    environment: str
    droplets: tuple[DropletConfig, ...]
    localai_api_key_set: bool
    record_store: str = ""  # "" → each droplet's snapshotDirectory; else an s3:// URL

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


# --- value parsers: each takes (key, raw) and returns the typed value or raises ConfigError -----


def _text(key: str, raw: Any) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise ConfigError(key, raw, "a string")


def _boolean(key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ConfigError(key, raw, "true or false")


def _integer(key: str, raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"-?[0-9]{1,9}", raw.strip()):
        return int(raw.strip())
    raise ConfigError(key, raw, "a whole number")


def _json_if_text(key: str, raw: Any, expected: type, allowed: str) -> Any:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else expected()
        except json.JSONDecodeError:
            raise ConfigError(key, raw, allowed) from None
    if not isinstance(raw, expected):
        raise ConfigError(key, raw, allowed)
    return raw


def _string_list(key: str, raw: Any) -> tuple[str, ...]:
    items = _json_if_text(key, raw, list, "a list of strings")
    if not all(isinstance(item, str) for item in items):
        raise ConfigError(key, raw, "a list of strings")
    return tuple(item.strip() for item in items)


def _matching(pattern: re.Pattern[str], allowed: str, *, empty_ok: bool = False) -> Callable[[str, Any], str]:
    def parse(key: str, raw: Any) -> str:
        value = _text(key, raw)
        if (empty_ok and value == "") or pattern.fullmatch(value):
            return value
        raise ConfigError(key, raw, allowed)

    return parse


def _each_matching(pattern: re.Pattern[str], allowed: str) -> Callable[[str, Any], tuple[str, ...]]:
    def parse(key: str, raw: Any) -> tuple[str, ...]:
        values = _string_list(key, raw)
        for value in values:
            if not pattern.fullmatch(value):
                raise ConfigError(key, value, allowed)
        if len(set(values)) != len(values):
            raise ConfigError(key, list(values), "a list without duplicates")
        return values

    return parse


def _one_of(*choices: str) -> Callable[[str, Any], str]:
    def parse(key: str, raw: Any) -> str:
        value = _text(key, raw).lower() if not isinstance(raw, bool) else str(raw).lower()
        if value in choices:
            return value
        raise ConfigError(key, raw, "one of " + ", ".join(choices))

    return parse


def _cidrs(key: str, raw: Any) -> tuple[str, ...]:
    networks = []
    for value in _string_list(key, raw):
        try:
            networks.append(str(ipaddress.ip_network(value, strict=True)))
        except ValueError:
            raise ConfigError(
                key, value, "IPv4 or IPv6 networks in CIDR notation without host bits, such as 203.0.113.0/24"
            ) from None
    return tuple(networks)


def _snapshot_timeout(key: str, raw: Any) -> int:
    text = _text(key, raw)
    allowed = "a duration from 1m to 24h, such as 30m, 90m or 2h"
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise ConfigError(key, raw, allowed) from None
    if not MIN_SNAPSHOT_TIMEOUT_S <= seconds <= MAX_SNAPSHOT_TIMEOUT_S:
        raise ConfigError(key, raw, allowed)
    return seconds


def _directory(key: str, raw: Any) -> str:
    value = _text(key, raw)
    if not value or "\x00" in value:
        raise ConfigError(key, raw, "a directory path, such as snapshots")
    return value


def _backup_hour(key: str, raw: Any) -> int:
    hour = _integer(key, raw)
    if hour not in _BACKUP_HOURS:
        raise ConfigError(key, raw, "one of " + ", ".join(map(str, _BACKUP_HOURS)))
    return hour


def _retention(key: str, raw: Any) -> RetentionPolicy:
    allowed = "an object with keepLast (a whole number from 1) and/or maxAge (a duration such as 30d)"
    if raw is None or raw == "":
        return RetentionPolicy()
    value = _json_if_text(key, raw, dict, allowed)
    unknown = set(value) - {"keepLast", "maxAge"}
    if unknown:
        raise ConfigError(key, raw, allowed)
    keep_last = None
    if value.get("keepLast") is not None:
        keep_last = _integer(f"{key}.keepLast", value["keepLast"])
        if keep_last < 1:
            raise ConfigError(f"{key}.keepLast", value["keepLast"], "a whole number from 1")
    max_age = None
    if value.get("maxAge") is not None:
        try:
            max_age = parse_duration(_text(f"{key}.maxAge", value["maxAge"]))
        except ValueError:
            raise ConfigError(f"{key}.maxAge", value["maxAge"], "a duration such as 30d, 12h or 2w") from None
        if max_age < 3600:
            raise ConfigError(f"{key}.maxAge", value["maxAge"], "a duration of at least 1h, such as 30d")
    return RetentionPolicy(keep_last=keep_last, max_age_seconds=max_age)


def _secret_api_key(key: str, raw: Any) -> str:
    value = raw.strip() if isinstance(raw, str) else None
    if value is None or (value and not API_KEY.fullmatch(value)):
        # Never echo a secret: the message shows a placeholder instead of the value.
        raise ConfigError(key, "[secret]", "16 to 256 characters of letters, digits and . _ + / = -")
    return value


def _record_store(key: str, raw: Any) -> str:
    value = _text(key, raw)
    if value:
        try:
            parse_s3_url(value)
        except ValueError as err:
            raise ConfigError(key, redact(value), f"empty (the local snapshotDirectory) or {err}") from None
    return value


def _restore_from(key: str, raw: Any) -> str:
    value = _text(key, raw)
    if value in ("", "latest") or value.isdigit() or _SNAPSHOT_NAME.fullmatch(value):
        return value
    raise ConfigError(key, raw, "empty, latest, a snapshot name or a snapshot id")


@dataclass(frozen=True)
class KeySpec:
    """One ``gpuforge:`` key: its Pulumi.yaml type, its default and how it is parsed."""

    key: str
    pulumi_type: str  # string | integer | boolean | array | object (object: not declarable in Pulumi.yaml)
    default: Any
    parse: Callable[[str, Any], Any]
    per_droplet: bool = True
    secret: bool = False


_DROPLET_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "name",
        "string",
        "",
        _matching(_NAME, "a droplet name: letters, digits, dots and dashes, at most 63 characters", empty_ok=True),
    ),
    KeySpec("region", "string", "nyc2", _matching(_REGION, "a region slug such as nyc2, tor1 or atl1")),
    KeySpec("gpuSize", "string", "gpu-h100x1-80gb", _matching(_GPU_SIZE, "a GPU size slug such as gpu-h100x1-80gb")),
    KeySpec(
        "image",
        "string",
        "",
        _matching(_IMAGE, "empty (the GPU base image), an image slug or an image id", empty_ok=True),
    ),
    KeySpec("sshKeys", "array", [], _each_matching(_SSH_KEY, "SSH key ids or fingerprints (aa:bb:…:ff)")),
    KeySpec("tags", "array", [], _each_matching(_TAG, "tags of letters, digits, '_', ':' and '-'")),
    KeySpec("vpcUuid", "string", "", _matching(_UUID, "empty or a VPC UUID", empty_ok=True)),
    KeySpec("monitoring", "boolean", True, _boolean),
    KeySpec("backups", "boolean", False, _boolean),
    KeySpec("backupPlan", "string", "weekly", _one_of("weekly", "daily")),
    KeySpec("backupWeekday", "string", "SUN", lambda k, raw: _one_of(*(d.lower() for d in _WEEKDAYS))(k, raw).upper()),
    KeySpec("backupHour", "integer", 0, _backup_hour),
    KeySpec("installOllama", "boolean", True, _boolean),
    KeySpec("ollamaModels", "array", [], _each_matching(MODEL_NAME, "model names such as llama3.2:3b")),
    KeySpec("installLocalai", "boolean", False, _boolean),
    KeySpec("localaiModels", "array", [], _each_matching(MODEL_NAME, "model names such as phi-2")),
    KeySpec("allowedSshCidrs", "array", ["0.0.0.0/0", "::/0"], _cidrs),
    KeySpec("allowedApiCidrs", "array", [], _cidrs),
    KeySpec("createSnapshotOnDestroy", "string", "true", _one_of("true", "false", "auto")),
    KeySpec(
        "snapshotName",
        "string",
        "",
        _matching(
            _SNAPSHOT_NAME, "empty (name-snapshot-YYYYMMDD-HHMMSS) or letters, digits, '.', '_' and '-'", empty_ok=True
        ),
    ),
    KeySpec("snapshotTimeout", "string", "30m", _snapshot_timeout),
    KeySpec("snapshotPowerOff", "boolean", True, _boolean),
    KeySpec("snapshotDirectory", "string", "snapshots", _directory),
    KeySpec("onSnapshotFailure", "string", "abort", _one_of("abort", "continue")),
    KeySpec("snapshotRetention", "object", None, _retention),
    KeySpec("restoreFrom", "string", "", _restore_from),
)

_STACK_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "environment",
        "string",
        "",
        _matching(_ENVIRONMENT, "empty or a lowercase name such as production or staging", empty_ok=True),
        per_droplet=False,
    ),
    KeySpec("localaiApiKey", "string", "", _secret_api_key, per_droplet=False, secret=True),
    KeySpec("recordStore", "string", "", _record_store, per_droplet=False),
    KeySpec("droplets", "object", None, lambda k, raw: raw, per_droplet=False),
)

#: Every ``gpuforge:`` key the program reads, in documentation order.
KEYS: dict[str, KeySpec] = {spec.key: spec for spec in (*_DROPLET_KEYS, *_STACK_KEYS)}

_CAMEL_HUMP = re.compile(r"(?<!^)(?=[A-Z])")
#: Where a key's field name is not simply its snake_case spelling.
_FIELD_EXCEPTIONS = {"snapshotTimeout": "snapshot_timeout_seconds"}


def _field_of(key: str) -> str:
    """The ``DropletConfig`` field of a droplet key: ``gpuSize`` → ``gpu_size``."""
    return _FIELD_EXCEPTIONS.get(key) or _CAMEL_HUMP.sub("_", key).lower()


def _did_you_mean(key: str, known: list[str]) -> str:
    lowered = {k.lower(): k for k in known}
    match = lowered.get(key.lower().replace("_", "").replace("-", ""))
    return f" (did you mean {match}?)" if match else ""


def _check_known(keys: list[str], known: list[str], where: str) -> None:
    for key in keys:
        if key not in known:
            shown = key if re.fullmatch(r"[A-Za-z0-9_.-]+", key) else repr(key)
            place = f"gpuforge:{shown}" if where == "gpuforge" else f"gpuforge:{where}.{shown}"
            raise GpuForgeError(
                f"{place} is not a known key{_did_you_mean(key, known)}",
                hint="the keys are listed in Pulumi.yaml and in README.md under 'Configuration reference'",
            )


#: The keys that describe one droplet (and may be overridden per entry of ``droplets``), in order.
DROPLET_KEYS: tuple[str, ...] = tuple(spec.key for spec in _DROPLET_KEYS)


def parse_droplet(values: Mapping[str, Any], *, where: str = "", default_name: str) -> DropletConfig:
    """One droplet from its ``gpuforge:`` keys (without the namespace; missing keys take their
    defaults). ``where`` prefixes the key in errors (``droplets[1].``); an empty ``name`` is
    ``default_name``."""
    parsed: dict[str, Any] = {}
    for spec in _DROPLET_KEYS:
        raw = values.get(spec.key, spec.default)
        parsed[_field_of(spec.key)] = spec.parse(f"{where}{spec.key}", raw)
    if not parsed["name"]:
        parsed["name"] = default_name
    if parsed["backups"] is False:
        parsed.update(backup_plan="weekly", backup_weekday="SUN", backup_hour=0)
    return DropletConfig(**parsed)


def _droplet(values: Mapping[str, Any], *, where: str, stack: str) -> DropletConfig:
    return parse_droplet(values, where=where, default_name=f"gpuforge-{stack}"[:63].rstrip("-."))


def infer_environment(stack: str) -> str:
    """``production`` for stacks named prod, production, prd, live or prod-*; otherwise the stack's name."""
    base = stack.split("/")[-1].lower()
    return "production" if base in PRODUCTION_STACK_NAMES or base.startswith("prod-") else base


def load_stack_config(raw: Mapping[str, Any], *, project: str, stack: str) -> StackConfig:
    """Validate the ``gpuforge:`` keys (without the namespace) and return the typed stack config.

    ``droplets``, when set, is a list of objects each overriding the flat keys for one droplet; every
    entry needs its own ``name``. Without it, the flat keys describe one droplet.
    """
    known = list(KEYS)
    _check_known(sorted(raw), known, "gpuforge")
    environment = KEYS["environment"].parse("environment", raw.get("environment", "")) or infer_environment(stack)
    flat = {key: value for key, value in raw.items() if key in KEYS and KEYS[key].per_droplet}

    droplets_raw = raw.get("droplets")
    droplets: tuple[DropletConfig, ...]
    if droplets_raw in (None, "", "[]", []):
        droplets = (_droplet(flat, where="", stack=stack),)
    else:
        entries = _json_if_text("droplets", droplets_raw, list, "a list of objects, each with at least a name")
        if not entries:
            raise ConfigError("droplets", droplets_raw, "a non-empty list of objects, each with at least a name")
        droplet_keys = list(DROPLET_KEYS)
        built = []
        for index, entry in enumerate(entries):
            where = f"droplets[{index}]"
            if not isinstance(entry, dict):
                raise ConfigError(where, entry, "an object with at least a name")
            _check_known(sorted(entry), droplet_keys, where)
            if not entry.get("name"):
                raise ConfigError(
                    f"{where}.name", entry.get("name", ""), "a droplet name (each entry of droplets needs one)"
                )
            built.append(_droplet({**flat, **entry}, where=f"{where}.", stack=stack))
        droplets = tuple(built)

    names = [d.name for d in droplets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError("droplets", duplicates, "unique droplet names")
    api_key = KEYS["localaiApiKey"].parse("localaiApiKey", raw.get("localaiApiKey", ""))
    return StackConfig(
        project=project,
        stack=stack,
        environment=environment,
        droplets=droplets,
        localai_api_key_set=bool(api_key),
        record_store=KEYS["recordStore"].parse("recordStore", raw.get("recordStore", "")),
    )
