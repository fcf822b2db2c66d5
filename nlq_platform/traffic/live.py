"""Live demo traffic: the same sessions as the backfill, in real time.

Web sessions start at the daily rhythm's rate and run concurrently as asyncio tasks. What the
browser logs, and what simulated backends log, goes out through ``emit`` (the CLI passes a
``log_collector.Logger``). With a payment-api URL, calls to payment-api routes are real HTTP
requests carrying the action's W3C ``traceparent``, so payment-api's own rows share the trace ids
of the FRONTEND rows that caused them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from nlq_platform.traffic import rhythm
from nlq_platform.traffic import vocabulary as v
from nlq_platform.traffic.backend import Request, Response, SimulatedBackend
from nlq_platform.traffic.sessions import Call, Log, Population, Sleep, Steps, WebApp, Worker

Emit = Callable[[dict[str, Any]], None]
#: a scripted error → the payment-api's X-Simulate-Failure mode
SIMULATE = {v.DBC: "db", v.TMO: "timeout", v.DECL: "declined"}
ERROR_CODES = {
    "database_unavailable": v.DBC,
    "gateway_timeout": v.TMO,
    "payment_declined": v.DECL,
    "invalid_payment": v.VAL,
}


class PaymentApiClient:
    """Calls the real payment-api the way the web app does (same-origin fetch with traceparent)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def call(self, req: Request) -> Response:
        headers = {"traceparent": f"00-{req.trace_id}-{os.urandom(8).hex()}-01"}
        if req.session_id:
            headers["X-Session-Id"] = req.session_id
        if req.user_id:
            headers["X-User-Id"] = req.user_id
        if req.force and req.force[0] in SIMULATE:
            headers["X-Simulate-Failure"] = SIMULATE[req.force[0]]
        started = time.perf_counter()
        try:
            resp = await self.client.request(req.method, req.url_path, json=req.body, headers=headers)
        except httpx.HTTPError:
            return Response(0, (time.perf_counter() - started) * 1000, timed_out=True)
        ms = (time.perf_counter() - started) * 1000
        body: dict[str, Any] = {}
        with contextlib.suppress(ValueError):
            found = resp.json()
            body = found if isinstance(found, dict) else {}
        return Response(resp.status_code, ms, ERROR_CODES.get(str(body.get("error"))), body=body)

    async def close(self) -> None:
        await self.client.aclose()


class LiveTraffic:
    def __init__(
        self, emit: Emit, *, rate: float, seed: int | None = None, payment_api: str | None = None
    ) -> None:
        self.emit = emit
        self.rate = rate
        self.rng = random.Random(seed)
        self.backend = SimulatedBackend(self.rng)
        self.web, self.worker, self.people = WebApp(self.rng), Worker(self.rng), Population(self.rng)
        self.payment_api = PaymentApiClient(payment_api) if payment_api else None
        self.stats: Counter[str] = Counter()

    async def run(self, duration: float | None = None) -> Counter[str]:
        """Run until ``duration`` seconds have passed (None: until cancelled); returns counters."""
        tasks: set[asyncio.Task[None]] = set()

        def spawn(steps: Steps) -> None:
            task = asyncio.create_task(self._drive(steps))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        loops = [asyncio.create_task(self._sessions(spawn))]
        loops += [
            asyncio.create_task(self._jobs(env, every, spawn))
            for env, every in rhythm.WORKER_INTERVALS.items()
        ]
        try:
            if duration is None:
                await asyncio.gather(*loops)
            else:
                await asyncio.sleep(duration)
        finally:
            for task in [*loops, *tasks]:
                task.cancel()
            await asyncio.gather(*loops, *tasks, return_exceptions=True)
            if self.payment_api is not None:
                await self.payment_api.close()
        return self.stats

    async def _sessions(self, spawn: Callable[[Steps], None]) -> None:
        while True:
            per_s = rhythm.sessions_per_second(self.rate, time.time())
            await asyncio.sleep(self.rng.expovariate(per_s) if per_s > 0 else 60.0)
            if per_s > 0:
                self.stats["sessions"] += 1
                spawn(self.web.session(self.people.visitor()))

    async def _jobs(self, env: str, every: float, spawn: Callable[[Steps], None]) -> None:
        await asyncio.sleep(self.rng.uniform(0, every))
        while True:
            spawn(self.worker.job(env))
            await asyncio.sleep(every * self.rng.uniform(0.9, 1.1))

    async def _drive(self, steps: Steps) -> None:
        reply: Response | None = None
        try:
            while True:
                try:
                    step = steps.send(reply)
                except StopIteration:
                    return
                reply = None
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                elif isinstance(step, Log):
                    self._emit({**step.record, "created_at": time.time()})
                elif isinstance(step, Call):
                    reply = await self._call(step.request)
        finally:
            steps.close()

    async def _call(self, req: Request) -> Response:
        if self.payment_api is not None and req.route.service == v.PAYMENT_API:
            reply = await self.payment_api.call(req)
            self.stats["payment_api_calls"] += 1
            if not reply.ok:
                self.stats["payment_api_unreachable" if reply.status == 0 else "payment_api_failures"] += 1
            return reply
        t = time.time()
        rows, reply = self.backend.handle(req, t)
        await asyncio.sleep(reply.duration_ms / 1000)
        for offset, record in rows:
            self._emit({**record, "created_at": t + offset})
        return reply

    def _emit(self, record: dict[str, Any]) -> None:
        self.stats["records"] += 1
        self.emit(record)


def logger_emit(logger: Any) -> Emit:
    """``emit`` through a :class:`log_collector.Logger` (any service: records name their own)."""

    def emit(record: dict[str, Any]) -> None:
        fields = dict(record)
        level = fields.pop("level", "INFO")
        message = fields.pop("message")
        logger.log(level, message, **fields)

    return emit
