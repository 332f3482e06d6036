"""``gpuforge:recordStore``: empty (the local snapshot directory) or ``s3://bucket/prefix?region=…``.

A bucket is reached through DigitalOcean Spaces in a region (``?region=nyc3`` means
``https://nyc3.digitaloceanspaces.com``) or through any S3-compatible endpoint
(``?endpoint=http://127.0.0.1:9000``). Credentials never go in the URL: they come from the stack
config or the environment (:func:`gpuforge.credentials.resolve_spaces`) when the store is opened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.stores.base import RecordStore
from gpuforge.timemachine.stores.local import LocalStore

SPACES_ENDPOINT = "https://{region}.digitaloceanspaces.com"
EXAMPLE = "s3://my-team-bucket/gpuforge?region=nyc3"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z]{2,}[0-9]|[a-z]{2}-[a-z]+-[0-9]")
_ENDPOINT = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?")


@dataclass(frozen=True)
class S3Location:
    """A bucket, a key prefix (``""`` or ending in ``/``), the endpoint to reach it and the signing region."""

    bucket: str
    prefix: str
    endpoint: str
    region: str

    @property
    def url(self) -> str:
        """``s3://bucket/prefix``, as messages and records name it."""
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


def redact(spec: str) -> str:
    """``spec`` as it may be shown: credentials someone put in the URL replaced by ``***``."""
    return re.sub(r"^(s3://)[^/@?#]*@", r"\1***@", spec.strip())


def parse_s3_url(spec: str) -> S3Location:
    """The location an ``s3://`` URL names; ValueError saying what is allowed when it is not one."""
    parts = urlsplit(spec.strip())
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"an s3:// URL such as {EXAMPLE}")
    if "@" in parts.netloc:
        raise ValueError(
            "an s3:// URL without credentials: set digitalocean:spacesAccessId and "
            "digitalocean:spacesSecretKey (or SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY)"
        )
    if not _BUCKET.fullmatch(parts.netloc):
        raise ValueError("a bucket name of 3 to 63 lowercase letters, digits, dots and dashes")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"region", "endpoint"})
    if unknown or parts.fragment:
        raise ValueError(
            f"an s3:// URL whose only options are ?region= and ?endpoint= (not {', '.join(unknown) or '#'})"
        )
    region = (query.get("region") or [""])[-1]
    endpoint = (query.get("endpoint") or [""])[-1]
    if region and not _REGION.fullmatch(region):
        raise ValueError("a Spaces region such as nyc3, ams3 or sfo3 in ?region=")
    if endpoint and not _ENDPOINT.fullmatch(endpoint):
        raise ValueError("an endpoint such as https://nyc3.digitaloceanspaces.com in ?endpoint=")
    if not (region or endpoint):
        raise ValueError(f"an s3:// URL with the Spaces region (?region=nyc3) or an ?endpoint=, such as {EXAMPLE}")
    prefix = parts.path.strip("/")
    return S3Location(
        bucket=parts.netloc,
        prefix=f"{prefix}/" if prefix else "",
        endpoint=(endpoint or SPACES_ENDPOINT.format(region=region)).rstrip("/"),
        region=region or "us-east-1",
    )


def open_store(
    spec: str, *, directory: str, config: Mapping[str, object] | None, env: Mapping[str, str]
) -> RecordStore:
    """The store ``spec`` names: empty means the local ``directory``; an ``s3://`` URL, a bucket
    reached with the Spaces keys of ``config`` (the stack config) or ``env``."""
    if not spec.strip():
        return LocalStore(directory)
    try:
        location = parse_s3_url(spec)
    except ValueError as err:
        raise GpuForgeError(f"Record store {redact(spec)!r} is not valid: it must be {err}") from None
    from gpuforge.credentials import (
        resolve_spaces,  # pydo and boto3 are imported only for a bucket
    )
    from gpuforge.timemachine.stores.s3 import S3Store

    return S3Store(location, resolve_spaces(config, env))
