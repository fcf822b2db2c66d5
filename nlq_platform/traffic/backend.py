"""What a backend service logs for one request it serves: the simulated side of a call.

Each request is one row with ``duration_ms`` — INFO, WARN when slower than a second, or the
ERROR (with error type and stack trace) that ended it — plus sometimes a DEBUG row, the same
convention as the real payment-api and the evaluation dataset. Error rates and latency follow the
route's profile, the environment (staging and development fail more) and any incident
(:class:`Episode`) active at that moment.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from nlq_platform.traffic import vocabulary as v

ENV_ERROR_SCALE = {"production": 1.0, "staging": 2.0, "development": 3.0}
#: payment-api logs business outcomes (like examples/payment-api); the others log access lines
PAYMENT_MESSAGES = {
    "create_payment": ("payment_success", "payment_failed"),
    "get_payment": ("payment_lookup", "payment_lookup"),
    "refund": ("refund_success", "refund_failed"),
    "products": ("products_listed", "products_failed"),
}


@dataclass
class Request:
    """One API call a client makes, in the trace of the user action that caused it."""

    method: str
    path: str  # the route template, e.g. /api/v1/payment/{payment_id}
    trace_id: str
    env: str = "production"
    user_id: str | None = None
    session_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: a scripted outcome: (error_type, function), or ("", "") for a forced success
    force: tuple[str, str] | None = None

    @property
    def route(self) -> v.Route:
        return v.ROUTES[(self.method, self.path)]

    @property
    def url_path(self) -> str:
        return self.path.format(**self.params) if self.params else self.path


@dataclass
class Response:
    status: int  # 0 when no response arrived
    duration_ms: float
    error_type: str | None = None
    timed_out: bool = False
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.timed_out and 200 <= self.status < 400


@dataclass(frozen=True)
class Episode:
    """An incident: between ``start`` and ``end`` (epoch seconds) a service fails more and slows."""

    name: str
    start: float
    end: float
    service: str
    error_factor: dict[str, float] = field(default_factory=dict)  # error type -> multiplier
    latency_factor: float = 1.0

    def active(self, t: float, service: str) -> bool:
        return service == self.service and self.start <= t < self.end


class SimulatedBackend:
    def __init__(self, rng: random.Random, episodes: tuple[Episode, ...] | list[Episode] = ()) -> None:
        self.rng = rng
        self.episodes = tuple(episodes)

    def handle(self, req: Request, t: float) -> tuple[list[tuple[float, dict[str, Any]]], Response]:
        """(rows as (seconds after ``t``, record), response) for ``req`` arriving at ``t``."""
        rng, route = self.rng, req.route
        episodes = [e for e in self.episodes if e.active(t, route.service)]
        latency = math.prod(e.latency_factor for e in episodes)
        base = {
            "log_type": "BACKEND", "service": route.service, "environment": req.env,
            "service_version": v.version(route.service, req.env), "trace_id": req.trace_id,
            "path": route.path, "method": route.method,
        }  # fmt: skip
        if req.user_id:
            base["user_id"] = req.user_id
        if req.session_id:
            base["session_id"] = req.session_id
        rows: list[tuple[float, dict[str, Any]]] = []
        start = rng.uniform(0.002, 0.02)
        if route.debug and rng.random() < (0.25 if req.env == "production" else 0.6):
            rows.append((start, {**base, "level": "DEBUG", "message": rng.choice(route.debug)}))
        error = self._error(req, route, episodes)
        meta: dict[str, Any] = dict(req.meta)
        if req.params:
            meta["url_path"] = req.url_path
        body: dict[str, Any] = {}
        if error is None:
            ms = self._duration(route, latency)
            status = v.STATUS_OK[route.method]
            if route.handler == "create_payment":
                body["payment_id"] = meta["payment_id"] = f"pay_{rng.randrange(10**8):08d}"
            if route.path == v.ORDERS and route.method == "POST":
                body["order_id"] = meta["order_id"] = f"ord_{rng.randrange(10**8):08d}"
            meta["status_code"] = status
            row = {**base, **self._ok_message(route, status, ms, meta), "duration_ms": round(ms, 3)}
            if ms > v.SLOW_MS:
                row["level"] = "WARN"
        else:
            error_type, function, level = error
            ms = self._error_duration(route, error_type, function, latency)
            status = 500 if level == "FATAL" else v.STATUS_ERROR.get(error_type, 500)
            meta["status_code"] = status
            message = v.error_message(route.service, error_type, function, rng)
            row = {
                **base, "level": level, "error_type": error_type, "duration_ms": round(ms, 3),
                "stack_trace": v.python_trace(route, function, error_type, message, rng),
                "message": PAYMENT_MESSAGES[route.handler][1] if route.service == v.PAYMENT_API else message,
            }  # fmt: skip
        row["metadata"] = meta
        end = start + ms / 1000
        rows.append((end, row))
        return rows, Response(status, end * 1000, error[0] if error else None, body=body)

    # ------------------------------------------------------------------------------------------

    def _error(self, req: Request, route: v.Route, episodes: list[Episode]) -> tuple[str, str, str] | None:
        if req.force is not None:
            error_type, function = req.force
            return (error_type, function, "ERROR") if error_type else None
        rng = self.rng
        scale = ENV_ERROR_SCALE.get(req.env, 1.0)
        for spec in route.errors:
            p = (
                spec.probability
                * scale
                * math.prod(e.error_factor.get(spec.error_type, 1.0) for e in episodes)
            )
            if rng.random() < p:
                fatal = spec.error_type == v.DBC and rng.random() < 0.05
                return spec.error_type, rng.choice(spec.functions), "FATAL" if fatal else "ERROR"
        return None

    def _duration(self, route: v.Route, latency: float) -> float:
        rng = self.rng
        ms = route.median_ms * latency * math.exp(rng.gauss(0.0, route.sigma))
        if rng.random() < 0.015:  # the long tail: a cold cache, a GC pause, a slow dependency
            ms *= rng.uniform(3.0, 9.0)
        return min(ms, route.timeout_ms * 0.98)

    def _error_duration(self, route: v.Route, error_type: str, function: str, latency: float) -> float:
        rng = self.rng
        if error_type == v.TMO:
            return route.timeout_ms + rng.uniform(2, 60)
        if error_type == v.DBC:
            return 2000 + rng.uniform(1, 30) if function == "get_connection" else rng.uniform(8, 250)
        if error_type == v.VAL:
            return rng.uniform(2, 25)
        return self._duration(route, latency)

    @staticmethod
    def _ok_message(route: v.Route, status: int, ms: float, meta: dict[str, Any]) -> dict[str, Any]:
        if route.service == v.PAYMENT_API:
            message = PAYMENT_MESSAGES[route.handler][0]
            if ms > v.SLOW_MS:
                meta["slow_operation"] = message
                message = "slow_request"
            return {"level": "INFO", "message": message}
        if ms > v.SLOW_MS:
            return {
                "level": "WARN",
                "message": f"slow request: {route.method} {route.path} took {ms:.0f} ms (threshold 1000 ms)",
            }
        return {"level": "INFO", "message": f"{route.method} {route.path} {status} ({ms:.1f} ms)"}
