"""What the benchmarks share: result tables with PASS/MISS targets, statistics, the simulator,
the guard's inputs as the real program registers them, a dynamic provider host, machine facts."""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/run_all.py` as well as `python -m benchmarks`
    sys.path.insert(0, str(ROOT))

from dosim import RealClock, Simulator  # noqa: E402

SEED = 20261126
PYTHON = str(ROOT / "venv" / "bin" / "python") if (ROOT / "venv" / "bin" / "python").exists() else sys.executable


@dataclass
class Target:
    """One target: what was measured against what limit, and whether it was met."""

    name: str
    measured: str
    passed: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "MISS"


@dataclass
class Result:
    """One benchmark's table, its targets and notes on how to read it."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        cells = [self.columns] + [[_cell(v) for v in row] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
        out = [f"## {self.title}", "", line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in cells[1:]]
        out += [""] + [f"- {t.verdict}: {t.name} (measured {t.measured})" for t in self.targets]
        out += [f"- note: {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = [{**asdict(t), "verdict": t.verdict} for t in self.targets]
        return data


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation between the sorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """Where the figures came from: cores, CPU model, Python, load when the run started."""
    model = platform.processor() or "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


@contextmanager
def simulator(clock: Any = None, **kwargs: Any) -> Iterator[Simulator]:
    """A started simulator on 127.0.0.1, seeded; real time unless a clock is given."""
    with Simulator(clock=clock or RealClock(), seed=SEED, **kwargs) as sim:
        yield sim


@contextmanager
def scratch() -> Iterator[Path]:
    """A temporary directory (snapshot records, host working directory), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="gpuforge-bench-") as path:
        yield Path(path)


def real_guard_inputs(stack: str, droplet_id: str, name: str) -> dict[str, Any]:
    """The guard's inputs (``__provider`` blob included) that the real program registers for
    ``stack`` under Pulumi's mocks, for a droplet with that id and name."""
    from gpuforge.guard import TYPE_TOKEN
    from tests.program.harness import Recorder, execute_program

    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):  # the program's warnings
        run = execute_program(stack, {"name": name}, mocks=Recorder(droplet_id=droplet_id))
    (guard,) = [r for r in run.mocks.resources if r.typ == TYPE_TOKEN]
    return dict(guard.inputs)


@contextmanager
def dynamic_host(sim: Simulator, cwd: Path) -> Iterator[Any]:
    """The SDK's dynamic provider host in ``cwd``, configured with the simulator as the engine would."""
    from tests.guard.host import DynamicHost

    host = DynamicHost(cwd)
    try:
        host.configure({"digitalocean:token": sim.token, "digitalocean:apiEndpoint": sim.url})
        yield host
    finally:
        host.close()


def main(run: Callable[[], list[Result]], description: str | None, *, echo: bool = True) -> None:
    """Command line of every benchmark: print the tables (unless ``run`` prints them itself,
    ``echo=False``), and ``--json PATH`` writes them too."""
    parser = argparse.ArgumentParser(description=(description or "").strip().splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args()
    facts = machine()
    print(
        f"machine: {facts['nproc']} cores, {facts['cpu']}, Python {facts['python']}, load {facts['load_average_1m']}\n",
        flush=True,
    )
    results = run()
    for result in results if echo else ():
        print(result.render(), flush=True)
    if args.json:
        write_json(args.json, results, facts)


def write_json(path: str, results: list[Result], facts: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps({"machine": facts, "results": [r.to_json() for r in results]}, indent=2) + "\n")
