"""``gpuforge doctor``: the Terraform module's "Debug Commands" as one command.

Checks the token, that the API answers and accepts it, that snapshots can be read, the ``pulumi``
CLI's version, the stack's GPU sizes in their regions and the snapshot directories. Each check is
one line (✓ passed, ✗ failed with what to do, – not checked); any failure makes the exit code 1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from gpuforge.cli.options import Json, RecordStoreUrl, runtime
from gpuforge.cli.output import out, print_json
from gpuforge.config import StackConfig, load_stack_config
from gpuforge.credentials import TOKEN_ENV
from gpuforge.do_client import (
    DEFAULT_ENDPOINT,
    ApiError,
    AuthError,
    BadEndpoint,
    DoApi,
    TransientError,
    Unreachable,
)
from gpuforge.errors import GpuForgeError
from gpuforge.scopes import README_SECTION, names, scopes_for
from gpuforge.sizes import SizeCatalog, check_size
from gpuforge.timemachine.stores import RecordStore

MIN_PULUMI = (3, 146, 0)
PULUMI_INSTALL = "https://www.pulumi.com/docs/iac/download-install/"
MARKS = {True: "✓", False: "✗", None: "–"}
DOCTOR_TOKEN_FIX = (
    "use a DigitalOcean API token with read and write access, or one with the scopes in README.md's "
    f'"{README_SECTION}": `export DIGITALOCEAN_TOKEN=...`'
)
ENDPOINT_FIX = f"fix DIGITALOCEAN_API_URL, or unset it to use {DEFAULT_ENDPOINT}"


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``ok`` is None when it could not be run (an earlier check failed)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""

    def line(self) -> str:
        return f"{MARKS[self.ok]} {self.name}: {self.detail}" + (f" — {self.fix}" if self.fix else "")


# -- pure --------------------------------------------------------------------------------------


def parse_pulumi_version(text: str) -> tuple[int, int, int] | None:
    """``v3.150.0`` (what ``pulumi version`` prints) → (3, 150, 0); None when there is no version."""
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def pulumi_check(path: str | None, version_output: str) -> Check:
    """Whether the ``pulumi`` at ``path`` (None: not on PATH) printed a recent enough version."""
    wanted = ".".join(map(str, MIN_PULUMI[:2]))
    if path is None:
        return Check("Pulumi CLI", False, "not found on PATH", f"install Pulumi {wanted} or later: {PULUMI_INSTALL}")
    version = parse_pulumi_version(version_output)
    if version is None:
        return Check(
            "Pulumi CLI",
            False,
            f"`{path} version` printed no version ({version_output.strip()[:80]!r})",
            f"reinstall Pulumi {wanted} or later: {PULUMI_INSTALL}",
        )
    shown = "v" + ".".join(map(str, version))
    if version < MIN_PULUMI:
        return Check(
            "Pulumi CLI",
            False,
            f"{shown} at {path} is older than {wanted}",
            f"upgrade (`pulumi self-update` or {PULUMI_INSTALL}): older CLIs hide the snapshot progress",
        )
    return Check("Pulumi CLI", True, f"{shown} at {path}")


def stack_values(project: Mapping[str, Any], stack: Mapping[str, Any], namespace: str = "gpuforge") -> dict[str, Any]:
    """The ``gpuforge:`` values as the engine would merge them: Pulumi.yaml defaults, then the stack's
    values, without the namespace. Secrets (``{secure: …}``) are left out: doctor needs none."""
    prefix = f"{namespace}:"
    defaults = {
        k: d["default"] for k, d in (project.get("config") or {}).items() if isinstance(d, dict) and "default" in d
    }
    merged = {**defaults, **(stack.get("config") or {})}
    return {
        k[len(prefix) :]: v
        for k, v in merged.items()
        if k.startswith(prefix) and not (isinstance(v, dict) and "secure" in v)
    }


def size_checks(config: StackConfig, catalog: SizeCatalog) -> list[Check]:
    """Whether each droplet's GPU size is offered in its region."""
    checks = []
    for droplet in config.droplets:
        name = f"GPU size of {droplet.name}"
        try:
            info = check_size(droplet, catalog)
        except GpuForgeError as error:
            checks.append(Check(name, False, str(error), "pick a size offered in the region, or another region"))
            continue
        price = f" (${info.price_hourly:g}/hour)" if info and info.price_hourly else ""
        checks.append(Check(name, True, f"{droplet.gpu_size} is offered in {droplet.region}{price}"))
    return checks


