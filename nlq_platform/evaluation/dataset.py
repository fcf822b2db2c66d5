"""The evaluation dataset: one deterministic week of logs behind the 38 Text-to-SQL scenarios.

:func:`generate` builds the rows from a seeded :class:`random.Random`, with every timestamp placed
relative to ``anchor`` (the load time), so the same seed always yields the same data *relative to
NOW()*. :func:`load` replaces the contents of ``logs`` with them (TRUNCATE + binary COPY in one
transaction): run it against an evaluation database, never one whose logs you want to keep.

What the data holds (the scenarios in ``scenarios.yaml`` rely on it):

* Services: BACKEND ``payment-api``, ``order-api`` (``/api/v1/orders`` and ``/api/v1/inventory``),
  ``auth-api``, ``search-api``; WORKER ``inventory-worker``; FRONTEND ``web-app`` (Svelte).
* Backend rows carry ``path`` + ``method``; each request has exactly one row with ``duration_ms``
  (INFO, WARN when slower than 1000 ms, or the ERROR/FATAL that ended it) plus optional
  DEBUG/TRACE rows without a duration. ``metadata.status_code`` holds the HTTP status.
  Latency by path: payment (slowest) > orders > search > inventory > login.
* Worker rows have no path, method or duration: the job is in ``metadata.job`` (and
  ``metadata.elapsed_ms`` on finished jobs). Frontend rows have a page ``path``, no method and no
  duration; user actions carry ``action_type`` (view, navigate, click, submit), and every frontend
  row has ``metadata.browser`` / ``os`` / ``device``.
* ``error_type`` is set on every ERROR/FATAL row and on no other row, always with a stack trace
  (Python for backend/worker, V8-style JavaScript for the frontend) whose innermost application
  frame is the row's ``function_name`` / ``file_path``. Frontend: TypeError (bugs; mostly
  Safari), NetworkError (a request that got no response: client-side timeout or offline);
  an HTTP error *response* is logged by the frontend as a WARN without error_type.
* A frontend action that calls the backend shares its ``trace_id`` with the backend rows of that
  request (a checkout submit calls order-api then payment-api under one trace).
* Users ``user_1`` … ``user_500`` (activity skewed towards a few heavy users); 90% production,
  staging and development traffic from QA accounts (user_1 … user_30).
* payment-api versions: production ``v2.3.1``; the ``v2.4.0`` canary takes about half the
  production traffic for the last 36 hours and is slower, with more DatabaseConnectionErrors.
* The last hour holds an incident and only scripted errors (background errors stop 65 minutes
  before the anchor; incident errors lie between 48 and 1 minute before it), so a few minutes of
  delay between load and query change no last-hour error count:

  ========================  =========================================================
  DatabaseConnectionError   payment-api process_payment 38, charge_card 24,
                            get_connection 17 (3 of them FATAL); order-api insert_order 9;
                            inventory-worker sync_stock 5 — level ERROR: 90
  TimeoutError              payment-api /api/v1/payment 21, order-api /api/v1/orders 13
  NetworkError (web-app)    16 (the frontend side of 16 of those timeouts)
  PaymentDeclinedError      11 · ValidationError 7 · AuthenticationError 5 · TypeError 3
  ========================  =========================================================

  DatabaseConnectionErrors hit 27 users: 20 of them three to seven times, 7 once (user_123 among
  those). Payment and order latency rises 1.6x in the last 50 minutes. Four payment-api
  get_connection errors 70–110 minutes before the anchor were the first warning signs.
* ``user_123``: in the last hour, /cart → /checkout → a payment that times out (frontend
  NetworkError) → a retry whose trace, :data:`USER_123_FAILED_TRACE_ID`, ends with a
  DatabaseConnectionError in payment-api ``charge_card``. ``user_42``: a complete, successful
  purchase about five and a half hours before the anchor, plus three ordinary sessions (5.3, 3.6
  and 2.2 days before it) and whatever the random traffic gives them.
* About 2% of rows are soft-deleted duplicates (``deleted = TRUE``; errors are duplicated more
  often), so a query that forgets ``deleted = FALSE`` gets a different answer.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import orjson

from ingest_service.records import COLUMNS
from nlq_platform.db.migrate import apply

__all__ = [
    "BACKEND_SERVICES",
    "FRONTEND_SERVICE",
    "USER_123_FAILED_TRACE_ID",
    "WORKER_SERVICE",
    "generate",
    "load",
]

BACKEND_SERVICES = ("payment-api", "order-api", "auth-api", "search-api")
WORKER_SERVICE = "inventory-worker"
FRONTEND_SERVICE = "web-app"
#: trace of user_123's last (failed) payment attempt, fixed so a question can name it
USER_123_FAILED_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

HOUR = 3600.0
DAY = 24 * HOUR
SPAN = 7 * DAY + 3 * HOUR  # a little more than a week, so a 7-day window stays full for a while
QUIET = 65 * 60  # no background errors in the last 65 minutes: the incident owns the last hour
SLOW_MS = 1000.0

# --------------------------------------------------------------------------------------------
# Backend endpoints
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorSpec:
    error_type: str
    probability: float  # per request, production
    functions: tuple[str, ...]


@dataclass(frozen=True)
class Endpoint:
    service: str
    median_ms: float
    sigma: float
    route: dict[str, str]  # method -> FastAPI handler
    errors: dict[str, tuple[ErrorSpec, ...]] = field(default_factory=dict)  # method -> specs
    debug: dict[str, tuple[str, ...]] = field(default_factory=dict)  # method -> DEBUG messages


PAYMENT, ORDERS, INVENTORY, SEARCH, LOGIN = (
    "/api/v1/payment", "/api/v1/orders", "/api/v1/inventory", "/api/v1/search", "/api/v1/login",
)  # fmt: skip
DBC, TMO, VAL, DECL, AUTH = (
    "DatabaseConnectionError", "TimeoutError", "ValidationError", "PaymentDeclinedError",
    "AuthenticationError",
)  # fmt: skip

ENDPOINTS: dict[str, Endpoint] = {
    PAYMENT: Endpoint(
        "payment-api", 520, 0.55,
        {"POST": "create_payment", "GET": "get_payment_methods"},
        {"POST": (
            ErrorSpec(DECL, 0.03, ("handle_gateway_response",)),
            ErrorSpec(VAL, 0.008, ("validate_payment_request",)),
            ErrorSpec(TMO, 0.007, ("call_payment_gateway",)),
            ErrorSpec(DBC, 0.002, ("process_payment", "charge_card", "get_connection")),
        )},
        {"POST": ("payment intent created", "gateway request signed (tosspayments)", "idempotency key reserved"),
         "GET": ("loaded saved payment methods from cache", "saved payment methods cache miss")},
    ),
    ORDERS: Endpoint(
        "order-api", 240, 0.5,
        {"GET": "get_orders", "POST": "create_order", "PUT": "update_cart", "DELETE": "cancel_order"},
        {
            "POST": (ErrorSpec(VAL, 0.012, ("validate_order",)), ErrorSpec(TMO, 0.006, ("reserve_stock",)),
                     ErrorSpec(DBC, 0.002, ("insert_order",))),
            "PUT": (ErrorSpec(VAL, 0.006, ("validate_order",)), ErrorSpec(TMO, 0.003, ("reserve_stock",)),
                    ErrorSpec(DBC, 0.0015, ("save_cart",))),
            "GET": (ErrorSpec(DBC, 0.0015, ("fetch_orders",)), ErrorSpec(TMO, 0.002, ("fetch_orders",))),
            "DELETE": (ErrorSpec(DBC, 0.002, ("delete_order",)),),
        },
        {"POST": ("order draft validated", "stock reservation requested", "order status PENDING -> CONFIRMED"),
         "PUT": ("cart loaded from redis", "cart saved (ttl 7d)"), "GET": ("order history page 1 loaded",),
         "DELETE": ("order status CONFIRMED -> CANCELLED",)},
    ),
    INVENTORY: Endpoint(
        "order-api", 70, 0.45,
        {"GET": "get_stock"},
        {"GET": (ErrorSpec(TMO, 0.002, ("query_stock",)), ErrorSpec(DBC, 0.001, ("query_stock",)))},
        {"GET": ("stock cache hit", "stock cache miss; querying warehouse db")},
    ),
    SEARCH: Endpoint(
        "search-api", 120, 0.6,
        {"GET": "search"},
        {"GET": (ErrorSpec(TMO, 0.005, ("run_search",)), ErrorSpec(VAL, 0.003, ("parse_query",)))},
        {"GET": ("query parsed", "search index shard 3 answered", "spell correction applied")},
    ),
    LOGIN: Endpoint(
        "auth-api", 45, 0.4,
        {"POST": "login"},
        {"POST": (ErrorSpec(AUTH, 0.05, ("verify_password",)), ErrorSpec(VAL, 0.005, ("validate_credentials",)))},
        {"POST": ("password hash verified (argon2id)", "refresh token rotated", "login rate limit checked")},
    ),
}  # fmt: skip

METHOD_FACTOR = {
    PAYMENT: {"POST": 1.0, "GET": 0.4},
    ORDERS: {"GET": 0.7, "PUT": 0.9, "DELETE": 1.1, "POST": 1.5},
}
STATUS_OK = {"GET": 200, "POST": 201, "PUT": 200, "DELETE": 204}
STATUS_ERROR = {DBC: 503, TMO: 504, VAL: 422, DECL: 402, AUTH: 401}

PROD_VERSIONS = {"auth-api": "v3.1.0", "search-api": "v0.9.4", WORKER_SERVICE: "v1.2.0"}
STAGING_VERSIONS = {
    "payment-api": "v2.5.0-rc.1",
    "order-api": "v1.9.0-rc.1",
    "auth-api": "v3.2.0-rc.2",
    "search-api": "v1.0.0-rc.1",
    WORKER_SERVICE: "v1.3.0-rc.1",
    FRONTEND_SERVICE: "v5.14.0-rc.1",
}

# --------------------------------------------------------------------------------------------
# Python stack traces (backend and worker)
# --------------------------------------------------------------------------------------------

PKG = {
    "payment-api": "payment_api",
    "order-api": "order_api",
    "auth-api": "auth_api",
    "search-api": "search_api",
    WORKER_SERVICE: "inventory_worker",
}
#: function -> (module file under /app/<pkg>/, first line, how its caller calls it)
PY_FUNCS: dict[str, tuple[str, int, str]] = {
    # payment-api
    "create_payment": ("api/routes/payments.py", 41, ""),
    "process_payment": (
        "services/payment_service.py",
        72,
        "return await payment_service.process_payment(body, user)",
    ),
    "charge_card": (
        "services/payment_service.py",
        118,
        "receipt = await self.charge_card(intent, body.card_token)",
    ),
    "get_connection": ("db/pool.py", 31, "async with get_connection() as conn:"),
    "call_payment_gateway": (
        "clients/pg_gateway.py",
        54,
        "resp = await call_payment_gateway(token, intent.amount)",
    ),
    "handle_gateway_response": ("clients/pg_gateway.py", 97, "return handle_gateway_response(resp, intent)"),
    "validate_payment_request": ("schemas/validators.py", 22, "validate_payment_request(body)"),
    # order-api
    "create_order": ("api/routes/orders.py", 35, ""),
    "update_cart": ("api/routes/cart.py", 28, ""),
    "get_orders": ("api/routes/orders.py", 77, ""),
    "cancel_order": ("api/routes/orders.py", 102, ""),
    "get_stock": ("api/routes/inventory.py", 19, ""),
    "place_order": ("services/order_service.py", 48, "return await order_service.place_order(body, user)"),
    "insert_order": (
        "repositories/order_repo.py",
        63,
        "order_id = await self.repo.insert_order(conn, draft)",
    ),
    "reserve_stock": ("clients/inventory_client.py", 40, "await reserve_stock(draft.items)"),
    "validate_order": ("services/validation.py", 15, "validate_order(draft)"),
    "save_cart": ("repositories/cart_repo.py", 29, "return await cart_repo.save_cart(user, body.items)"),
    "fetch_orders": ("repositories/order_repo.py", 121, "return await order_repo.fetch_orders(user, page)"),
    "delete_order": ("repositories/order_repo.py", 158, "await order_repo.delete_order(order_id, user)"),
    "query_stock": ("repositories/stock_repo.py", 24, "return await stock_repo.query_stock(sku_ids)"),
    # search-api
    "search": ("api/routes/search.py", 18, ""),
    "parse_query": ("query/parser.py", 44, "parsed = parse_query(q, filters)"),
    "run_search": ("engine/client.py", 71, "return await run_search(parsed, page_size)"),
    # auth-api
    "login": ("api/routes/auth.py", 26, ""),
    "validate_credentials": ("services/credentials.py", 12, "validate_credentials(body)"),
    "verify_password": (
        "services/credentials.py",
        39,
        "user = await verify_password(body.email, body.password)",
    ),
    # inventory-worker
    "run_job": ("scheduler.py", 88, ""),
    "sync_stock": ("jobs/sync_stock.py", 33, "await job.sync_stock(batch_size=200)"),
    "fetch_supplier_feed": ("clients/supplier.py", 27, "feed = await fetch_supplier_feed(since)"),
}
#: (route, function) -> functions between the route handler and ``function``
PY_CHAINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("create_payment", "charge_card"): ("process_payment",),
    ("create_payment", "get_connection"): ("process_payment",),
    ("create_payment", "call_payment_gateway"): ("process_payment", "charge_card"),
    ("create_payment", "handle_gateway_response"): ("process_payment", "charge_card"),
    ("create_order", "insert_order"): ("place_order",),
    ("create_order", "reserve_stock"): ("place_order",),
    ("create_order", "validate_order"): ("place_order",),
    ("update_cart", "reserve_stock"): ("save_cart",),
    ("run_job", "fetch_supplier_feed"): ("sync_stock",),
}
SITE = "/usr/local/lib/python3.11/site-packages"
ASGI_FRAMES = (
    (f"{SITE}/starlette/routing.py", 74, "app", "response = await f(request)"),
    (f"{SITE}/fastapi/routing.py", 301, "app", "raw_response = await run_endpoint_function("),
    (f"{SITE}/fastapi/routing.py", 212, "run_endpoint_function", "return await dependant.call(**values)"),
)
WORKER_FRAMES = ((f"{SITE}/apscheduler/executors/base.py", 181, "run_coroutine_job", "retval = await job.func(*job.args, **job.kwargs)"),)  # fmt: skip
ASYNCPG_POOL = (
    (f"{SITE}/asyncpg/pool.py", 864, "acquire", "return await _acquire_impl()"),
    (
        f"{SITE}/asyncpg/pool.py",
        849,
        "_acquire_impl",
        "proxy = await ch.acquire()  # type: PoolConnectionProxy",
    ),
    (f"{SITE}/asyncpg/pool.py", 154, "acquire", "await self.connect()"),
    (
        f"{SITE}/asyncpg/connect_utils.py",
        1049,
        "_connect",
        "raise last_error or exceptions.TargetServerAttributeNotMatched(",
    ),
)
ASYNCPG_EXEC = (
    (f"{SITE}/asyncpg/connection.py", 350, "execute", "result = await self._protocol.query(query, timeout)"),
    (f"{SITE}/asyncpg/protocol/protocol.pyx", 374, "query", ""),
)
HTTPX_SEND = (
    (f"{SITE}/httpx/_client.py", 1629, "send", "response = await self._send_handling_auth("),
    (
        f"{SITE}/httpx/_client.py",
        1730,
        "_send_single_request",
        "response = await transport.handle_async_request(request)",
    ),
    (f"{SITE}/httpx/_transports/default.py", 393, "handle_async_request", "with map_httpcore_exceptions():"),
    ("/usr/local/lib/python3.11/contextlib.py", 158, "__exit__", "self.gen.throw(typ, value, traceback)"),
    (
        f"{SITE}/httpx/_transports/default.py",
        118,
        "map_httpcore_exceptions",
        "raise mapped_exc(message) from exc",
    ),
)
DB_CAUSES = (
    (ASYNCPG_POOL, "asyncpg.exceptions.TooManyConnectionsError: sorry, too many clients already"),
    (ASYNCPG_EXEC, "asyncpg.exceptions.ConnectionDoesNotExistError: connection was closed in the middle of operation"),
    (ASYNCPG_POOL, "OSError: Multiple exceptions: [Errno 111] Connect call failed ('10.20.3.14', 5432), [Errno 99] Cannot assign requested address"),
)  # fmt: skip
DB_MESSAGES = {
    "get_connection": (
        "could not acquire a connection from pool 'payments-db' within 3.0s (size=20, in_use=20, waiting=57)",
        "connection pool exhausted: 20/20 connections in use",
    ),
    "": (
        'connection to server at "payments-db.internal" (10.20.3.14), port 5432 failed: timeout expired',
        "server closed the connection unexpectedly while executing statement",
        "could not connect to database: too many clients already",
    ),
}
TIMEOUT_MESSAGES = {
    "call_payment_gateway": "payment gateway did not respond within 10.0s (POST https://api.tosspayments.com/v1/payments/confirm)",
    "reserve_stock": "inventory reservation timed out after 5.0s (POST http://order-api.internal/internal/stock/reserve)",
    "fetch_orders": "order history query exceeded statement timeout of 3.0s",
    "query_stock": "stock lookup exceeded statement timeout of 2.0s",
    "run_search": "search cluster did not answer within 3.0s (GET http://opensearch.internal:9200/products/_search)",
    "fetch_supplier_feed": "supplier feed request timed out after 30.0s (GET https://feeds.supplier.example/stock.json)",
}  # fmt: skip
VALIDATION_MESSAGES = {
    "validate_payment_request": ("card_token is missing", "amount must be greater than 0 (got 0)",
                                 "currency 'USD' is not supported for this merchant"),
    "validate_order": ("items must not be empty", "quantity must be between 1 and 99 (got 120)",
                       "shipping_address.postal_code is invalid"),
    "parse_query": ("query must be at most 200 characters", "unknown filter 'colour'"),
    "validate_credentials": ("email is not a valid address", "password is required"),
}  # fmt: skip
OTHER_MESSAGES = {
    DECL: ("card declined by issuer (code=51, insufficient funds)", "card declined by issuer (code=05, do not honor)",
           "card expired (code=54)", "3-D Secure authentication failed"),
    AUTH: ("invalid email or password", "account locked after 5 failed attempts", "refresh token expired"),
}  # fmt: skip


def _py_frame(file: str, line: int, function: str, code: str) -> str:
    text = f'  File "{file}", line {line}, in {function}\n'
    return text + (f"    {code}\n" if code else "")


def python_trace(
    service: str, route: str, function: str, error_type: str, message: str, rng: random.Random
) -> str:
    """A realistic traceback whose innermost application frame is ``function``."""
    pkg = PKG[service]
    chain = (route, *PY_CHAINS.get((route, function), ()), function)
    outer = WORKER_FRAMES if service == WORKER_SERVICE else ASGI_FRAMES
    frames = [_py_frame(*f) for f in outer]
    for i, name in enumerate(chain):
        rel, line, _ = PY_FUNCS[name]
        if i + 1 < len(chain):
            frames.append(_py_frame(f"/app/{pkg}/{rel}", line + 7 + i, name, PY_FUNCS[chain[i + 1]][2]))
    rel, line, _ = PY_FUNCS[function]
    path = f"/app/{pkg}/{rel}"
    if error_type in (DBC, TMO):
        if error_type == DBC:
            libs, cause = rng.choice(DB_CAUSES)
            call, cls = "await conn.execute(query, *args)", f"{pkg}.db.errors.DatabaseConnectionError"
        else:
            libs, cause = HTTPX_SEND, "httpx.ReadTimeout: timed out"
            call, cls = (
                "resp = await self._http.request(method, url, json=payload, timeout=timeout)",
                "TimeoutError",
            )
        first = "Traceback (most recent call last):\n" + _py_frame(path, line + 4, function, call)
        first += "".join(_py_frame(*f) for f in libs) + cause + "\n"
        last = _py_frame(path, line + 9, function, f"raise {cls.rsplit('.', 1)[-1]}(str(exc)) from exc")
        return (
            first
            + "\nThe above exception was the direct cause of the following exception:\n\n"
            + "Traceback (most recent call last):\n"
            + "".join(frames)
            + last
            + f"{cls}: {message}"
        )
    cls = f"{pkg}.errors.{error_type}"
    last = _py_frame(path, line + 6, function, f"raise {error_type}(msg)")
    return "Traceback (most recent call last):\n" + "".join(frames) + last + f"{cls}: {message}"


# --------------------------------------------------------------------------------------------
# Frontend (web-app) pages and JavaScript stack traces
# --------------------------------------------------------------------------------------------

PAGES = ("/checkout", "/cart", "/login", "/products", "/orders")
START_PAGES = (("/products", 0.55), ("/login", 0.15), ("/orders", 0.15), ("/cart", 0.15))
NEXT_PAGES = {
    "/login": (("/products", 0.6), ("/orders", 0.3), (None, 0.1)),
    "/products": (("/products", 0.3), ("/cart", 0.35), (None, 0.35)),
    "/cart": (("/checkout", 0.55), ("/products", 0.2), (None, 0.25)),
    "/checkout": (("/orders", 0.6), (None, 0.4)),
    "/orders": (("/products", 0.3), (None, 0.7)),
}
#: page -> (innermost function, source file, message, caller frames)
TYPE_ERRORS = {
    "/cart": ("calculateSubtotal", "src/lib/cart/totals.ts", "Cannot read properties of undefined (reading 'price')",
              ("Array.reduce (<anonymous>)", "Object.update [as p] (src/routes/cart/+page.svelte:58:24)")),
    "/products": ("renderVariantPicker", "src/lib/components/VariantPicker.svelte", "Cannot read properties of null (reading 'map')",
                  ("Object.create [as c] (src/lib/components/ProductCard.svelte:41:18)",)),
    "/checkout": ("formatAmount", "src/lib/utils/currency.ts", "amount.toFixed is not a function",
                  ("OrderSummary.svelte.instance (src/lib/checkout/OrderSummary.svelte:27:11)",)),
    "/orders": ("statusBadge", "src/lib/orders/OrderRow.svelte", "Cannot read properties of undefined (reading 'status')",
                ("Object.update [as p] (src/routes/orders/+page.svelte:73:9)",)),
    "/login": ("restoreSession", "src/lib/auth/session.ts", "Cannot read properties of null (reading 'token')",
               ("onMount (src/routes/login/+page.svelte:19:5)",)),
}  # fmt: skip
SVELTE_FRAMES = (
    "update (node_modules/svelte/src/runtime/internal/scheduler.js:119:30)",
    "flush (node_modules/svelte/src/runtime/internal/scheduler.js:79:5)",
)
#: API path -> (frontend caller, its file, the page handler frame)
API_CALLERS = {
    PAYMENT: ("submitPayment", "src/lib/checkout/payment.ts", "HTMLFormElement.handleSubmit (src/routes/checkout/+page.svelte:92:7)"),
    ORDERS: ("saveOrder", "src/lib/orders/api.ts", "HTMLButtonElement.onClick (src/lib/components/CartButton.svelte:33:9)"),
    INVENTORY: ("loadStock", "src/lib/products/stock.ts", "load (src/routes/products/+page.ts:14:22)"),
    SEARCH: ("searchProducts", "src/lib/products/search.ts", "load (src/routes/products/+page.ts:11:20)"),
    LOGIN: ("signIn", "src/lib/auth/session.ts", "HTMLFormElement.handleSubmit (src/routes/login/+page.svelte:45:7)"),
}  # fmt: skip
JS_CLIENT = ("request", "src/lib/api/client.ts")
BROWSERS = (
    ("Chrome", ("126.0", "125.0"), 0.58),
    ("Safari", ("17.5", "17.4"), 0.24),
    ("Samsung Internet", ("25.0",), 0.08),
    ("Firefox", ("127.0",), 0.06),
    ("Edge", ("126.0",), 0.04),
)


def js_type_error_trace(page: str) -> tuple[str, str, str, str]:
    """(message, stack, function_name, file_path) of the page's TypeError."""
    function, file, message, callers = TYPE_ERRORS[page]
    stack = f"TypeError: {message}\n    at {function} ({file}:{23 + len(page)}:{17 + len(function)})\n"
    stack += "".join(f"    at {c}\n" for c in (*callers, *SVELTE_FRAMES))
    return message, stack.rstrip("\n"), function, file


