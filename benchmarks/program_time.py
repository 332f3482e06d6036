"""Program time: the whole process that runs the Pulumi program under mocks (a fresh interpreter
running ``gpuforge.program.run`` for the dev or prod stack through ``tests/program/harness.py``),
beside a bare ``import pulumi_digitalocean`` and an empty interpreter. Rounds interleave the
commands so that they share the machine's load; the median of the rounds is reported.
"""

from __future__ import annotations

import subprocess
import time

from benchmarks.common import PYTHON, ROOT, Result, Target, main, median

ROUNDS = 7
COMMANDS = {
    "python -c pass": "pass",
    "import pulumi_digitalocean": "import pulumi_digitalocean",
    "program under mocks, dev": "from tests.program.harness import execute_program; execute_program('dev')",
    "program under mocks, prod": "from tests.program.harness import execute_program; execute_program('prod')",
}
BARE = "import pulumi_digitalocean"


def timed(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def run() -> list[Result]:
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(ROUNDS):
        for name, code in COMMANDS.items():
            samples[name].append(timed(code))
    bare = median(samples[BARE])
    result = Result(
        "Program time: whole process under mocks vs a bare provider import",
        ["process", "runs", "median s", "min s", "x bare import"],
    )
    for name, values in samples.items():
        result.rows.append([name, len(values), median(values), min(values), median(values) / bare])
    for stack in ("dev", "prod"):
        ratio = median(samples[f"program under mocks, {stack}"]) / bare
        result.targets.append(
            Target(
                f"program under mocks ({stack}) within 1.5x of the bare provider import", f"{ratio:.2f}x", ratio <= 1.5
            )
        )
    result.notes.append(f"{ROUNDS} interleaved rounds; wall time of each process from spawn to exit")
    return [result]


if __name__ == "__main__":
    main(run, __doc__)
