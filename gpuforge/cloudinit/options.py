"""The settings the cloud-init renderer needs, validated when built."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from gpuforge.errors import GpuForgeError

GpuVendor = Literal["nvidia", "amd"]

# Ollama names (llama3.2:3b, hf.co/user/repo:Q4_K_M) and LocalAI gallery ids (phi-2, localai@phi-2).
# Nothing a shell would read specially: no spaces, quotes, ; $ ` \ or newlines.
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")
#: The longest API key accepted.
API_KEY_MAX_LENGTH = 256
# Base64 / hex / URL-safe tokens: safe unquoted in a systemd EnvironmentFile and an HTTP header.
API_KEY = re.compile(rf"[A-Za-z0-9._+/=-]{{16,{API_KEY_MAX_LENGTH}}}")
# DigitalOcean droplet names.
DROPLET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,254}")


class CloudInitError(GpuForgeError, ValueError):
    """A setting the renderer cannot use, or user data too large: one line for the user."""


@dataclass(frozen=True)
class CloudInitOptions:
    """What to install on the droplet. Model lists are tuples (any sequence is accepted and copied).

    ``*_listen_public`` binds the API on 0.0.0.0 instead of 127.0.0.1 (the firewall still limits it
    to the allowed CIDRs). ``localai_api_key`` is a secret: when set, the rendered user data holds
    it and the caller must mark the user data secret.
    """

    droplet_name: str
    gpu_vendor: GpuVendor = "nvidia"
    install_ollama: bool = True
    ollama_models: tuple[str, ...] = ()
    ollama_listen_public: bool = False
    install_localai: bool = False
    localai_models: tuple[str, ...] = ()
    localai_listen_public: bool = False
    localai_api_key: str | None = None
    ollama_port: int = 11434
    localai_port: int = 8080

    def __post_init__(self) -> None:
        _check(DROPLET_NAME, self.droplet_name, "droplet_name", "letters, digits, '.' and '-'")
        if self.gpu_vendor not in ("nvidia", "amd"):
            raise CloudInitError(f"gpu_vendor = {self.gpu_vendor!r} is not valid: 'nvidia' or 'amd'")
        for flag in ("install_ollama", "ollama_listen_public", "install_localai", "localai_listen_public"):
            if not isinstance(getattr(self, flag), bool):
                raise CloudInitError(f"{flag} = {getattr(self, flag)!r} is not valid: true or false")
        for field in ("ollama_models", "localai_models"):
            object.__setattr__(self, field, _models(field, getattr(self, field)))
        for field in ("ollama_port", "localai_port"):
            port = getattr(self, field)
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise CloudInitError(f"{field} = {port!r} is not valid: a port number from 1 to 65535")
        if self.install_ollama and self.install_localai and self.ollama_port == self.localai_port:
            raise CloudInitError(f"ollama_port and localai_port are both {self.ollama_port}: they must differ")
        if self.localai_api_key is not None:
            if not isinstance(self.localai_api_key, str) or not API_KEY.fullmatch(self.localai_api_key):
                # The key itself is never echoed: it is a secret.
                raise CloudInitError(
                    "localai_api_key is not valid: 16 to 256 characters from A-Z a-z 0-9 . _ + / = -"
                    " (for example `openssl rand -hex 32`)"
                )


def _check(pattern: re.Pattern[str], value: object, field: str, allowed: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise CloudInitError(f"{field} = {value!r} is not valid: {allowed}")


def _models(field: str, models: Sequence[str]) -> tuple[str, ...]:
    if isinstance(models, str) or not isinstance(models, Sequence):
        raise CloudInitError(f"{field} = {models!r} is not valid: a list of model names")
    for name in models:
        _check(
            MODEL_NAME,
            name,
            f"{field} entry",
            "up to 200 characters from A-Z a-z 0-9 . _ : / @ + -, starting with a letter or digit",
        )
    return tuple(models)
