"""The last N hours of demo traffic, generated in virtual time and posted in batches.

The live services cannot write the past, so the backfill simulates everything (web sessions,
backend requests, worker jobs, incidents) and posts records with past ``created_at`` straight to
the ingest service. With a seed, the same window and rate always give the same records.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nlq_platform.traffic import rhythm
from nlq_platform.traffic.backend import Episode, SimulatedBackend
from nlq_platform.traffic.drive import run_virtual
from nlq_platform.traffic.sessions import Population, WebApp, Worker

#: the seed's "user_123": a failed payment attempt about 25 minutes before the end
SCRIPTED_USER = 123
#: a gap shorter than this is not worth a backfill (live traffic fills it)
MIN_GAP_S = 300.0


def generate(
    start: float,
    end: float,
    *,
    rate: float,
    seed: int | None = None,
    episodes: tuple[Episode, ...] | None = None,
    scripted: bool = True,
) -> Iterator[list[dict[str, Any]]]:
    """Records for [start, end) (epoch seconds), one list per hour, each sorted by created_at."""
    rng = random.Random(seed)
    backend = SimulatedBackend(rng, rhythm.incidents(end) if episodes is None else episodes)
    web, worker, people = WebApp(rng), Worker(rng), Population(rng)
    next_job = {env: start + rng.uniform(0, every) for env, every in rhythm.WORKER_INTERVALS.items()}
    script_at = end - 25 * 60
    chunk = start
    while chunk < end:
        chunk_end = min(chunk + 3600.0, end)
        out: list[dict[str, Any]] = []
        mean = rhythm.sessions_per_second(rate, chunk + (chunk_end - chunk) / 2) * (chunk_end - chunk)
        for _ in range(_poisson(rng, mean)):
            t0 = rng.uniform(chunk, chunk_end)
            run_virtual(web.session(people.visitor()), t0, backend, out, end)
        for env, every in rhythm.WORKER_INTERVALS.items():
            while next_job[env] < chunk_end:
                run_virtual(worker.job(env), next_job[env], backend, out, end)
                next_job[env] += every + rng.uniform(-0.1, 0.1) * every
        if scripted and chunk <= script_at < chunk_end:
            u = people.visitor(SCRIPTED_USER, "production")
            run_virtual(web.failed_checkout(u), script_at, backend, out, end)
        out.sort(key=lambda r: r["created_at"])
        yield out
        chunk = chunk_end


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:  # Knuth
        limit, k, p = math.exp(-mean), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def plan(latest: datetime | None, now: datetime, hours: float) -> tuple[datetime, datetime] | None:
    """The window to backfill, given the newest record already stored (None: the table is empty).

    Everything older than ``hours`` is out of scope; a recent enough table needs nothing (a re-run
    of the demo reuses its data); otherwise only the gap since the newest record is filled.
    """
    if hours <= 0:
        return None
    start = now - timedelta(hours=hours)
    if latest is not None and latest > start:
        start = latest
    if (now - start).total_seconds() < MIN_GAP_S:
        return None
    return start, now


@dataclass
class BackfillResult:
    records: int
    start: float
    end: float
    seconds: float


def backfill(
    send: Callable[[list[dict[str, Any]]], int],
    start: float,
    end: float,
    *,
    rate: float,
    seed: int | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> BackfillResult:
    """Generate [start, end) and hand each hour's records to ``send`` (returns how many it stored)."""
    began = time.monotonic()
    total = 0
    for chunk in generate(start, end, rate=rate, seed=seed):
        if chunk:
            total += send(chunk)
            if progress is not None:
                progress(total, chunk[-1]["created_at"])
    return BackfillResult(total, start, end, time.monotonic() - began)
