"""Where a benchmark load's CPU time went: the machine's busy time split among known processes.

On a 2-core machine PostgreSQL, the service and the load generator share the same cores, so a
throughput figure alone cannot say who is the bottleneck. The machine's busy time minus the
processes the benchmark knows (the service, its own clients, psql) is the rest: PostgreSQL when it
runs on this machine, plus whatever else is running (little, on a quiet machine).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psutil


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent not idle since boot (steal and guest time excluded)."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0))


def process_seconds(proc: psutil.Process) -> float:
    """CPU seconds of one process, all its threads."""
    t = proc.cpu_times()
    return float(t.user + t.system)


def children_seconds() -> float:
    """CPU seconds of this process's children that have been waited for (e.g. psql)."""
    t = os.times()
    return float(t.children_user + t.children_system)


@dataclass
class CpuMeter:
    """Busy time of the machine and of named processes between :meth:`start` and :meth:`stop`.

    ``processes`` maps a label to a process, or to None for "this process's waited-for children".
    """

    processes: dict[str, psutil.Process | None]
    _start: dict[str, float] = field(default_factory=dict)

    def _read(self) -> dict[str, float]:
        read = {
            label: children_seconds() if proc is None else process_seconds(proc)
            for label, proc in self.processes.items()
        }
        read["machine"] = machine_busy_seconds()
        return read

    def start(self) -> None:
        self._start = self._read()

    def stop(self, records: int, seconds: float) -> dict[str, object]:
        """The machine's busy % and CPU microseconds per record: each process, and the rest."""
        end = self._read()
        spent = {label: max(0.0, end[label] - self._start[label]) for label in end}
        machine = spent.pop("machine")
        spent["postgres_and_rest"] = max(0.0, machine - sum(spent.values()))
        cores = psutil.cpu_count() or 1
        return {
            "machine_busy_pct": 100 * machine / (seconds * cores) if seconds > 0 else 0.0,
            "us_per_record": {label: 1e6 * s / records for label, s in spent.items()},
        }
