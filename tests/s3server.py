"""A real S3 API on 127.0.0.1 (moto in server mode), buckets in it, and a proxy that drops uploads."""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

ACCESS_ID = "GPUFORGETESTKEY"
SECRET_KEY = "spaces-secret-never-in-state-0123456789"
SPACES_CONFIG = {"digitalocean:spacesAccessId": ACCESS_ID, "digitalocean:spacesSecretKey": SECRET_KEY}
SPACES_ENV = {"SPACES_ACCESS_KEY_ID": ACCESS_ID, "SPACES_SECRET_ACCESS_KEY": SECRET_KEY}
_names = itertools.count(1)


@dataclass
class Bucket:
    """A bucket of the moto server; ``spec(endpoint)`` is its ``gpuforge:recordStore`` value."""

    name: str
    endpoint: str
    client: Any
    prefix: str = "team/gpuforge"

    def spec(self, endpoint: str | None = None) -> str:
        return f"s3://{self.name}/{self.prefix}?endpoint={endpoint or self.endpoint}"

    def objects(self) -> dict[str, dict[str, Any]]:
        """Every object under the prefix, key → parsed JSON."""
        listed = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{self.prefix}/").get("Contents") or []
        return {
            o["Key"]: json.loads(self.client.get_object(Bucket=self.name, Key=o["Key"])["Body"].read()) for o in listed
        }

    def deny(self, action: str) -> None:
        """A bucket policy refusing ``action`` (e.g. ``s3:PutObject``) to everyone: S3 answers 403."""
        self.client.put_bucket_policy(
            Bucket=self.name,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": action,
                            "Resource": f"arn:aws:s3:::{self.name}/*",
                        }
                    ],
                }
            ),
        )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import (
        ThreadedMotoServer,  # imported by the tests that need it only
    )

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_endpoint: str) -> Bucket:
    """A new, empty bucket (one per test)."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_ID,
        aws_secret_access_key=SECRET_KEY,
    )
    name = f"gpuforge-test-{next(_names)}"
    client.create_bucket(Bucket=name)
    return Bucket(name, moto_endpoint, client)


class DroppingProxy:
    """A TCP proxy on 127.0.0.1 that, while ``drop_puts`` is set, forwards half of each PUT request
    it sees and then closes both connections: an upload dropped mid-way. ``dropped`` counts them.

    HTTP/1.1 clients send a request only after the previous answer, so a request starts a chunk."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.drop_puts = False
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._client_to_server, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    def _client_to_server(self, client: socket.socket, server: socket.socket) -> None:
        while chunk := self._recv(client):
            if self.drop_puts and chunk.startswith(b"PUT "):
                self.dropped += 1
                server.sendall(chunk[: len(chunk) // 2])
                break
            server.sendall(chunk)
        for sock in (client, server):
            _close(sock)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        while chunk := self._recv(source):
            try:
                sink.sendall(chunk)
            except OSError:
                break
        for sock in (source, sink):
            _close(sock)

    @staticmethod
    def _recv(sock: socket.socket) -> bytes:
        try:
            return sock.recv(65536)
        except OSError:
            return b""


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture
def dropping_proxy(moto_endpoint: str) -> Iterator[DroppingProxy]:
    proxy = DroppingProxy(moto_endpoint)
    yield proxy
    proxy.close()
