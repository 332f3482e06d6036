"""State size: the guard's serialized provider (the ``__provider`` blob, dill, base64) and its
state entry, from the inputs the real program registers for the dev and prod stacks and the
outputs the dynamic provider host's Create returns for them; the same for each of the guard's two
early steps (the fleet destroy's ``SnapshotStart`` resources).
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

from benchmarks.common import Result, Target, dynamic_host, main, real_guard_inputs, scratch, simulator

STACKS = {"dev": "gpu-dev", "prod": "llm-training"}
DROPLET_ID = "412345678"


def size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def run() -> list[Result]:
    result = Result(
        "State size: the guard's provider blob and state entry",
        ["stack", "resource", "blob bytes", "outputs JSON bytes", "inputs + outputs JSON bytes"],
    )
    with simulator(rate_limiting=False) as sim, scratch() as cwd, dynamic_host(sim, cwd) as host:
        for stack, name in STACKS.items():
            for resource, inputs in [("guard", real_guard_inputs(stack, DROPLET_ID, name)), *early_steps(stack, name)]:
                resource_id, outputs = host.create(host.check(inputs))
                blob = len(outputs["__provider"].encode())
                result.rows.append(
                    [
                        stack,
                        resource,
                        blob,
                        size({"id": resource_id, "outputs": outputs}),
                        size({"id": resource_id, "inputs": inputs, "outputs": outputs}),
                    ]
                )
                result.targets.append(
                    Target(f"provider blob under 1 KB ({stack}, {resource})", f"{blob} bytes", blob < 1024)
                )
    result.notes.append(
        "outputs JSON: the id and the outputs Create returned (blob included), compact JSON; "
        "Pulumi's state keeps inputs and outputs, hence the last column"
    )
    return [result]


def early_steps(stack: str, name: str) -> list[tuple[str, dict[str, object]]]:
    """The inputs the real program registers for the guard's two early steps."""
    from gpuforge.guard import START_TYPE_TOKEN
    from tests.program.harness import Recorder, execute_program

    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        run = execute_program(stack, {"name": name}, mocks=Recorder(droplet_id=DROPLET_ID))
    steps = [r for r in run.mocks.resources if r.typ == START_TYPE_TOKEN]
    return [(f"early step: {r.inputs['stage']}", dict(r.inputs)) for r in steps]


if __name__ == "__main__":
    main(run, __doc__)
