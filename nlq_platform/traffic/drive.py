"""Running a session generator in virtual time (the backfill) — the live driver is in live.py."""

from __future__ import annotations

from typing import Any

from nlq_platform.traffic.backend import Response, SimulatedBackend
from nlq_platform.traffic.sessions import Call, Log, Sleep, Steps


def run_virtual(
    steps: Steps, start: float, backend: SimulatedBackend, out: list[dict[str, Any]], until: float
) -> float:
    """Run ``steps`` from epoch second ``start``: records go to ``out`` with their created_at;
    anything at or after ``until`` is dropped (and ends the session). Returns the end time."""
    t = start
    reply: Response | None = None
    while t < until:
        try:
            step = steps.send(reply)
        except StopIteration:
            break
        reply = None
        if isinstance(step, Sleep):
            t += step.seconds
        elif isinstance(step, Log):
            out.append({**step.record, "created_at": round(t, 6)})
        elif isinstance(step, Call):
            rows, reply = backend.handle(step.request, t)
            for offset, record in rows:
                if t + offset < until:
                    out.append({**record, "created_at": round(t + offset, 6)})
            t += reply.duration_ms / 1000
    steps.close()
    return t
