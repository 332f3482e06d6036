"""Records in an S3-compatible bucket (DigitalOcean Spaces), through boto3.

Each record is one object, ``<prefix><snapshot-name>-<snapshot-id>.json``, written by a single PUT
of the whole JSON (a reader sees it whole or not at all) with ``If-None-Match: *`` (create only).
The snapshot id in the key means two records never share a key, even on a server that ignores the
condition; the condition makes a repeated write of the same record a :class:`RecordExists`, so
retrying a PUT whose answer was lost is safe (botocore retries it, with ``attempts`` in all).
"""

from __future__ import annotations

import builtins
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from gpuforge.credentials import SPACES_ID_CONFIG, SPACES_SECRET_CONFIG, SpacesKeys
from gpuforge.timemachine.records import SnapshotRecord
from gpuforge.timemachine.stores.base import (
    RecordExists,
    RecordStoreError,
    StoredRecord,
)
from gpuforge.timemachine.stores.spec import S3Location

READERS = 16
_HINTS = {
    "AccessDenied": "check the bucket's policy and that the Spaces key may read and write it",
    "InvalidAccessKeyId": f"check the Spaces key ({SPACES_ID_CONFIG} or SPACES_ACCESS_KEY_ID)",
    "SignatureDoesNotMatch": f"check the Spaces secret ({SPACES_SECRET_CONFIG} or SPACES_SECRET_ACCESS_KEY)",
    "NoSuchBucket": "create the bucket, or fix gpuforge:recordStore",
}


class S3Store:
    """Records under ``location``; the client holds the keys in memory only (never in state or repr)."""

    def __init__(self, location: S3Location, keys: SpacesKeys, *, attempts: int = 3, timeout: float = 20.0) -> None:
        self.location = location
        path_style = not location.endpoint.endswith(".digitaloceanspaces.com")
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=location.endpoint,
            region_name=location.region,
            aws_access_key_id=keys.access_id,
            aws_secret_access_key=keys.secret_key,
            config=Config(
                retries={"total_max_attempts": attempts, "mode": "standard"},
                connect_timeout=timeout,
                read_timeout=timeout,
                s3={"addressing_style": "path" if path_style else "virtual"},
                # botocore's default CRC checksums are not understood by every S3-compatible store
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def __repr__(self) -> str:
        return f"S3Store({self.location.url!r}, endpoint={self.location.endpoint!r})"

    @property
    def where(self) -> str:
        return self.location.url

    def write(self, record: SnapshotRecord) -> str:
        key = f"{self.location.prefix}{record.snapshot_name}-{record.snapshot_id}.json"
        try:
            self._client.put_object(
                Bucket=self.location.bucket,
                Key=key,
                Body=record.to_json().encode(),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as err:
            if _code(err) in ("PreconditionFailed", "412"):
                raise RecordExists(self._url(key)) from None
            raise self._failure("write the snapshot record to", err) from None
        except BotoCoreError as err:
            raise self._failure("write the snapshot record to", err) from None
        return self._url(key)

    def find(self, snapshot_id: str) -> str | None:
        suffix = f"-{snapshot_id}.json"
        return next((self._url(k) for k in self._keys() if k.endswith(suffix)), None)

    def list(self) -> list[StoredRecord]:
        keys = self._keys()
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            found = list(pool.map(self._read, keys))
        return [r for r in found if r is not None]

    def _keys(self) -> builtins.list[str]:
        """The ``.json`` keys directly under the prefix (not in deeper "folders")."""
        keys: builtins.list[str] = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=self.location.prefix, Delimiter="/"
            )
            for page in pages:
                keys.extend(o["Key"] for o in page.get("Contents") or () if o["Key"].endswith(".json"))
        except (ClientError, BotoCoreError) as err:
            raise self._failure("list the snapshot records in", err) from None
        return sorted(keys)

    def _read(self, key: str) -> StoredRecord | None:
        try:
            body = self._client.get_object(Bucket=self.location.bucket, Key=key)["Body"].read()
        except ClientError as err:
            if _code(err) in ("NoSuchKey", "404"):  # deleted since the listing
                return None
            raise self._failure(f"read {self._url(key)} from", err) from None
        except BotoCoreError as err:
            raise self._failure(f"read {self._url(key)} from", err) from None
        try:
            data: Any = json.loads(body)
        except ValueError:
            return None
        return StoredRecord(self._url(key), data) if isinstance(data, dict) and data.get("snapshot_id") else None

    def _url(self, key: str) -> str:
        return f"s3://{self.location.bucket}/{key}"

    def _failure(self, what: str, err: Exception) -> RecordStoreError:
        if isinstance(err, ClientError):
            code = _code(err)
            hint = _HINTS.get(code, f"check the bucket and the endpoint {self.location.endpoint}")
        else:
            code = f"connection failed ({type(err).__name__})"
            hint = f"check the network and the endpoint {self.location.endpoint}"
        return RecordStoreError(f"Could not {what} {self.where}: {code}", hint=hint)


def _code(err: ClientError) -> str:
    """The S3 error code; a bare 403 (some servers, bucket policies) is AccessDenied."""
    code = str(
        err.response.get("Error", {}).get("Code") or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    )
    return "AccessDenied" if code in ("403", "Forbidden") else code
