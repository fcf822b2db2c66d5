"""A visit to the web app, as a generator of steps: log a record, wait, or call a backend.

The same generator drives the backfill (virtual time: a wait just moves a clock) and live traffic
(real time: a wait sleeps, a call to payment-api is an HTTP request with ``traceparent``). What the
generator logs is what the Svelte web app sends as ``web-app`` FRONTEND records: page views and
navigations (``action_type`` view/navigate, ``metadata.load_ms``), clicks and form submits, a WARN
when an API call answers with an error, a NetworkError when it never answers, and the occasional
TypeError with its JavaScript stack. Every user action starts a trace that the backend rows of the
calls it makes share.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from nlq_platform.evaluation import dataset as ds
from nlq_platform.traffic import vocabulary as v
from nlq_platform.traffic.backend import Request, Response


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Log:
    record: dict[str, Any]  # created_at is the driver's clock when the step runs


@dataclass(frozen=True, slots=True)
class Call:
    request: Request


Step = Sleep | Log | Call
Steps = Generator[Step, Response | None, Any]

ENVIRONMENTS = (("production", 90), ("staging", 7), ("development", 3))
START_PAGES = (("/products", 0.55), ("/login", 0.15), ("/orders", 0.15), ("/cart", 0.15))
NEXT_PAGES = ds.NEXT_PAGES
AMOUNTS = (12900, 25800, 39000, 45000, 54900, 89000, 129000, 139000, 249000, 329000)


@dataclass
class Visitor:
    user_id: str
    session_id: str
    env: str
    browser: dict[str, str]
    payment_ids: list[str] = field(default_factory=list)


class Population:
    """Users user_1 … user_500, a few of them much more active; QA accounts outside production."""

    def __init__(self, rng: random.Random, users: int = 500) -> None:
        self.rng = rng
        self.users = list(range(1, users + 1))
        weights = [rng.paretovariate(1.3) for _ in self.users]
        total = 0.0
        self.cum_weights = [total := total + w for w in weights]

    def visitor(self, user: int | None = None, env: str | None = None) -> Visitor:
        rng = self.rng
        env = env or rng.choices([e for e, _ in ENVIRONMENTS], weights=[w for _, w in ENVIRONMENTS])[0]
        if user is None:
            if env == "production":
                user = rng.choices(self.users, cum_weights=self.cum_weights)[0]
            else:
                user = rng.randint(1, 30 if env == "staging" else 5)
        name, versions, _ = rng.choices(v.BROWSERS, weights=[b[2] for b in v.BROWSERS])[0]
        if name == "Safari":
            os_name, device = rng.choice((("iOS", "mobile"), ("iOS", "mobile"), ("macOS", "desktop")))
        elif name == "Samsung Internet":
            os_name, device = "Android", "mobile"
        else:
            os_name, device = rng.choice(
                (("Windows", "desktop"), ("Windows", "desktop"), ("macOS", "desktop"), ("Android", "mobile"))
            )
        browser = {"browser": name, "browser_version": rng.choice(versions), "os": os_name, "device": device}
        return Visitor(f"user_{user}", f"sess_{rng.getrandbits(64):016x}", env, browser)


class WebApp:
    """The Svelte shop: pages, what they load, what users click, what goes wrong in the browser."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def trace_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    # ---- primitives ---------------------------------------------------------------------------

    def log(
        self, u: Visitor, level: str, message: str, page: str, *, trace: str | None = None,
        action: str | None = None, extra: dict[str, Any] | None = None, **columns: Any,
    ) -> Log:  # fmt: skip
        record: dict[str, Any] = {
            "level": level, "log_type": "FRONTEND", "service": v.WEB_APP, "environment": u.env,
            "service_version": v.version(v.WEB_APP, u.env), "user_id": u.user_id,
            "session_id": u.session_id, "message": message, "path": page,
            "metadata": {**u.browser, **(extra or {})},
        }  # fmt: skip
        if trace:
            record["trace_id"] = trace
        if action:
            record["action_type"] = action
        record.update(columns)
        return Log(record)

    def call(
        self, u: Visitor, trace: str, method: str, path: str, *, force: tuple[str, str] | None = None,
        params: dict[str, str] | None = None, body: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Steps:  # fmt: skip
        """Call an API in ``trace``; returns its Response."""
        req = Request(
            method, path, trace, u.env, u.user_id, u.session_id, params or {}, body, meta or {}, force
        )
        response = yield Call(req)
        assert response is not None
        return response

    def after_failure(self, u: Visitor, page: str, trace: str, method: str, path: str, r: Response) -> Steps:
        """How the page reports a failed call: NetworkError without an answer, WARN with one."""
        rng = self.rng
        yield Sleep(rng.uniform(0.01, 0.2))
        if r.timed_out or (r.error_type == v.TMO and rng.random() < 0.5):
            message, stack = v.js_network_error(path, method, "request timed out (no response)")
            yield self.log(
                u, "ERROR", message, page, trace=trace, error_type="NetworkError", stack_trace=stack
            )
        elif rng.random() < 0.7:
            yield self.log(u, "WARN", f"{method} {path} returned {r.status}; showing error message", page,
                           trace=trace, extra={"status_code": r.status})  # fmt: skip

    def click(self, u: Visitor, page: str, target: str) -> tuple[str, Log]:
        trace = self.trace_id()
        return trace, self.log(u, "INFO", f"click {target}", page, trace=trace, action="click")

    # ---- a session ----------------------------------------------------------------------------

    def session(self, u: Visitor) -> Steps:
        """Up to eight pages, starting where people land, following the usual paths."""
        rng = self.rng
        page: str | None = rng.choices([p for p, _ in START_PAGES], weights=[w for _, w in START_PAGES])[0]
        previous = None
        for _ in range(8):
            assert page is not None
            stop = yield from self.visit(u, page, previous)
            if stop:
                return
            options = NEXT_PAGES[page]
            nxt = rng.choices([p for p, _ in options], weights=[w for _, w in options])[0]
            if nxt is None:
                return
            if page == "/cart" and nxt == "/checkout":
                yield self.click(u, page, "proceed_to_checkout")[1]
            previous, page = page, nxt
            yield Sleep(rng.uniform(0.2, 1.5))

    def visit(self, u: Visitor, page: str, previous: str | None) -> Steps:
        """One page: its view, the data it loads, maybe a browser error, then what the user does."""
        rng = self.rng
        trace = self.trace_id()
        load_ms = rng.lognormvariate(math.log(600), 0.5)
        if previous is None:
            yield self.log(u, "INFO", f"page_view {page}", page, trace=trace, action="view",
                           extra={"load_ms": round(load_ms)})  # fmt: skip
        else:
            yield self.log(u, "INFO", f"navigate {previous} -> {page}", page, trace=trace, action="navigate",
                           extra={"load_ms": round(load_ms), "from": previous})  # fmt: skip
        if rng.random() < (0.3 if u.env != "production" else 0.06):
            yield self.log(u, "DEBUG", rng.choice(("store hydrated", "feature flags loaded (12 flags)",
                                                  "service worker ready")), page, trace=trace)  # fmt: skip
        loads = {
            "/products": [("GET", v.PRODUCTS), ("GET", v.INVENTORY)] + ([("GET", v.SEARCH)] if rng.random() < 0.5 else []),
            "/cart": [("GET", v.INVENTORY)],
            "/orders": [("GET", v.ORDERS)],
        }.get(page, [])  # fmt: skip
        for method, path in loads:
            r = yield from self.call(u, trace, method, path)
            if not r.ok:
                yield from self.after_failure(u, page, trace, method, path, r)
        if load_ms > 2500 and rng.random() < 0.5:
            yield self.log(u, "WARN", f"slow page render: {load_ms:.0f} ms (LCP)", page, trace=trace,
                           extra={"load_ms": round(load_ms)})  # fmt: skip
        weight = (4.0 if u.browser["browser"] == "Safari" else 1.0) * {"/cart": 3, "/products": 2}.get(
            page, 1
        )
        if page in v.TYPE_ERROR_PAGES and rng.random() < 0.0015 * weight:
            yield Sleep(rng.uniform(0.2, 2.0))
            message, stack = v.js_type_error(page)
            yield self.log(u, "ERROR", message, page, trace=trace, error_type="TypeError", stack_trace=stack)
        yield Sleep(load_ms / 1000 + rng.uniform(3, 40))
        return (yield from self.interact(u, page))

    def interact(self, u: Visitor, page: str) -> Steps:
        """What the user does on ``page``; returns True when the session ends there."""
        rng = self.rng
        if page == "/products":
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                target = rng.choice(("product_card", "filter_category", "sort_by_price", "next_page"))
                yield self.click(u, page, target)[1]
                yield Sleep(rng.uniform(2, 25))
            if rng.random() < 0.5:
                trace, log = self.click(u, page, "add_to_cart")
                yield log
                r = yield from self.call(u, trace, "PUT", v.ORDERS, meta={"items": rng.randint(1, 3)})
                if not r.ok:
                    yield from self.after_failure(u, page, trace, "PUT", v.ORDERS, r)
                yield Sleep(rng.uniform(2, 20))
        elif page == "/cart":
            for target, method, p in (("update_quantity", "PUT", 0.3), ("remove_item", "DELETE", 0.15)):
                if rng.random() < p:
                    trace, log = self.click(u, page, target)
                    yield log
                    r = yield from self.call(u, trace, method, v.ORDERS)
                    if not r.ok:
                        yield from self.after_failure(u, page, trace, method, v.ORDERS, r)
                    yield Sleep(rng.uniform(2, 15))
        elif page == "/login":
            for _attempt in range(2):
                trace = self.trace_id()
                yield self.log(u, "INFO", "submit login_form", page, trace=trace, action="submit")
                r = yield from self.call(u, trace, "POST", v.LOGIN)
                if r.ok:
                    yield Sleep(rng.uniform(1, 5))
                    return False
                yield from self.after_failure(u, page, trace, "POST", v.LOGIN, r)
                yield Sleep(rng.uniform(5, 30))
            return True
        elif page == "/checkout":
            if rng.random() < 0.15:
                return True  # abandoned
            paid = yield from self.checkout(u)
            return not paid
        elif page == "/orders":
            if rng.random() < 0.4:
                trace, log = self.click(u, page, "order_detail")
                yield log
                if u.payment_ids:
                    params = {"payment_id": rng.choice(u.payment_ids)}
                    r = yield from self.call(u, trace, "GET", v.PAYMENT_BY_ID, params=params)
                else:
                    r = yield from self.call(u, trace, "GET", v.ORDERS)
                yield Sleep(rng.uniform(3, 30))
            if rng.random() < 0.08:
                trace, log = self.click(u, page, "cancel_order")
                yield log
                r = yield from self.call(u, trace, "DELETE", v.ORDERS)
                if r.ok and u.payment_ids:
                    payment_id = u.payment_ids.pop()
                    r = yield from self.call(u, trace, "POST", v.REFUND, body={"payment_id": payment_id},
                                             meta={"payment_id": payment_id})  # fmt: skip
                    if r.ok:
                        yield self.log(u, "INFO", "refund_requested", page, trace=trace)
                if not r.ok:
                    yield from self.after_failure(u, page, trace, "POST", v.REFUND, r)
                yield Sleep(rng.uniform(2, 10))
        return False

    def checkout(
        self, u: Visitor, *, order_force: tuple[str, str] | None = None,
        pay_forces: tuple[tuple[str, str] | None, ...] = (None,), trace: str | None = None,
    ) -> Steps:  # fmt: skip
        """Submit the checkout form: POST /orders then POST /payment under one trace; a declined
        or timed-out payment is retried once about half the time. Returns whether it was paid."""
        rng = self.rng
        trace = trace or self.trace_id()
        amount = rng.choice(AMOUNTS)
        page = "/checkout"
        yield self.log(u, "INFO", "submit place_order", page, trace=trace, action="submit",
                       extra={"cart_total": amount})  # fmt: skip
        r = yield from self.call(
            u, trace, "POST", v.ORDERS, force=order_force, meta={"items": rng.randint(1, 5)}
        )
        if not r.ok:
            yield from self.after_failure(u, page, trace, "POST", v.ORDERS, r)
            return False
        order_id = str(r.body.get("order_id") or f"ord_{rng.randrange(10**8):08d}")
        for attempt, force in enumerate(pay_forces if len(pay_forces) > 1 else (*pay_forces, None)):
            if attempt:
                if len(pay_forces) == 1 and rng.random() < 0.5:
                    return False
                yield Sleep(rng.uniform(8, 40))
                trace = self.trace_id()
                yield self.log(u, "INFO", "submit retry_payment", page, trace=trace, action="submit",
                               extra={"cart_total": amount, "attempt": attempt + 1})  # fmt: skip
            body = {"user_id": u.user_id, "amount": amount, "currency": "KRW", "order_id": order_id}
            meta = {"amount": amount, "currency": "KRW", "order_id": order_id, "payment_method": "card"}
            r = yield from self.call(u, trace, "POST", v.PAYMENT, force=force, body=body, meta=meta)
            if r.ok:
                payment_id = str(r.body.get("payment_id", ""))
                if payment_id:
                    u.payment_ids.append(payment_id)
                yield Sleep(0.08)
                yield self.log(u, "INFO", "checkout_completed", page, trace=trace,
                               extra={"cart_total": amount, "payment_id": payment_id})  # fmt: skip
                return True
            yield from self.after_failure(u, page, trace, "POST", v.PAYMENT, r)
            if r.error_type not in (v.DECL, v.TMO) and not r.timed_out:
                return False
        return False

    # ---- scripted journeys ----------------------------------------------------------------------

    def failed_checkout(self, u: Visitor) -> Steps:
        """/cart → /checkout → a payment that times out → a retry that hits a DatabaseConnectionError
        (the seed's "what happened in user_123's last payment attempt")."""
        rng = self.rng
        yield from self.visit_only(u, "/cart", None)
        yield self.click(u, "/cart", "proceed_to_checkout")[1]
        yield Sleep(0.6)
        yield from self.visit_only(u, "/checkout", "/cart")
        yield Sleep(rng.uniform(20, 45))
        yield from self.checkout(
            u, order_force=("", ""),
            pay_forces=((v.TMO, "call_payment_gateway"), (v.DBC, "get_connection")),
        )  # fmt: skip

    def visit_only(self, u: Visitor, page: str, previous: str | None) -> Steps:
        trace = self.trace_id()
        load_ms = round(self.rng.lognormvariate(math.log(600), 0.4))
        if previous is None:
            yield self.log(
                u, "INFO", f"page_view {page}", page, trace=trace, action="view", extra={"load_ms": load_ms}
            )
        else:
            yield self.log(u, "INFO", f"navigate {previous} -> {page}", page, trace=trace, action="navigate",
                           extra={"load_ms": load_ms, "from": previous})  # fmt: skip
        if page == "/cart":
            yield from self.call(u, trace, "GET", v.INVENTORY, force=("", ""))


class Worker:
    """inventory-worker: a stock sync every few minutes (WORKER rows, ``metadata.job``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seq = 0

    def job(self, env: str) -> Steps:
        rng = self.rng
        self.seq += 1
        name = "sync_stock" if rng.random() < 0.7 else "reconcile_reservations"
        meta = {"job": name, "job_id": f"job_{self.seq:06d}"}
        base = {"log_type": "WORKER", "service": v.WORKER, "environment": env,
                "service_version": v.version(v.WORKER, env), "trace_id": f"{rng.getrandbits(128):032x}"}  # fmt: skip
        yield Log({**base, "level": "INFO", "message": f"job started: {name}", "metadata": meta})
        yield Sleep(rng.uniform(0.05, 0.3))
        if rng.random() < 0.5:
            yield Log({**base, "level": "DEBUG", "metadata": meta,
                       "message": f"fetched {rng.randint(20, 400)} pending stock updates from supplier feed"})  # fmt: skip
        elapsed = rng.lognormvariate(math.log(4000), 0.4)
        r = rng.random() * (2.0 if env == "staging" else 1.0)
        error = None
        if name == "sync_stock" and r < 0.006:
            error = (v.DBC, "sync_stock")
        elif name == "sync_stock" and r < 0.016:
            error = (v.TMO, "fetch_supplier_feed")
        yield Sleep(elapsed / 1000)
        if error is None:
            items = rng.randint(20, 400)
            if elapsed > 9000:
                yield Log({**base, "level": "WARN", "metadata": meta,
                           "message": f"job {name} took {elapsed:.0f} ms, close to its 10 s interval"})  # fmt: skip
            yield Log({**base, "level": "INFO", "message": f"job finished: {name} ({items} items)",
                       "metadata": {**meta, "items": items, "elapsed_ms": round(elapsed)}})  # fmt: skip
            return
        error_type, function = error
        message = v.error_message(v.WORKER, error_type, function, rng)
        stack = ds.python_trace(v.WORKER, "run_job", function, error_type, message, rng)
        yield Log({**base, "level": "ERROR", "message": message, "error_type": error_type,
                   "stack_trace": stack, "metadata": meta})  # fmt: skip
