"""dosim: a stateful DigitalOcean API v2 simulator for tests and benchmarks."""

from dosim.clock import Clock, ManualClock, RealClock
from dosim.faults import Fault
from dosim.requestlog import RequestRecord
from dosim.simulator import Simulator

__all__ = ["Clock", "Fault", "ManualClock", "RealClock", "RequestRecord", "Simulator"]
