"""Render a droplet's cloud-config (user data) from CloudInitOptions. Pure: it only reads the
scripts shipped beside this module, which go into the user data unchanged (the settings travel in
environment files and model lists, never spliced into shell code)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from .options import CloudInitError, CloudInitOptions

USER_DATA_LIMIT_BYTES = 65536
"""DigitalOcean's limit on a droplet's user data."""

SCRIPT_DIR = "/opt/gpuforge"
ETC_DIR = "/etc/gpuforge"
OLLAMA_DROP_IN = "/etc/systemd/system/ollama.service.d/gpuforge.conf"
LOCALAI_DROP_IN = "/etc/systemd/system/local-ai.service.d/gpuforge.conf"


@dataclass(frozen=True)
class _File:
    path: str
    content: str
    permissions: str = "0644"


def render_user_data(opts: CloudInitOptions) -> str:
    """The ``#cloud-config`` document for ``opts``; :class:`CloudInitError` if over USER_DATA_LIMIT_BYTES."""
    doc: dict[str, Any] = {
        "package_update": True,
        # Never upgrade: an upgrade could replace the GPU drivers the base image ships.
        "package_upgrade": False,
        "packages": _packages(opts),
        "write_files": [
            {"path": f.path, "owner": "root:root", "permissions": f.permissions, "content": f.content}
            for f in _files(opts)
        ],
        "runcmd": [[f"{SCRIPT_DIR}/setup.sh", *_steps(opts)]],
    }
    text = "#cloud-config\n" + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=1000)
    size = len(text.encode())
    if size > USER_DATA_LIMIT_BYTES:
        raise CloudInitError(
            f"cloud-init user data for droplet {opts.droplet_name!r} is {size} bytes, over"
            f" DigitalOcean's limit of {USER_DATA_LIMIT_BYTES} bytes: list fewer or shorter models"
        )
    return text


def shell_scripts(opts: CloudInitOptions) -> dict[str, str]:
    """The shell scripts that ``render_user_data(opts)`` writes, by path on the droplet."""
    return {f.path: f.content for f in _files(opts) if f.path.endswith(".sh")}


def _steps(opts: CloudInitOptions) -> list[str]:
    steps = ["gpu-check"]
    if opts.install_ollama:
        steps += ["install-ollama", "pull-ollama-models"]
    if opts.install_localai:
        steps += ["install-localai", "install-localai-models"]
    return steps


def _packages(opts: CloudInitOptions) -> list[str]:
    packages = ["curl"]
    if opts.install_ollama:
        packages.append("zstd")  # the Ollama installer unpacks .tar.zst releases
    if opts.install_localai:
        packages.append("jq")  # the model installer reads LocalAI's JSON answers
    return packages


def _files(opts: CloudInitOptions) -> list[_File]:
    settings = {
        "GPUFORGE_DROPLET_NAME": opts.droplet_name,
        "GPUFORGE_GPU_VENDOR": opts.gpu_vendor,
        "GPUFORGE_OLLAMA_PORT": str(opts.ollama_port),
        "GPUFORGE_LOCALAI_PORT": str(opts.localai_port),
    }
    out = [_File(f"{ETC_DIR}/gpuforge.env", _env(settings)), _script("lib.sh", "0644")]
    out += [_script(f"{step}.sh") for step in ["setup", *_steps(opts)]]
    if opts.install_ollama:
        host = _bind(opts.ollama_listen_public, opts.ollama_port)
        out += [
            _File(OLLAMA_DROP_IN, f'[Service]\nEnvironment="OLLAMA_HOST={host}"\n'),
            _File(f"{ETC_DIR}/ollama-models.txt", _lines(opts.ollama_models)),
        ]
    if opts.install_localai:
        address = _bind(opts.localai_listen_public, opts.localai_port)
        key = opts.localai_api_key
        out += [
            _File(
                LOCALAI_DROP_IN,
                f"[Service]\nEnvironmentFile={ETC_DIR}/localai.env\nEnvironmentFile={ETC_DIR}/localai-secret.env\n",
            ),
            # LocalAI reads LOCALAI_ADDRESS or ADDRESS (and LOCALAI_API_KEY or API_KEY); the
            # installer's /etc/localai.env sets the short names, so both are set here to win.
            _File(f"{ETC_DIR}/localai.env", _env({"LOCALAI_ADDRESS": address, "ADDRESS": address})),
            # Always written, empty without a key: it replaces a key left by a restored snapshot.
            _File(
                f"{ETC_DIR}/localai-secret.env",
                _env({"LOCALAI_API_KEY": key, "API_KEY": key}) if key else "",
                "0600",
            ),
            _File(f"{ETC_DIR}/localai-models.txt", _lines(opts.localai_models)),
        ]
    return out


def _bind(public: bool, port: int) -> str:
    return f"{'0.0.0.0' if public else '127.0.0.1'}:{port}"


def _env(values: dict[str, str]) -> str:
    return "".join(f"{name}={value}\n" for name, value in values.items())


def _lines(items: tuple[str, ...]) -> str:
    return "".join(f"{item}\n" for item in items)


def _script(name: str, permissions: str = "0755") -> _File:
    return _File(f"{SCRIPT_DIR}/{name}", _read_script(name), permissions)


@cache
def _read_script(name: str) -> str:
    return (files("gpuforge.cloudinit") / "scripts" / name).read_text(encoding="utf-8")


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (scripts, config files) as literal blocks, readable as they are."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
