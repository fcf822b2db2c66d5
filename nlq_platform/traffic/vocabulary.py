"""What the simulated platform is made of: services, routes, error types, messages, stack traces.

order-api, auth-api and search-api, the browsers and the JavaScript errors are taken from the
evaluation dataset (:mod:`nlq_platform.evaluation.dataset`), so demo traffic speaks the vocabulary
the value catalog, the few-shot examples and the offline engine's glossary were built on.
payment-api mirrors the real demo service in ``examples/payment-api`` (its routes, messages,
modules and function names), so backfilled history and live requests look alike.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from nlq_platform.evaluation import dataset as ds

PAYMENT_API, ORDER_API, AUTH_API, SEARCH_API = "payment-api", "order-api", "auth-api", "search-api"
WEB_APP, WORKER = ds.FRONTEND_SERVICE, ds.WORKER_SERVICE
DBC, TMO, VAL, DECL, AUTH = ds.DBC, ds.TMO, ds.VAL, ds.DECL, ds.AUTH
SLOW_MS = 1000.0

PAYMENT = "/api/v1/payment"
PAYMENT_BY_ID = "/api/v1/payment/{payment_id}"
REFUND = "/api/v1/refund"
PRODUCTS = "/api/v1/products"
ORDERS, INVENTORY, SEARCH, LOGIN = ds.ORDERS, ds.INVENTORY, ds.SEARCH, ds.LOGIN


@dataclass(frozen=True)
class ErrorSpec:
    error_type: str
    probability: float  # per request, production
    functions: tuple[str, ...]  # where it is raised (the innermost application frame)


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str  # the route template: one value per endpoint, so "by endpoint" questions group well
    handler: str
    median_ms: float
    sigma: float
    errors: tuple[ErrorSpec, ...] = ()
    debug: tuple[str, ...] = ()
    timeout_ms: float = 3000.0


def _from_dataset() -> dict[tuple[str, str], Route]:
    routes = {}
    for path, ep in ds.ENDPOINTS.items():
        for method, handler in ep.route.items():
            if ep.service == PAYMENT_API:
                continue  # payment-api follows the real service below
            factor = ds.METHOD_FACTOR.get(path, {}).get(method, 1.0)
            errors = tuple(
                ErrorSpec(e.error_type, e.probability, e.functions) for e in ep.errors.get(method, ())
            )
            timeout = {ORDERS: 5000.0 if method in ("POST", "PUT") else 3000.0, INVENTORY: 2000.0}
            routes[(method, path)] = Route(
                ep.service, method, path, handler, ep.median_ms * factor, ep.sigma, errors,
                ep.debug.get(method, ()), timeout.get(path, 3000.0),
            )  # fmt: skip
    return routes


ROUTES: dict[tuple[str, str], Route] = {
    **_from_dataset(),
    ("POST", PAYMENT): Route(
        PAYMENT_API, "POST", PAYMENT, "create_payment", 320, 0.5,
        (ErrorSpec(DECL, 0.03, ("handle_gateway_response",)),
         ErrorSpec(VAL, 0.006, ("validate_payment_request",)),
         ErrorSpec(TMO, 0.006, ("call_payment_gateway",)),
         ErrorSpec(DBC, 0.003, ("get_connection",))),
        ("payment intent created", "gateway request signed (tosspayments)", "idempotency key reserved"),
        3000.0,
    ),
    ("GET", PAYMENT_BY_ID): Route(
        PAYMENT_API, "GET", PAYMENT_BY_ID, "get_payment", 25, 0.5,
        (ErrorSpec(DBC, 0.002, ("get_connection",)),), ("payment loaded from replica",),
    ),
    ("POST", REFUND): Route(
        PAYMENT_API, "POST", REFUND, "refund", 70, 0.5,
        (ErrorSpec(DBC, 0.003, ("get_connection",)),), ("refund ledger entry written",),
    ),
    ("GET", PRODUCTS): Route(PAYMENT_API, "GET", PRODUCTS, "products", 15, 0.4, (), ("catalogue cache hit",)),
}  # fmt: skip

STATUS_OK = {"GET": 200, "POST": 201, "PUT": 200, "DELETE": 204}
STATUS_ERROR = {**ds.STATUS_ERROR, DBC: 503, TMO: 504, VAL: 422, DECL: 402, AUTH: 401}

VERSIONS = {
    "production": {PAYMENT_API: "v2.4.1", ORDER_API: "v1.8.3", AUTH_API: "v3.1.0", SEARCH_API: "v0.9.4",
                   WORKER: "v1.2.0", WEB_APP: "v5.13.0"},
    "staging": {PAYMENT_API: "v2.5.0-rc.1", **{s: v for s, v in ds.STAGING_VERSIONS.items() if s != PAYMENT_API}},
    "development": {},
}  # fmt: skip


def version(service: str, env: str) -> str:
    return VERSIONS.get(env, {}).get(service, "v0.0.0-dev")


# --------------------------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------------------------

DECLINE_REASONS = ("insufficient_funds", "card_expired", "do_not_honor", "suspected_fraud")


def error_message(service: str, error_type: str, function: str, rng: random.Random) -> str:
    """The exception's message (the last line of its stack trace)."""
    if service == PAYMENT_API:
        if error_type == DBC:
            return "could not acquire a connection from pool 'payments-primary' within 2.0s (pool size 20, 20 in use)"
        if error_type == TMO:
            return "payment gateway did not answer within 3000 ms"
        if error_type == DECL:
            return f"card declined by issuer: {rng.choice(DECLINE_REASONS)}"
        if error_type == VAL:
            return rng.choice(("currency XXX is not supported (KRW, USD, EUR, JPY)",
                               "amount 12000000 KRW exceeds the 10000000 KRW limit"))  # fmt: skip
    if error_type == DBC:
        return rng.choice(ds.DB_MESSAGES.get(function, ds.DB_MESSAGES[""]))
    if error_type == TMO:
        return ds.TIMEOUT_MESSAGES.get(function, f"{function} timed out")
    if error_type == VAL:
        return rng.choice(ds.VALIDATION_MESSAGES.get(function, ("request is invalid",)))
    return rng.choice(ds.OTHER_MESSAGES.get(error_type, (f"{error_type} in {function}",)))