# -- the checks that look outside ------------------------------------------------------------------


def api_checks(api: DoApi) -> Iterator[Check]:
    """Reachability, the token, and reading snapshots (the account first: one request each)."""
    try:
        account = api.account()
    except AuthError as error:
        yield Check("DigitalOcean API", True, f"{api.endpoint} answered")
        yield Check("Authentication", False, error.message, DOCTOR_TOKEN_FIX)
        return
    except TransientError as error:
        fix = (
            ENDPOINT_FIX
            if isinstance(error, Unreachable)
            else "check the network, a proxy, or DIGITALOCEAN_API_URL"
            if error.status is None
            else "DigitalOcean may be degraded (status.digitalocean.com); try again later"
        )
        yield Check("DigitalOcean API", False, f"{api.endpoint}: {error.message}", fix)
        yield Check("Authentication", None, "not checked (the API did not answer)")
        return
    yield Check("DigitalOcean API", True, f"{api.endpoint} answered")
    yield Check(
        "Authentication", True, f"token accepted for {account.get('email', '?')} (account {account.get('status', '?')})"
    )
    try:
        count = api.snapshot_count()
    except ApiError as error:
        yield Check(
            "Snapshots",
            False,
            error.message,
            f"the token needs snapshot:read (and {names(scopes_for('DELETE snapshot'))} to delete and prune)",
        )
        return
    yield Check("Snapshots", True, f"readable ({count} Droplet snapshot{'s' if count != 1 else ''})")


