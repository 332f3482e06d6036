"""Run every benchmark in one go (listing last), print each table as it completes, and with
``--json PATH`` write them all, with the machine they ran on, to one file.

    venv/bin/python -m benchmarks [--json PATH]      # or: venv/bin/python benchmarks/run_all.py
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import destroy_breakdown, fleet_destroy, listing, program_time, snapshot_wait, state_size  # noqa: E402
from benchmarks.common import Result, main  # noqa: E402

BENCHMARKS = (snapshot_wait, destroy_breakdown, fleet_destroy, program_time, state_size, listing)


def run() -> list[Result]:
    results: list[Result] = []
    for benchmark in BENCHMARKS:
        found = benchmark.run()
        for result in found:
            print(result.render(), flush=True)
        results += found
    return results


if __name__ == "__main__":
    main(run, __doc__, echo=False)