# --------------------------------------------------------------------------------------------
# Python stack traces
# --------------------------------------------------------------------------------------------

#: payment-api: function -> (module, line of its first statement, the line that calls the next)
PAY_FUNCS: dict[str, tuple[str, int, str]] = {
    "create_payment": ("main.py", 160, ""),
    "get_payment": ("main.py", 191, ""),
    "refund": ("main.py", 203, ""),
    "validate_payment_request": ("main.py", 84, "currency = validate_payment_request(body)"),
    "charge_card": ("gateway.py", 24, "auth_code = await gateway.charge_card("),
    "call_payment_gateway": ("gateway.py", 29, "answer = await self.call_payment_gateway(amount, timeout=timeout, slow=slow)"),
    "handle_gateway_response": ("gateway.py", 40, "return self.handle_gateway_response(answer, declined=declined)"),
    "insert_payment": ("store.py", 61, "payment = await store.insert_payment("),
    "fetch_payment": ("store.py", 66, "payment = await store.fetch_payment(payment_id, fail=fail)"),
    "record_refund": ("store.py", 73, "refund_id = await store.record_refund("),
    "get_connection": ("store.py", 54, "await self.get_connection(fail)"),
}  # fmt: skip
PAY_CHAINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("create_payment", "get_connection"): ("insert_payment",),
    ("create_payment", "call_payment_gateway"): ("charge_card",),
    ("create_payment", "handle_gateway_response"): ("charge_card",),
    ("get_payment", "get_connection"): ("fetch_payment",),
    ("refund", "get_connection"): ("record_refund", "fetch_payment"),
}
PAY_RAISE = {
    DBC: ("raise DatabaseConnectionError(", "payment_api.errors.DatabaseConnectionError"),
    TMO: ('raise TimeoutError(f"payment gateway did not answer within {self.timeout_ms:.0f} ms")', "TimeoutError"),
    DECL: ('raise PaymentDeclinedError(f"card declined by issuer: {reason}")', "payment_api.errors.PaymentDeclinedError"),
    VAL: ('raise ValidationError(f"currency {currency} is not supported ({", ".join(CURRENCIES)})")',
          "payment_api.errors.ValidationError"),
}  # fmt: skip


def payment_api_trace(handler: str, function: str, error_type: str, message: str) -> str:
    """A traceback as the real payment-api prints it, innermost frame ``function``."""
    chain = (handler, *PAY_CHAINS.get((handler, function), ()), function)
    frames = [ds._py_frame(*f) for f in ds.ASGI_FRAMES]
    for i, name in enumerate(chain):
        module, line, _ = PAY_FUNCS[name]
        if i + 1 < len(chain):
            frames.append(
                ds._py_frame(f"/app/payment_api/{module}", line + 3, name, PAY_FUNCS[chain[i + 1]][2])
            )
    module, line, _ = PAY_FUNCS[function]
    code, cls = PAY_RAISE.get(error_type, (f"raise {error_type}(msg)", error_type))
    frames.append(ds._py_frame(f"/app/payment_api/{module}", line + 2, function, code))
    return "Traceback (most recent call last):\n" + "".join(frames) + f"{cls}: {message}"


def python_trace(route: Route, function: str, error_type: str, message: str, rng: random.Random) -> str:
    if route.service == PAYMENT_API:
        return payment_api_trace(route.handler, function, error_type, message)
    return ds.python_trace(route.service, route.handler, function, error_type, message, rng)


# --------------------------------------------------------------------------------------------
# the browser: pages, JavaScript errors
# --------------------------------------------------------------------------------------------

BROWSERS = ds.BROWSERS
TYPE_ERROR_PAGES = tuple(ds.TYPE_ERRORS)
API_CALLERS = {
    **ds.API_CALLERS,
    PAYMENT_BY_ID: ("loadPayment", "src/lib/orders/api.ts", "load (src/routes/orders/+page.ts:21:18)"),
    REFUND: ("requestRefund", "src/lib/orders/api.ts", "HTMLButtonElement.onClick (src/lib/orders/OrderRow.svelte:61:9)"),
    PRODUCTS: ("loadProducts", "src/lib/products/api.ts", "load (src/routes/products/+page.ts:9:20)"),
}  # fmt: skip


def js_type_error(page: str) -> tuple[str, str]:
    """(message, V8 stack) of the page's TypeError."""
    message, stack, _function, _file = ds.js_type_error_trace(page)
    return message, stack


def js_network_error(api_path: str, method: str, reason: str) -> tuple[str, str]:
    """(message, V8 stack) of a fetch that got no response."""
    caller, caller_file, handler = API_CALLERS[api_path]
    client, client_file = ds.JS_CLIENT
    message = f"{method} {api_path} failed: {reason}"
    stack = (
        f"NetworkError: {message}\n    at {client} ({client_file}:48:13)\n"
        f"    at async {caller} ({caller_file}:31:18)\n    at async {handler}"
    )
    return message, stack