def js_network_error_trace(api_path: str, method: str, reason: str) -> tuple[str, str, str, str]:
    caller, caller_file, handler = API_CALLERS[api_path]
    message = f"{method} {api_path} failed: {reason}"
    stack = (
        f"NetworkError: {message}\n"
        f"    at {JS_CLIENT[0]} ({JS_CLIENT[1]}:48:13)\n"
        f"    at async {caller} ({caller_file}:31:18)\n"
        f"    at async {handler}"
    )
    return message, stack, JS_CLIENT[0], JS_CLIENT[1]


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass
class Session:
    user: str
    session_id: str
    env: str
    browser: dict[str, str]


@dataclass(frozen=True)
class Force:
    """A scripted outcome for one backend request: an error, or success when error_type is None."""

    error_type: str | None = None
    function: str | None = None
    level: str = "ERROR"
    version: str | None = None


OK = Force()


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: list[tuple[int, int, tuple[Any, ...]]] = []  # (t in µs, seq, row without created_at)
        self.user_weights = [self.rng.paretovariate(1.3) for _ in range(500)]
        self.job_seq = 0

    # ---- primitives -----------------------------------------------------------------------
    def trace_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def add(
        self,
        t: float,
        level: str,
        log_type: str,
        service: str,
        env: str,
        version: str,
        message: str,
        *,
        trace: str | None = None,
        user: str | None = None,
        session: str | None = None,
        error_type: str | None = None,
        stack: str | None = None,
        path: str | None = None,
        method: str | None = None,
        action: str | None = None,
        function: str | None = None,
        file: str | None = None,
        duration: float | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Add one row at ``t`` seconds relative to the anchor (negative: before it)."""
        if t > -0.5:  # nothing in the future, or in the very last half second
            return
        row = (
            level, log_type, service, env, version, trace, user, session, error_type, message, stack,
            path, method, action, function, file,
            None if duration is None else Decimal(f"{duration:.3f}"),
            False,
            None if meta is None else orjson.dumps(meta).decode(),
        )  # fmt: skip
        self.rows.append((round(t * 1_000_000), len(self.rows), row))

    def version(self, service: str, env: str, t: float) -> str:
        if env == "development":
            return "v0.0.0-dev"
        if env == "staging":
            return STAGING_VERSIONS[service]
        if service == "payment-api":
            return "v2.4.0" if t > -36 * HOUR and self.rng.random() < 0.5 else "v2.3.1"
        if service == "order-api":
            return "v1.8.3" if t > -80 * HOUR else "v1.8.2"
        if service == FRONTEND_SERVICE:
            return "v5.13.0" if t > -4 * DAY else "v5.12.4"
        return PROD_VERSIONS[service]

    def new_session(self, user: int, env: str) -> Session:
        rng = self.rng
        name, versions, _ = rng.choices(BROWSERS, weights=[b[2] for b in BROWSERS])[0]
        if name == "Safari":
            os_name, device = rng.choice((("iOS", "mobile"), ("iOS", "mobile"), ("macOS", "desktop")))
        elif name == "Samsung Internet":
            os_name, device = "Android", "mobile"
        else:
            os_name, device = rng.choice((("Windows", "desktop"), ("Windows", "desktop"), ("macOS", "desktop"),
                                          ("Android", "mobile")))  # fmt: skip
        browser = {"browser": name, "browser_version": rng.choice(versions), "os": os_name, "device": device}
        return Session(f"user_{user}", f"sess_{rng.getrandbits(64):016x}", env, browser)

    # ---- frontend ---------------------------------------------------------------------------
    def frontend(
        self, s: Session, t: float, level: str, message: str, page: str, *, trace: str | None = None,
        action: str | None = None, extra: dict[str, Any] | None = None, **error: Any,
    ) -> None:  # fmt: skip
        meta = dict(s.browser)
        if extra:
            meta.update(extra)
        self.add(
            t, level, "FRONTEND", FRONTEND_SERVICE, s.env, self.version(FRONTEND_SERVICE, s.env, t), message,
            trace=trace, user=s.user, session=s.session_id, path=page, action=action, meta=meta, **error,
        )  # fmt: skip

    def network_error(
        self, s: Session, t: float, page: str, trace: str, path: str, method: str, reason: str
    ) -> None:
        message, stack, function, file = js_network_error_trace(path, method, reason)
        self.frontend(
            s, t, "ERROR", message, page, trace=trace, error_type="NetworkError", stack=stack,
            function=function, file=file,
        )  # fmt: skip

    def type_error(self, s: Session, t: float, page: str, trace: str) -> None:
        message, stack, function, file = js_type_error_trace(page)
        self.frontend(
            s, t, "ERROR", message, page, trace=trace, error_type="TypeError", stack=stack,
            function=function, file=file,
        )  # fmt: skip

    # ---- backend ----------------------------------------------------------------------------
    def background_error(self, path: str, method: str, env: str, version: str, t: float) -> Force | None:
        if t > -QUIET:
            return None
        rng = self.rng
        scale = {"production": 1.0, "staging": 2.0, "development": 3.0}[env]
        for spec in ENDPOINTS[path].errors.get(method, ()):
            p = spec.probability * scale
            if spec.error_type == DBC and version == "v2.4.0":
                p *= 3
            if rng.random() < p:
                level = "FATAL" if spec.error_type == DBC and rng.random() < 0.08 else "ERROR"
                return Force(spec.error_type, rng.choice(spec.functions), level)
        return None

    def duration(self, path: str, method: str, version: str, t: float) -> float:
        ep = ENDPOINTS[path]
        factor = METHOD_FACTOR.get(path, {}).get(method, 1.0)
        if version == "v2.4.0":
            factor *= 1.12
        if t > -50 * 60 and path in (PAYMENT, ORDERS):
            factor *= 1.6  # DB contention during the incident
        return ep.median_ms * factor * math.exp(self.rng.gauss(0.0, ep.sigma))

    def error_duration(self, error: Force, path: str, method: str, version: str, t: float) -> float:
        rng = self.rng
        if error.error_type == TMO:
            limit = {PAYMENT: 10000, ORDERS: 5000 if method in ("POST", "PUT") else 3000, INVENTORY: 2000,
                     SEARCH: 3000}[path]  # fmt: skip
            return limit + rng.uniform(2, 60)
        if error.error_type == DBC:
            return 3000 + rng.uniform(1, 30) if error.function == "get_connection" else rng.uniform(8, 250)
        if error.error_type == VAL:
            return rng.uniform(2, 25)
        return self.duration(path, method, version, t)

    def call(self, s: Session | None, t: float, trace: str, path: str, method: str, force: Force | None = None,
             meta: dict[str, Any] | None = None, debug: bool | None = None) -> tuple[float, Force | None]:  # fmt: skip
        """One backend request; returns (time of its last row, the error or None)."""
        rng = self.rng
        ep = ENDPOINTS[path]
        env = s.env if s else "production"
        version = (force.version if force else None) or self.version(ep.service, env, t)
        verbose = env != "production"
        base = {"trace": trace, "user": s.user if s else None, "session": s.session_id if s else None,
                "path": path, "method": method}  # fmt: skip
        t += rng.uniform(0.004, 0.03)
        if debug or (debug is None and rng.random() < (0.6 if verbose else 0.3)):
            self.add(t, "DEBUG", "BACKEND", ep.service, env, version, rng.choice(ep.debug[method]), **base)
            t += rng.uniform(0.001, 0.02)
        if rng.random() < (0.2 if verbose else 0.01):
            table = {
                "payment-api": "payments",
                "order-api": "orders",
                "auth-api": "users",
                "search-api": "products",
            }
            sql = f"SELECT … FROM {table[ep.service]} WHERE … ({rng.randint(1, 40)} rows, {rng.uniform(0.3, 9):.1f} ms)"
            self.add(t, "TRACE", "BACKEND", ep.service, env, version, f"sql: {sql}", **base)
        error = force if force is not None else self.background_error(path, method, env, version, t)
        if error is not None and error.error_type is None:
            error = None
        info = dict(meta or {})
        if error is None:
            ms = self.duration(path, method, version, t)
            status = STATUS_OK[method]
            info["status_code"] = status
            if ms > SLOW_MS:
                level, message = "WARN", f"slow request: {method} {path} took {ms:.0f} ms (threshold 1000 ms)"
            else:
                level, message = "INFO", f"{method} {path} {status} ({ms:.1f} ms)"
            end = t + ms / 1000
            self.add(end, level, "BACKEND", ep.service, env, version, message, duration=ms, meta=info, **base)
            return end, None
        ms = self.error_duration(error, path, method, version, t)
        assert error.error_type is not None and error.function is not None
        info["status_code"] = 500 if error.level == "FATAL" else STATUS_ERROR[error.error_type]
        message = self.error_message(error)
        route = ep.route[method]
        stack = python_trace(ep.service, route, error.function, error.error_type, message, rng)
        end = t + ms / 1000
        self.add(
            end, error.level, "BACKEND", ep.service, env, version, message, error_type=error.error_type,
            stack=stack, function=error.function, file=f"/app/{PKG[ep.service]}/{PY_FUNCS[error.function][0]}",
            duration=ms, meta=info, **base,
        )  # fmt: skip
        return end, error

    def error_message(self, error: Force) -> str:
        rng = self.rng
        kind, function = error.error_type, error.function or ""
        if kind == DBC:
            if error.level == "FATAL":
                return "connection pool exhausted and health check failed; worker marked unhealthy"
            return rng.choice(DB_MESSAGES.get(function, DB_MESSAGES[""]))
        if kind == TMO:
            return TIMEOUT_MESSAGES[function]
        if kind == VAL:
            return rng.choice(VALIDATION_MESSAGES[function])
        return rng.choice(OTHER_MESSAGES[kind or ""])

    def after_failure(self, s: Session, t: float, page: str, trace: str, path: str, method: str,
                      error: Force, p: float = 0.5) -> None:  # fmt: skip
        """How the frontend reports a failed call: NetworkError for no response, WARN otherwise."""
        if self.rng.random() >= p:
            return
        t += self.rng.uniform(0.01, 0.2)
        if error.error_type == TMO:
            self.network_error(s, t, page, trace, path, method, "request timed out (no response)")
        else:
            status = 500 if error.level == "FATAL" else STATUS_ERROR[error.error_type or ""]
            self.frontend(s, t, "WARN", f"{method} {path} returned {status}; showing error message", page,
                          trace=trace)  # fmt: skip

    # ---- pages ------------------------------------------------------------------------------
    def visit(self, s: Session, t: float, page: str, previous: str | None) -> tuple[float, bool]:
        """One page visit; returns (time it ends, whether the session should stop)."""
        rng = self.rng
        quiet = t > -QUIET  # no background errors: the incident owns the last hour
        trace = self.trace_id()
        load_ms = rng.lognormvariate(math.log(600), 0.5)
        if previous is None:
            self.frontend(s, t, "INFO", f"page_view {page}", page, trace=trace, action="view",
                          extra={"load_ms": round(load_ms)})  # fmt: skip
        else:
            self.frontend(s, t, "INFO", f"navigate {previous} -> {page}", page, trace=trace, action="navigate",
                          extra={"load_ms": round(load_ms)})  # fmt: skip
        if rng.random() < (0.3 if s.env != "production" else 0.08):
            self.frontend(s, t + 0.05, "DEBUG", rng.choice(("store hydrated", "feature flags loaded (12 flags)",
                                                            "service worker ready")), page, trace=trace)  # fmt: skip
        if s.env == "development" and rng.random() < 0.2:
            self.frontend(s, t + 0.06, "TRACE", "render cycle: 14 components updated", page, trace=trace)
        if load_ms > 2500 and rng.random() < 0.5:
            self.frontend(s, t + load_ms / 1000, "WARN", f"slow page render: {load_ms:.0f} ms (LCP)", page,
                          trace=trace)  # fmt: skip
        t += 0.1
        # data the page loads
        loads = {"/products": ((SEARCH, "GET"), (INVENTORY, "GET")), "/cart": ((INVENTORY, "GET"),),
                 "/checkout": ((PAYMENT, "GET"),), "/orders": ((ORDERS, "GET"),)}.get(page, ())  # fmt: skip
        for path, method in loads:
            end, error = self.call(s, t, trace, path, method, OK if quiet else None)
            if error:
                self.after_failure(s, end, page, trace, path, method, error)
            elif not quiet and rng.random() < 0.0008:
                self.network_error(s, t + 15, page, trace, path, method, "Failed to fetch (offline)")
            t += 0.05
        if not quiet:
            weight = 4.0 if s.browser["browser"] == "Safari" else 1.0
            if rng.random() < 0.003 * weight * {"/cart": 3, "/products": 2}.get(page, 1):
                self.type_error(s, t + rng.uniform(0.2, 2), page, trace)
        t += load_ms / 1000 + rng.uniform(3, 40)
        return self.interact(s, t, page, quiet)

    def click(self, s: Session, t: float, page: str, target: str) -> str:
        trace = self.trace_id()
        self.frontend(s, t, "INFO", f"click {target}", page, trace=trace, action="click")
        return trace

    def interact(self, s: Session, t: float, page: str, quiet: bool) -> tuple[float, bool]:
        rng = self.rng
        force = OK if quiet else None
        if page == "/products":
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                self.click(
                    s, t, page, rng.choice(("product_card", "filter_category", "sort_by_price", "next_page"))
                )
                t += rng.uniform(2, 25)
            if rng.random() < 0.5:
                trace = self.click(s, t, page, "add_to_cart")
                end, error = self.call(s, t, trace, ORDERS, "PUT", force)
                if error:
                    self.after_failure(s, end, page, trace, ORDERS, "PUT", error)
                t = end + rng.uniform(2, 20)
        elif page == "/cart":
            for target, method, p in (("update_quantity", "PUT", 0.3), ("remove_item", "DELETE", 0.15)):
                if rng.random() < p:
                    trace = self.click(s, t, page, target)
                    end, error = self.call(s, t, trace, ORDERS, method, force)
                    if error:
                        self.after_failure(s, end, page, trace, ORDERS, method, error)
                    t = end + rng.uniform(2, 15)
        elif page == "/login":
            for _attempt in range(2):
                trace = self.trace_id()
                self.frontend(s, t, "INFO", "submit login_form", page, trace=trace, action="submit")
                end, error = self.call(s, t, trace, LOGIN, "POST", force)
                if error is None:
                    return end + rng.uniform(1, 5), False
                self.after_failure(s, end, page, trace, LOGIN, "POST", error, p=0.7)
                t = end + rng.uniform(5, 30)
            return t, True
        elif page == "/checkout":
            if rng.random() < 0.15:
                return t, True  # abandoned
            ok = self.checkout(s, t, force)
            return ok[0], not ok[1]
        elif page == "/orders":
            if rng.random() < 0.4:
                trace = self.click(s, t, page, "order_detail")
                t, _ = self.call(s, t, trace, ORDERS, "GET", force)
                t += rng.uniform(3, 30)
            if rng.random() < 0.08:
                trace = self.click(s, t, page, "cancel_order")
                end, error = self.call(s, t, trace, ORDERS, "DELETE", force)
                if error:
                    self.after_failure(s, end, page, trace, ORDERS, "DELETE", error)
                t = end + rng.uniform(2, 10)
        return t, False

    def checkout(
        self, s: Session, t: float, order_force: Force | None = None, pay_force: Force | None = None,
        trace: str | None = None, form: str = "place_order", debug: bool | None = None,
    ) -> tuple[float, bool]:  # fmt: skip
        """Submit the checkout form: POST /orders then POST /payment under one trace."""
        rng = self.rng
        trace = trace or self.trace_id()
        amount = rng.choice((12900, 25800, 39000, 54900, 89000, 129000, 249000))
        self.frontend(s, t, "INFO", f"submit {form}", "/checkout", trace=trace, action="submit",
                      extra={"cart_total": amount})  # fmt: skip
        end = t
        if form == "place_order":
            end, error = self.call(
                s, t, trace, ORDERS, "POST", order_force, meta={"items": rng.randint(1, 5)}
            )
            if error:
                if order_force is None:
                    self.after_failure(s, end, "/checkout", trace, ORDERS, "POST", error)
                return end + rng.uniform(2, 10), False
        end, error = self.call(s, end, trace, PAYMENT, "POST", pay_force or order_force,
                               meta={"amount": amount, "currency": "KRW"}, debug=debug)  # fmt: skip
        if error:
            if (pay_force or order_force) is None:
                self.after_failure(s, end, "/checkout", trace, PAYMENT, "POST", error)
            return end + rng.uniform(2, 10), False
        self.frontend(s, end + 0.08, "INFO", "checkout_completed", "/checkout", trace=trace,
                      extra={"cart_total": amount})  # fmt: skip
        return end + rng.uniform(1, 4), True

    def session(self, s: Session, t: float) -> None:
        rng = self.rng
        page = rng.choices([p for p, _ in START_PAGES], weights=[w for _, w in START_PAGES])[0]
        previous = None
        for _ in range(8):
            t, stop = self.visit(s, t, page, previous)
            if stop:
                return
            options = NEXT_PAGES[page]
            nxt = rng.choices([p for p, _ in options], weights=[w for _, w in options])[0]
            if nxt is None:
                return
            if page == "/cart" and nxt == "/checkout":
                self.click(s, t, page, "proceed_to_checkout")
            previous, page = page, nxt
            t += rng.uniform(0.2, 1.5)

    # ---- worker ------------------------------------------------------------------------------
    def job(self, t: float, env: str, force: Force | None = None, retry: int = 0) -> None:
        rng = self.rng
        self.job_seq += 1
        name = "sync_stock" if force or rng.random() < 0.7 else "reconcile_reservations"
        meta = {"job": name, "job_id": f"job_{self.job_seq:06d}"}
        if retry:
            meta["retry"] = retry
        version = self.version(WORKER_SERVICE, env, t)
        trace = self.trace_id()

        def add(t: float, level: str, message: str, **extra: Any) -> None:
            row_meta = extra.pop("meta", meta)
            self.add(
                t, level, "WORKER", WORKER_SERVICE, env, version, message, trace=trace, meta=row_meta, **extra
            )

        add(t, "INFO", f"job started: {name}" + (f" (retry {retry})" if retry else ""))
        t += rng.uniform(0.05, 0.3)
        if rng.random() < 0.5:
            add(t, "DEBUG", f"fetched {rng.randint(20, 400)} pending stock updates from supplier feed")
        error = force
        if error is None and name == "sync_stock" and t < -QUIET:
            r = rng.random() * (2.0 if env == "staging" else 1.0)
            if r < 0.008:
                error = Force(DBC, "sync_stock", "FATAL" if rng.random() < 0.25 else "ERROR")
            elif r < 0.02:
                error = Force(TMO, "fetch_supplier_feed")
        elapsed = rng.lognormvariate(math.log(4000), 0.4)
        t += elapsed / 1000
        if error is None:
            items = rng.randint(20, 400)
            if elapsed > 9000:
                add(t, "WARN", f"job {name} took {elapsed:.0f} ms, close to its 10 s interval")
            add(t, "INFO", f"job finished: {name} ({items} items)", meta={**meta, "items": items,
                                                                          "elapsed_ms": round(elapsed)})  # fmt: skip
            return
        assert error.error_type is not None and error.function is not None
        message = (
            "could not connect to database after 5 attempts; worker exiting"
            if error.level == "FATAL"
            else self.error_message(error)
        )
        stack = python_trace(WORKER_SERVICE, "run_job", error.function, error.error_type, message, rng)
        file = f"/app/{PKG[WORKER_SERVICE]}/{PY_FUNCS[error.function][0]}"
        add(
            t,
            error.level,
            message,
            error_type=error.error_type,
            stack=stack,
            function=error.function,
            file=file,
        )
        if error.level == "FATAL":
            add(t + rng.uniform(5, 20), "INFO", "worker restarted by supervisor")

    # ---- the week ----------------------------------------------------------------------------
    def background(self) -> None:
        rng = self.rng
        # sessions: a daily rhythm, busiest in the evening. It is laid out as if the anchor were 21:00
        # local time (not from the real clock), so the data is the same for every anchor up to a shift.
        rhythm = [
            0.7, 0.5, 0.35, 0.25, 0.2, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.8,
            0.85, 0.8, 0.8, 0.8, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0, 0.95, 0.85,
        ]  # fmt: skip
        cum_weights = list(itertools.accumulate(self.user_weights))
        users = list(range(1, 501))
        for h in range(math.ceil(SPAN / HOUR), 0, -1):
            start = -h * HOUR
            rate = 44 * rhythm[(21 - h) % 24]
            n = max(2, round(rate + rng.gauss(0, math.sqrt(rate))))
            for _ in range(n):
                t = start + rng.uniform(0, HOUR)
                env = rng.choices(("production", "staging", "development"), weights=(90, 7, 3))[0]
                if env == "production":
                    user = rng.choices(users, cum_weights=cum_weights)[0]
                    if user == 123 and t > -3 * HOUR:
                        user = 124  # user_123's last hours are scripted
                else:
                    user = rng.randint(1, 30 if env == "staging" else 5)
                self.session(self.new_session(user, env), t)
        # the inventory worker: every 3 minutes in production, every 15 in staging
        t = -SPAN
        while t < 0:
            self.job(t, "production")
            t += 180 + rng.uniform(-20, 20)
        t = -SPAN + 60
        while t < 0:
            self.job(t, "staging")
            t += 900 + rng.uniform(-60, 60)

    def user_42(self) -> None:
        """Ordinary sessions during the week, and a complete purchase 5.5 hours before the anchor."""
        for days in (5.3, 3.6, 2.2):
            self.session(self.new_session(42, "production"), -days * DAY)
        s = self.new_session(42, "production")
        t = -5.5 * HOUR
        trace = self.trace_id()
        self.frontend(s, t, "INFO", "page_view /products", "/products", trace=trace, action="view",
                      extra={"load_ms": 640})  # fmt: skip
        end, _ = self.call(s, t + 0.1, trace, SEARCH, "GET", OK)
        end, _ = self.call(s, end, trace, INVENTORY, "GET", OK)
        t = end + 18
        self.click(s, t, "/products", "product_card")
        t += 9
        trace = self.click(s, t, "/products", "add_to_cart")
        t, _ = self.call(s, t, trace, ORDERS, "PUT", OK)
        t += 6
        trace = self.trace_id()
        self.frontend(s, t, "INFO", "navigate /products -> /cart", "/cart", trace=trace, action="navigate",
                      extra={"load_ms": 455})  # fmt: skip
        t, _ = self.call(s, t + 0.1, trace, INVENTORY, "GET", OK)
        t += 12
        self.click(s, t, "/cart", "proceed_to_checkout")
        t += 0.5
        trace = self.trace_id()
        self.frontend(s, t, "INFO", "navigate /cart -> /checkout", "/checkout", trace=trace, action="navigate",
                      extra={"load_ms": 702})  # fmt: skip
        t, _ = self.call(s, t + 0.1, trace, PAYMENT, "GET", OK)
        t, _ = self.checkout(s, t + 37, OK, OK)
        trace = self.trace_id()
        self.frontend(s, t + 1, "INFO", "navigate /checkout -> /orders", "/orders", trace=trace,
                      action="navigate", extra={"load_ms": 388})  # fmt: skip
        self.call(s, t + 1.1, trace, ORDERS, "GET", OK)

    def user_123(self) -> None:
        """/cart -> /checkout -> a payment timeout -> a retry ending in a DatabaseConnectionError."""
        s = self.new_session(123, "production")
        s.browser = {"browser": "Chrome", "browser_version": "126.0", "os": "Windows", "device": "desktop"}
        t = -26 * 60.0
        trace = self.trace_id()
        self.frontend(
            s, t, "INFO", "page_view /cart", "/cart", trace=trace, action="view", extra={"load_ms": 512}
        )
        end, _ = self.call(s, t + 0.1, trace, INVENTORY, "GET", OK)
        t = end + 24
        self.click(s, t, "/cart", "proceed_to_checkout")
        t += 0.6
        trace = self.trace_id()
        self.frontend(s, t, "INFO", "navigate /cart -> /checkout", "/checkout", trace=trace, action="navigate",
                      extra={"load_ms": 734})  # fmt: skip
        end, _ = self.call(s, t + 0.1, trace, PAYMENT, "GET", OK)
        t = end + 41
        trace = self.trace_id()
        timeout = Force(TMO, "call_payment_gateway", version="v2.4.0")
        end, _ = self.checkout(s, t, OK, timeout, trace=trace)
        self.network_error(
            s, end + 0.05, "/checkout", trace, PAYMENT, "POST", "request timed out (no response)"
        )
        t = end + 35
        self.checkout(s, t, OK, Force(DBC, "charge_card", version="v2.4.0"), trace=USER_123_FAILED_TRACE_ID,
                      form="retry_payment", debug=True)  # fmt: skip

    def incident(self) -> None:
        """The last hour's scripted errors (see the module docstring for the counts)."""
        rng = self.rng
        others = [u for u in range(1, 501) if u not in (42, 123)]
        picked = rng.sample(others, 26)
        heavy_counts = (7, 6, 6, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3)
        db_users = [u for u, c in zip(picked[:20], heavy_counts, strict=True) for _ in range(c)] + picked[20:]
        db_sites = (
            [("process_payment", "ERROR")] * 38
            + [("charge_card", "ERROR")] * 23  # + user_123's
            + [("get_connection", "ERROR")] * 14
            + [("get_connection", "FATAL")] * 3
            + [("insert_order", "ERROR")] * 9
        )
        rng.shuffle(db_users)
        sessions: dict[int, Session] = {}

        def session(user: int) -> Session:
            if user not in sessions:
                sessions[user] = self.new_session(user, "production")
            return sessions[user]

        def canary() -> str:
            return "v2.4.0" if rng.random() < 0.85 else "v2.3.1"

        for user, (function, level) in zip(db_users, db_sites, strict=True):
            t = -rng.uniform(90, 35 * 60)
            force = Force(DBC, function, level, canary() if function != "insert_order" else None)
            if function == "insert_order":
                self.checkout(session(user), t, force)
            else:
                self.checkout(session(user), t, OK, force)
        for _ in range(5):
            self.job(
                -rng.uniform(90, 35 * 60), "production", Force(DBC, "sync_stock"), retry=rng.randint(1, 3)
            )

        def pick() -> Session:
            return session(rng.choice(others))

        timeouts = [PAYMENT] * 20 + [ORDERS] * 13  # + user_123's payment timeout
        with_network_error = set(rng.sample(range(len(timeouts)), 15))  # + user_123's
        for i, path in enumerate(timeouts):
            s, t, trace = pick(), -rng.uniform(90, 45 * 60), self.trace_id()
            if path == PAYMENT:
                end, _ = self.checkout(s, t, OK, Force(TMO, "call_payment_gateway", version=canary()), trace)
            else:
                end, _ = self.checkout(s, t, Force(TMO, "reserve_stock"), trace=trace)
            if i in with_network_error:
                self.network_error(
                    s, end - 1.5, "/checkout", trace, path, "POST", "request timed out (no response)"
                )
        for _ in range(11):
            self.checkout(pick(), -rng.uniform(90, 48 * 60), OK, Force(DECL, "handle_gateway_response"))
        for _ in range(3):
            self.checkout(pick(), -rng.uniform(90, 48 * 60), OK, Force(VAL, "validate_payment_request"))
        for _ in range(4):
            self.checkout(pick(), -rng.uniform(90, 48 * 60), Force(VAL, "validate_order"))
        for _ in range(5):
            s, t = pick(), -rng.uniform(90, 48 * 60)
            trace = self.trace_id()
            self.frontend(s, t, "INFO", "submit login_form", "/login", trace=trace, action="submit")
            self.call(s, t, trace, LOGIN, "POST", Force(AUTH, "verify_password"))
        for _ in range(4):  # the first warning signs, before the last hour
            s = self.new_session(rng.choice(others), "production")
            self.checkout(
                s, -rng.uniform(70 * 60, 110 * 60), OK, Force(DBC, "get_connection", version="v2.4.0")
            )
        for page in ("/cart", "/products", "/cart"):
            s, t = pick(), -rng.uniform(90, 48 * 60)
            trace = self.trace_id()
            self.frontend(
                s, t, "INFO", f"page_view {page}", page, trace=trace, action="view", extra={"load_ms": 801}
            )
            self.type_error(s, t + 0.7, page, trace)

    def soft_delete_duplicates(self) -> None:
        """About 2% of rows re-sent by retrying clients and soft-deleted by the dedup job."""
        rng = self.rng
        duplicates = []
        for t_us, _seq, row in self.rows:
            error = row[0] in ("ERROR", "FATAL")
            forced = row[5] == USER_123_FAILED_TRACE_ID and error
            if forced or rng.random() < (0.08 if error else 0.02):
                duplicates.append((t_us, (*row[:17], True, row[18])))
        for t_us, row in duplicates:
            self.rows.append((t_us, len(self.rows), row))


def generate(anchor: datetime, seed: int = 7) -> list[tuple[Any, ...]]:
    """The dataset's rows, oldest first, in :data:`ingest_service.records.COLUMNS` order."""
    if anchor.tzinfo is None:
        anchor = anchor.replace(tzinfo=UTC)
    gen = _Generator(seed)
    gen.background()
    gen.user_42()
    gen.user_123()
    gen.incident()
    gen.soft_delete_duplicates()
    gen.rows.sort(key=lambda r: (r[0], r[1]))
    return [(anchor + timedelta(microseconds=t_us), *row) for t_us, _seq, row in gen.rows]


async def load(owner_dsn: str, anchor: datetime | None = None, seed: int = 7) -> int:
    """Replace the contents of ``logs`` with the dataset; returns the number of rows.

    Missing migrations are applied first on the same connection (role passwords are left to
    ``nlq db migrate``). TRUNCATE and COPY share one transaction, so a failed load leaves the
    table as it was.
    """
    anchor = anchor or datetime.now(UTC)
    rows = generate(anchor, seed)
    conn = await asyncpg.connect(owner_dsn, timeout=10)
    try:
        await apply(conn)
        async with conn.transaction():
            await conn.execute("TRUNCATE logs RESTART IDENTITY")
            await conn.copy_records_to_table("logs", records=rows, columns=COLUMNS)
        await conn.execute("ANALYZE logs")
    finally:
        await conn.close()
    return len(rows)
