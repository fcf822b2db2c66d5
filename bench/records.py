"""Realistic, reproducible log records for benchmarks, and their PostgreSQL COPY text form.

:func:`generate` yields wire records (what a client POSTs); :func:`copy_line` turns one into the
line ``psql \\copy`` loads, through the service's own :func:`~ingest_service.records.normalise`,
so both load paths store identical rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest_service.records import COLUMNS, normalise

__all__ = ["COLUMNS", "copy_line", "copy_value", "generate"]

START = datetime(2025, 3, 3, tzinfo=UTC)
SPAN = timedelta(days=7)
PY_LIB = "/usr/local/lib/python3.11/site-packages"


@dataclass(frozen=True)
class Service:
    name: str
    log_type: str  # BACKEND, FRONTEND or WORKER
    lang: str  # py, node or browser
    weight: int
    versions: tuple[str, ...]


SERVICES = (
    Service("payment-api", "BACKEND", "py", 16, ("v2.14.3", "v2.15.0")),
    Service("order-service", "BACKEND", "py", 18, ("v3.2.1", "v3.2.2", "v3.3.0-rc.1")),
    Service("auth-service", "BACKEND", "py", 12, ("v1.9.4",)),
    Service("search-api", "BACKEND", "py", 8, ("2025.02.27-4f1c2ab",)),
    Service("notification-service", "BACKEND", "node", 6, ("v0.18.2", "v0.19.0")),
    Service("web-app", "FRONTEND", "browser", 26, ("v5.41.0", "v5.42.1")),
    Service("admin-console", "FRONTEND", "browser", 6, ("v1.7.3",)),
    Service("report-worker", "WORKER", "py", 8, ("v0.9.12",)),
)
LEVELS = (("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"), (1, 9, 66, 14, 9, 1))
ENVIRONMENTS = (("production", "staging", "development", "test"), (72, 18, 8, 2))
ENDPOINTS = {
    "payment-api": [
        ("POST", "/api/v1/payments"),
        ("POST", "/api/v1/payments/{id}/capture"),
        ("POST", "/api/v1/payments/{id}/refund"),
        ("GET", "/api/v1/payments/{id}"),
    ],
    "order-service": [
        ("GET", "/api/v1/orders"),
        ("POST", "/api/v1/orders"),
        ("GET", "/api/v1/orders/{id}"),
        ("PATCH", "/api/v1/orders/{id}"),
        ("DELETE", "/api/v1/orders/{id}/items/{id}"),
    ],
    "auth-service": [
        ("POST", "/auth/login"),
        ("POST", "/auth/token/refresh"),
        ("POST", "/auth/logout"),
        ("GET", "/auth/me"),
    ],
    "search-api": [("GET", "/api/v2/search"), ("GET", "/api/v2/suggest"), ("OPTIONS", "/api/v2/search")],
    "notification-service": [("POST", "/notify/email"), ("POST", "/notify/push"), ("PUT", "/prefs/{id}")],
}
PAGES = {
    "web-app": [
        "/",
        "/products/{id}",
        "/cart",
        "/checkout",
        "/checkout/payment",
        "/account/orders",
        "/search",
    ],
    "admin-console": ["/admin/orders", "/admin/orders/{id}", "/admin/refunds", "/admin/users/{id}"],
}
ACTIONS = (("view", "click", "navigate", "submit"), (40, 35, 15, 10))
BUTTONS = ("Add to cart", "Buy now", "Apply coupon")
FORMS = ("checkout-address", "login", "refund-request")
BROWSERS = (
    ("Chrome", "124.0.6367.91", "Windows 11"),
    ("Chrome", "124.0.6367.78", "macOS 14.4"),
    ("Safari", "17.4.1", "iOS 17.4"),
    ("Firefox", "125.0.2", "Ubuntu 22.04"),
    ("Edge", "124.0.2478.67", "Windows 10"),
)
JOBS = ("export_orders", "reconcile_payments", "send_digest", "rebuild_search_index")

# --- error scenarios: (error_type, final line, frames innermost last) ------------------------
_Frame = tuple[str, int, str, str]  # file, line, function, source line
PY_ERRORS: list[tuple[str, str, list[_Frame]]] = [
    (
        "OperationalError",
        'sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection to server at "10.0.3.17", '
        "port 5432 failed: timeout expired",
        [
            (f"{PY_LIB}/starlette/routing.py", 677, "app", "response = await func(request)"),
            (
                "/app/{pkg}/api/routes/{nouns}.py",
                88,
                "{verb}_{noun}",
                "result = await service.{verb}({noun}_id)",
            ),
            (
                "/app/{pkg}/repositories/{nouns}.py",
                142,
                "get_for_update",
                "row = await session.execute(stmt)",
            ),
            (f"{PY_LIB}/sqlalchemy/engine/base.py", 1969, "_exec_single_context", "self.dialect.do_execute("),
            (
                f"{PY_LIB}/sqlalchemy/engine/default.py",
                922,
                "do_execute",
                "cursor.execute(statement, parameters)",
            ),
        ],
    ),
    (
        "KeyError",
        "KeyError: 'currency'",
        [
            (f"{PY_LIB}/fastapi/routing.py", 299, "app", "raw_response = await run_endpoint_function("),
            ("/app/{pkg}/api/routes/{nouns}.py", 54, "{verb}_{noun}", "return await service.{verb}(payload)"),
            ("/app/{pkg}/services/pricing.py", 31, "to_minor_units", 'rate = RATES[payload["currency"]]'),
        ],
    ),
    (
        "ReadTimeout",
        "httpx.ReadTimeout: timed out",
        [
            (
                "/app/{pkg}/services/{nouns}.py",
                203,
                "{verb}",
                "resp = await self.client.post(url, json=body)",
            ),
            (f"{PY_LIB}/httpx/_client.py", 1617, "send", "response = await self._send_handling_auth("),
            (
                f"{PY_LIB}/httpx/_transports/default.py",
                84,
                "map_httpcore_exceptions",
                "raise mapped_exc(message)",
            ),
        ],
    ),
    (
        "IntegrityError",
        "sqlalchemy.exc.IntegrityError: (psycopg.errors.UniqueViolation) duplicate key value violates unique "
        'constraint "{nouns}_idempotency_key_key"\nDETAIL:  Key (idempotency_key)=({id}) already exists.',
        [
            ("/app/{pkg}/api/routes/{nouns}.py", 61, "create_{noun}", "await repo.insert(new_{noun})"),
            ("/app/{pkg}/repositories/{nouns}.py", 77, "insert", "await self.session.flush()"),
            (f"{PY_LIB}/sqlalchemy/orm/session.py", 4321, "flush", "self._flush(objects)"),
        ],
    ),
    (
        "ValidationError",
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for {Noun}Update\n"
        "amount\n  Input should be greater than 0 [type=greater_than, input_value=-{id}, input_type=int]",
        [
            ("/app/{pkg}/api/routes/{nouns}.py", 119, "update_{noun}", "data = {Noun}Update(**body)"),
            (f"{PY_LIB}/pydantic/main.py", 193, "__init__", "self.__pydantic_validator__.validate_python("),
        ],
    ),
]
NODE_ERRORS: list[tuple[str, str, list[str]]] = [
    (
        "Error",
        "Error: connect ECONNREFUSED 10.0.4.12:6379",
        ["at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)"],
    ),
    (
        "SequelizeDatabaseError",
        'SequelizeDatabaseError: relation "notification_prefs" does not exist',
        [
            "at Query.formatError (/app/node_modules/sequelize/lib/dialects/postgres/query.js:386:16)",
            "at Query.run (/app/node_modules/sequelize/lib/dialects/postgres/query.js:87:18)",
            "at async NotificationService.send (/app/src/services/notification.service.js:48:7)",
            "at async /app/src/routes/notify.js:22:5",
        ],
    ),
    (
        "TypeError",
        "TypeError: Cannot read properties of undefined (reading 'deviceToken')",
        [
            "at PushSender.buildPayload (/app/src/senders/push.js:61:34)",
            "at PushSender.send (/app/src/senders/push.js:24:25)",
            "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
        ],
    ),
]
BROWSER_ERRORS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "TypeError",
        "TypeError: Cannot read properties of undefined (reading 'price')",
        [
            ("computeTotal", "checkout.8f3c2a91.js"),
            ("CartSummary", "main.2b7e4d10.js"),
            ("renderWithHooks", "vendor.c41d9e2f.js"),
            ("beginWork", "vendor.c41d9e2f.js"),
        ],
    ),
    (
        "ChunkLoadError",
        "ChunkLoadError: Loading chunk 482 failed.\n(error: https://shop.example.com/static/js/482.e1d0.chunk.js)",
        [("Object.j.f.j", "runtime.5a1b9c.js"), ("Array.reduce", ""), ("Object.j.e", "runtime.5a1b9c.js")],
    ),
    (
        "SyntaxError",
        "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
        [
            ("JSON.parse", ""),
            ("fetchOrders", "account.77de01f4.js"),
            ("async OrderList.load", "main.2b7e4d10.js"),
        ],
    ),
    (
        "AxiosError",
        "AxiosError: Request failed with status code 502",
        [
            ("settle", "vendor.c41d9e2f.js"),
            ("XMLHttpRequest.onloadend", "vendor.c41d9e2f.js"),
            ("submitPayment", "checkout.8f3c2a91.js"),
        ],
    ),
]
WARNINGS = (
    "Slow query on {nouns}: {ms} ms (threshold 500 ms)",
    "Retrying request to inventory-service (attempt 2/3)",
    "Rate limit at 85% for client key ...{hex4}",
    "Deprecated API version v1 called by client {hex4}",
    "Validation pattern ^\\d{{3}}-\\d{{4}}$ did not match field phone",
)
DEBUGS = (
    "SQL query:\n\tSELECT id, status, total\n\tFROM {nouns}\n\tWHERE user_id = $1 AND deleted = false",
    "Cache hit for key user:{id}:profile",
    "Cache miss for key {noun}:{id}; loading from database",
    "Feature flags resolved: new-checkout=on, dark-mode=off",
)
FRONT_WARNINGS = (
    'Warning: Each child in a list should have a unique "key" prop.\r\n'
    "Check the render method of `OrderList`.",
    "Largest contentful paint {ms} ms exceeds budget 2500 ms",
    "Retrying fetch /api/v1/cart after network error",
)
NOUNS = {
    "payment-api": "payment",
    "order-service": "order",
    "auth-service": "token",
    "search-api": "query",
    "report-worker": "report",
}
VERBS = ("capture", "create", "refresh", "update", "fetch")


def _weighted(rng: random.Random, table: tuple[tuple[Any, ...], tuple[int, ...]]) -> Any:
    """One of ``table[0]``, drawn with weights ``table[1]``."""
    return rng.choices(table[0], table[1])[0]


def _fill(text: str, service: str, ident: str) -> str:
    noun = NOUNS.get(service, "item")
    pkg = service.replace("-", "_")
    verb = VERBS[len(service) % len(VERBS)]
    return (
        text.replace("{pkg}", pkg)
        .replace("{nouns}", noun[:-1] + "ies" if noun.endswith("y") else noun + "s")
        .replace("{Noun}", noun.capitalize())
        .replace("{noun}", noun)
        .replace("{verb}", verb)
        .replace("{id}", ident)
    )


def _python_stack(rng: random.Random, service: str, ident: str) -> tuple[str, str, str]:
    """A CPython traceback (sometimes chained); returns (error_type, message, stack)."""
    error_type, last, frames = rng.choice(PY_ERRORS)
    lines = ["Traceback (most recent call last):"]
    for file, line, func, source in frames:
        lines.append(f'  File "{_fill(file, service, ident)}", line {line}, in {_fill(func, service, ident)}')
        lines.append(f"    {_fill(source, service, ident)}")
    final = _fill(last, service, ident)
    message = final.split(": ", 1)[-1].splitlines()[0]
    stack = "\n".join([*lines, final])
    if rng.random() < 0.2:  # re-raised as a domain error while handling the first one
        pkg = service.replace("-", "_")
        error_type = f"{NOUNS.get(service, 'item').capitalize()}ProcessingError"
        stack += (
            "\n\nDuring handling of the above exception, another exception occurred:\n\n"
            "Traceback (most recent call last):\n"
            f'  File "/app/{pkg}/api/errors.py", line 27, in wrapper\n'
            f"    raise {error_type}(str(exc)) from None\n"
            f"{pkg}.errors.{error_type}: {message}"
        )
    return error_type, message, stack


def _node_stack(rng: random.Random) -> tuple[str, str, str]:
    error_type, first, frames = rng.choice(NODE_ERRORS)
    return error_type, first.split(": ", 1)[1], "\n".join([first, *(f"    {f}" for f in frames)])


def _browser_stack(rng: random.Random, browser: str) -> tuple[str, str, str]:
    """V8 (``at f (url:line:col)``) or Firefox/Safari (``f@url:line:col``) format."""
    error_type, first, frames = rng.choice(BROWSER_ERRORS)
    base = "https://shop.example.com/static/js/"
    lines = [first]
    for func, file in frames:
        loc = f"{base}{file}:{rng.randint(1, 2)}:{rng.randint(1000, 240000)}" if file else "native"
        if browser in ("Firefox", "Safari"):
            lines.append(f"{func.removeprefix('async ')}@{loc if file else '[native code]'}")
        else:
            lines.append(f"    at {func} ({loc})" if file else f"    at {func} (<anonymous>)")
    return error_type, first.split(": ", 1)[1].splitlines()[0], "\n".join(lines)


def _front(rng: random.Random, svc: Service, level: str, ident: str) -> dict[str, Any]:
    """Fields of a browser record: page path, action_type, browser metadata, JS stack on errors."""
    browser, browser_version, os_name = rng.choice(BROWSERS)
    page = _fill(rng.choice(PAGES[svc.name]), svc.name, ident)
    action = _weighted(rng, ACTIONS)
    meta: dict[str, Any] = {
        "browser": browser,
        "browser_version": browser_version,
        "os": os_name,
        "viewport": rng.choice(("1920x1080", "1440x900", "390x844", "1280x720")),
        "locale": rng.choice(("en-US", "ko-KR", "ko-KR", "ja-JP")),
    }
    if action == "view":
        meta["page_load_ms"] = rng.randint(300, 6000)
    rec: dict[str, Any] = {"path": page, "action_type": action, "metadata": meta}
    if level in ("ERROR", "FATAL"):
        error_type, message, stack = _browser_stack(rng, browser)
        if meta["locale"] == "ko-KR":
            meta["toast"] = "결제 처리 중 오류가 발생했습니다. 잠시 후 다시 시도해 주세요."
        rec |= {"error_type": error_type, "message": f"Unhandled error on {page}: {message}"}
        rec["stack_trace"] = stack
    elif level == "WARN":
        rec["message"] = rng.choice(FRONT_WARNINGS).replace("{ms}", str(rng.randint(2600, 9000)))
    elif action == "click":
        rec["message"] = f"User clicked '{rng.choice(BUTTONS)}' on {page}"
    elif action == "submit":
        rec["message"] = f"Form submitted: {rng.choice(FORMS)}"
    else:
        rec["message"] = f"Page view {page}" if action == "view" else f"Navigated from {page} to /cart"
    return rec


def _back(rng: random.Random, svc: Service, level: str, ident: str) -> dict[str, Any]:
    """Fields of a backend or worker record: path/method/duration_ms, Python or Node stack on errors."""
    error = level in ("ERROR", "FATAL")
    duration = round(rng.lognormvariate(3.3, 0.9) * (20 if error else 1), 3)
    meta: dict[str, Any] = {
        "request_id": f"req_{rng.getrandbits(48):012x}",
        "host": f"{svc.name}-7d9f8c-{rng.getrandbits(20):05x}",
        "region": rng.choice(("ap-northeast-2", "us-east-1")),
    }
    rec: dict[str, Any] = {"metadata": meta}
    if svc.log_type == "BACKEND":
        method, path = rng.choice(ENDPOINTS[svc.name])
        path = _fill(path, svc.name, ident)
        status = 500 if error else rng.choice((200, 200, 200, 201, 204, 400, 404, 409, 429))
        meta |= {"status_code": status, "client_ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7"}
        rec |= {"path": path, "method": method, "duration_ms": duration}
        summary = f"{method} {path} {status} {duration:.1f}ms"
    else:
        meta["job"] = job = rng.choice(JOBS)
        rec["duration_ms"] = duration = round(duration * 100, 3)
        summary = f"Job {job} finished in {duration:.0f} ms"
    if error:
        if svc.lang == "node":
            error_type, message, stack = _node_stack(rng)
        else:
            error_type, message, stack = _python_stack(rng, svc.name, ident)
        meta["retry_count"] = rng.randint(0, 3)
        rec |= {"error_type": error_type, "message": message, "stack_trace": stack}
    elif level == "WARN":
        rec["message"] = (
            _fill(rng.choice(WARNINGS), svc.name, ident)
            .replace("{ms}", str(rng.randint(500, 8000)))
            .replace("{hex4}", f"{rng.getrandbits(16):04x}")
        )
    elif level in ("DEBUG", "TRACE"):
        rec["message"] = _fill(rng.choice(DEBUGS), svc.name, ident)
    else:
        rec["message"] = summary
    return rec


def generate(n: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Yield ``n`` wire records (JSON-ready dicts) in time order; same seed, same records."""
    rng = random.Random(seed)
    users = [f"user_{i:06d}" for i in range(1, 5001)]
    sessions = [
        (f"{rng.getrandbits(96):024x}", rng.choice(users) if rng.random() < 0.8 else None)
        for _ in range(12_000)
    ]
    services = (SERVICES, tuple(s.weight for s in SERVICES))
    recent_traces = [f"{rng.getrandbits(128):032x}" for _ in range(64)]
    step_s = SPAN.total_seconds() / max(n, 1)
    for i in range(n):
        svc: Service = _weighted(rng, services)
        level: str = _weighted(rng, LEVELS)
        ident = str(rng.randint(1000, 999_999))
        at = START + timedelta(seconds=i * step_s + rng.uniform(-1.5, 1.5))
        session_id, user_id = rng.choice(sessions)
        if rng.random() < 0.3:  # several services log under one trace
            trace_id = rng.choice(recent_traces)
        else:
            trace_id = recent_traces[i % 64] = f"{rng.getrandbits(128):032x}"
        rec: dict[str, Any] = {
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "level": level,
            "log_type": svc.log_type,
            "service": svc.name,
            "environment": _weighted(rng, ENVIRONMENTS),
            "service_version": rng.choice(svc.versions),
            "trace_id": trace_id,
            "user_id": user_id,
            "session_id": session_id,
        }
        rec |= _front(rng, svc, level, ident) if svc.log_type == "FRONTEND" else _back(rng, svc, level, ident)
        yield {k: v for k, v in rec.items() if v is not None}


def copy_value(value: Any) -> str:
    """One value in COPY text format: ``\\N`` for NULL, backslash/tab/newline/CR escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_line(record: dict[str, Any], now: datetime | None = None) -> str:
    """A wire record as one COPY text line (columns :data:`COLUMNS`), normalised like the service does."""
    row = normalise(record, now or datetime.now(UTC))
    return "\t".join(map(copy_value, row)) + "\n"
