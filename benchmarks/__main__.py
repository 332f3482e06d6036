"""``python -m benchmarks``: every benchmark in one go (see run_all.py)."""

from benchmarks.common import main
from benchmarks.run_all import __doc__ as doc
from benchmarks.run_all import run

main(run, doc, echo=False)