def pulumi_version() -> Check:
    path = shutil.which("pulumi")
    if path is None:
        return pulumi_check(None, "")
    try:
        done = subprocess.run([path, "version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return pulumi_check(path, str(error))
    return pulumi_check(path, done.stdout + done.stderr)


def read_stack(project_dir: Path, stack: str) -> tuple[StackConfig | None, Check | None]:
    """The stack's typed config, or why it could not be read (a skipped or failed check)."""
    project_file, stack_file = project_dir / "Pulumi.yaml", project_dir / f"Pulumi.{stack}.yaml"
    for needed in (project_file, stack_file):
        if not needed.is_file():
            return None, Check(
                "Stack config",
                None,
                f"no {needed} (GPU size not checked)",
                "run doctor in the project directory, or pass --project-dir and --stack",
            )
    try:
        project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
        values = stack_values(project, yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {})
        config = load_stack_config(values, project=str(project.get("name") or "gpuforge"), stack=stack)
    except (OSError, yaml.YAMLError) as error:
        return None, Check("Stack config", False, f"{stack_file}: {error}".splitlines()[0], f"fix {stack_file.name}")
    except GpuForgeError as error:
        return None, Check("Stack config", False, str(error), f"fix {stack_file.name}")
    return config, Check("Stack config", True, f"{stack_file} ({len(config.droplets)} droplet(s))")


def directory_check(path: Path) -> Check:
    """Whether records can be written in ``path`` (or in the directory that will hold it)."""
    name = f"Snapshot directory {path}"
    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return Check(name, False, f"{existing} is not a directory", "set gpuforge:snapshotDirectory to a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        return Check(
            name,
            False,
            f"{existing} is not writable ({error.strerror})",
            f"make it writable (`chmod u+w {existing}`) or choose another snapshotDirectory",
        )
    return Check(name, True, "writable" if existing == path.absolute() else f"will be created in {existing}")


def store_check(spec: str, open_store: Callable[[str], RecordStore]) -> Check:
    """Whether the shared record store (``recordStore``) can be reached and read."""
    name = f"Record store {spec}"
    try:
        open_store(spec).find("gpuforge-doctor-probe")
    except GpuForgeError as error:
        return Check(name, False, error.message, error.hint or "check the URL and the Spaces keys")
    return Check(name, True, "readable (writing is proven by the first snapshot's record)")


def run_checks(
    api: DoApi | None,
    *,
    project_dir: Path,
    stack: str,
    snapshot_dir: Path | None,
    record_store: str = "",
    open_store: Callable[[str], RecordStore] | None = None,
) -> Iterator[Check]:
    """Every check in order; ``api`` is None when there is no token. The record store checked is
    ``record_store``, else the stack's ``recordStore``."""
    api_ok = False
    if api is not None:
        for check in api_checks(api):
            api_ok = api_ok or (check.name == "Authentication" and check.ok is True)
            yield check
    yield pulumi_version()
    config, stack_check = read_stack(project_dir, stack)
    if stack_check is not None:
        yield stack_check
    if config is not None:
        if not api_ok:
            yield Check("GPU sizes", None, "not checked (the API or the token failed)")
        else:
            try:
                yield from size_checks(config, SizeCatalog.from_api(api.sizes()))  # type: ignore[union-attr]
            except ApiError as error:
                yield Check(
                    "GPU sizes",
                    False,
                    f"could not read the size list: {error.message}",
                    f"the token needs {names(scopes_for('GET sizes'))}",
                )
    directories = (
        [snapshot_dir]
        if snapshot_dir is not None
        else [project_dir / d.snapshot_directory for d in config.droplets]
        if config is not None
        else [project_dir / "snapshots"]
    )
    for directory in dict.fromkeys(directories):
        yield directory_check(directory)
    spec = record_store or (config.record_store if config is not None else "")
    if spec and open_store is not None:
        yield store_check(spec, open_store)


def doctor(
    ctx: typer.Context,
    stack: Annotated[
        str, typer.Option("--stack", metavar="STACK", help="The stack whose Pulumi.<stack>.yaml is checked.")
    ] = "dev",
    project_dir: Annotated[Path, typer.Option("--project-dir", metavar="DIR", help="Where Pulumi.yaml is.")] = Path(
        "."
    ),
    snapshot_dir: Annotated[
        Path | None,
        typer.Option(
            "--snapshot-dir", metavar="DIR", help="Check this directory instead of the stack's snapshotDirectory."
        ),
    ] = None,
    record_store: RecordStoreUrl = "",
    json_: Json = False,
) -> None:
    """Check the token, the API, the Pulumi CLI, the stack's GPU sizes and the snapshot directory."""
    rt = runtime(ctx)
    checks: list[Check] = []
    api: DoApi | None = None
    try:
        rt.credentials()
        env_name = next(name for name in TOKEN_ENV if os.environ.get(name, "").strip())
        checks.append(Check("Token", True, f"found in {env_name}"))
        api = rt.core_api()
    except AuthError as error:
        checks.append(Check("Token", False, error.message, error.hint or ""))
    except BadEndpoint as error:
        checks.append(Check("DigitalOcean API", False, error.message, ENDPOINT_FIX))
    if not json_:
        for check in checks:
            out().print(check.line())
    for check in run_checks(
        api,
        project_dir=project_dir,
        stack=stack,
        snapshot_dir=snapshot_dir,
        record_store=record_store,
        open_store=lambda spec: rt.store(spec, snapshot_dir or project_dir / "snapshots"),
    ):
        checks.append(check)
        if not json_:
            out().print(check.line())
    failed = [c for c in checks if c.ok is False]
    if json_:
        print_json({"ok": not failed, "checks": [asdict(c) for c in checks]})
    else:
        out().print("All checks passed." if not failed else f"{len(failed)} check(s) failed.")
    if failed:
        raise typer.Exit(1)
