"""Where snapshot records live: the local snapshot directory, or an S3-compatible bucket (DigitalOcean Spaces).

:func:`open_store` picks one from ``gpuforge:recordStore``; the S3 store (and boto3) is imported only
when a bucket is configured.
"""

from gpuforge.timemachine.stores.base import (
    RecordExists,
    RecordStore,
    RecordStoreError,
    StoredRecord,
)
from gpuforge.timemachine.stores.local import LocalStore
from gpuforge.timemachine.stores.spec import S3Location, open_store, parse_s3_url

__all__ = [
    "LocalStore",
    "RecordExists",
    "RecordStore",
    "RecordStoreError",
    "S3Location",
    "StoredRecord",
    "open_store",
    "parse_s3_url",
]
