"""Drive the SDK's dynamic provider host (``python -m pulumi.dynamic``) over gRPC, as the engine does.

The host takes no arguments, prints its port on stdout, reads the provider from the ``__provider``
input of every call, and is started by the engine in the program's directory.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from collections.abc import Mapping

import grpc
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from gpuforge.guard import TYPE_TOKEN

URN = f"urn:pulumi:dev::gpuforge::{TYPE_TOKEN}::gpu-dev-guard"


def to_struct(props: Mapping[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def from_struct(struct: Any) -> dict[str, Any]:
    return rpc.deserialize_properties(struct)


class DynamicHost:
    """One ``python -m pulumi.dynamic`` process; ``stderr`` is what the user would see."""

    def __init__(self, cwd: Path, env: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGITALOCEAN_")}
        environment.update(env or {})
        self.stderr_path = cwd / f".host-stderr-{id(self)}.log"
        self._stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().decode().strip())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    @property
    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def configure(self, config: Mapping[str, str]) -> None:
        self.stub.Configure(
            provider_pb2.ConfigureRequest(
                args=to_struct(config), acceptSecrets=True, acceptResources=True, type=TYPE_TOKEN
            )
        )

    def check(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = self.stub.Check(
            provider_pb2.CheckRequest(urn=URN, olds=to_struct(olds or {}), news=to_struct(news), type=TYPE_TOKEN)
        )
        assert not response.failures, response.failures
        return from_struct(response.inputs)

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=to_struct(inputs), type=TYPE_TOKEN))
        return response.id, from_struct(response.properties)

    def diff(self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=resource_id, urn=URN, olds=to_struct(olds), news=to_struct(news), type=TYPE_TOKEN
            )
        )

    def update(self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        response = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=resource_id, urn=URN, olds=to_struct(olds), news=to_struct(news), type=TYPE_TOKEN
            )
        )
        return from_struct(response.properties)

    def delete_future(self, resource_id: str, outputs: Mapping[str, Any]) -> Any:
        return self.stub.Delete.future(
            provider_pb2.DeleteRequest(id=resource_id, urn=URN, properties=to_struct(outputs), type=TYPE_TOKEN)
        )

    def delete(self, resource_id: str, outputs: Mapping[str, Any], timeout: float = 60) -> None:
        self.delete_future(resource_id, outputs).result(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as when the machine running ``pulumi destroy`` dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._stderr.close()
