"""The FastAPI app: payments, refunds, products; failure modes; the web app's static files.

``create_app()`` is the uvicorn factory. It reads :class:`Settings` from the environment and logs
through one :class:`log_collector.Logger` (service ``payment-api``); logging never fails a request,
since the logger only queues records and never raises.
"""

from __future__ import annotations

import random
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from log_collector import Logger
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from payment_api import __version__
from payment_api.errors import PaymentApiError, ValidationError, status_of
from payment_api.failures import MODES
from payment_api.gateway import PaymentGateway
from payment_api.request_log import ApiRequestLog, set_failure, set_outcome
from payment_api.settings import Settings
from payment_api.store import Payment, PaymentStore, now

SERVICE = "payment-api"
CURRENCIES = {
    "KRW": Decimal(10_000_000),
    "USD": Decimal(10_000),
    "EUR": Decimal(10_000),
    "JPY": Decimal(1_000_000),
}

PRODUCTS = [
    {"product_id": "p-100", "name": "Wireless earbuds", "price": 89000, "currency": "KRW"},
    {"product_id": "p-101", "name": "Mechanical keyboard", "price": 139000, "currency": "KRW"},
    {"product_id": "p-102", "name": "USB-C hub", "price": 45000, "currency": "KRW"},
    {"product_id": "p-103", "name": "27-inch monitor", "price": 329000, "currency": "KRW"},
    {"product_id": "p-104", "name": "Laptop stand", "price": 39000, "currency": "KRW"},
    {"product_id": "p-105", "name": "Webcam 1080p", "price": 69000, "currency": "KRW"},
]


class PaymentRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=255)
    amount: Decimal = Field(gt=0)
    currency: str = Field(default="KRW", min_length=3, max_length=3)
    order_id: str | None = Field(default=None, max_length=100)
    method: str = Field(default="card", max_length=30)
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=100)


class RefundRequest(BaseModel):
    payment_id: str = Field(min_length=1, max_length=100)
    amount: Decimal | None = Field(default=None, gt=0)
    reason: str | None = Field(default=None, max_length=200)


class SpaStaticFiles(StaticFiles):
    """Static files; a missing page path (``/checkout``) serves index.html for client-side routing."""

    async def get_response(self, path: str, scope: Scope) -> Any:
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            if exc.status_code != 404 or "." in Path(path).name:
                raise
            return await super().get_response("index.html", scope)


def validate_payment_request(body: PaymentRequest) -> str:
    """The business rules pydantic cannot express; returns the normalised currency."""
    currency = body.currency.upper()
    limit = CURRENCIES.get(currency)
    if limit is None:
        raise ValidationError(f"currency {currency} is not supported ({', '.join(CURRENCIES)})")
    if body.amount > limit:
        raise ValidationError(f"amount {body.amount} {currency} exceeds the {limit} {currency} limit")
    return currency


def create_app(settings: Settings | None = None) -> FastAPI:
    """The uvicorn factory. A bad ``PAYMENT_API_*`` value stops start-up with one clear line."""
    if settings is None:
        try:
            settings = Settings.from_env()
        except ValueError as exc:
            raise SystemExit(f"payment-api: {exc}") from None
    rng = random.Random(settings.seed)
    logger = Logger(
        service=SERVICE,
        environment=settings.environment,
        log_server_url=settings.log_server_url,
        api_key=settings.api_key,
        service_version=settings.version,
    )
    store = PaymentStore(query_ms=8.0 * settings.latency_scale)
    gateway = PaymentGateway(
        rng, latency_ms=120.0 * settings.latency_scale, timeout_ms=3000.0 * settings.latency_scale
    )
    failures = settings.failures

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logger.info("service_started", version=settings.version, failure_modes=failures.as_dict())
        yield
        logger.info("service_stopping")
        logger.close(timeout=5.0)

    # /docs and /redoc serve Swagger UI and ReDoc from the package, not a CDN: they work offline
    app = FastAPIOffline(title="payment-api", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.logger = logger
    app.state.failures = failures
    app.add_middleware(ApiRequestLog, logger=logger)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Trace-Id"],
    )

    def forced(header: str | None) -> str | None:
        """``X-Simulate-Failure: db`` forces that mode for one request; anything else is ignored."""
        value = (header or "").strip().lower()
        return value if value in MODES else None

    @app.exception_handler(PaymentApiError)
    @app.exception_handler(TimeoutError)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        set_failure(exc)
        code = getattr(exc, "code", "gateway_timeout")
        return JSONResponse(
            {"status": "failed", "error": code, "detail": str(exc), "trace_id": _trace_id(request)},
            status_code=status_of(exc),
            headers={"X-Trace-Id": _trace_id(request)},
        )

    @app.post("/api/v1/payment", status_code=201)
    async def create_payment(
        request: Request,
        body: PaymentRequest,
        x_simulate_failure: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Charge a card: validate, charge through the gateway, store the payment."""
        force = forced(x_simulate_failure)
        set_outcome(
            "payment_failed",
            user_id=body.user_id,
            amount=float(body.amount),
            currency=body.currency.upper(),
            order_id=body.order_id,
            payment_method=body.method,
        )
        currency = validate_payment_request(body)
        auth_code = await gateway.charge_card(
            body.user_id,
            body.amount,
            currency,
            timeout=failures.roll("timeout", force, rng),
            declined=failures.roll("declined", force, rng),
            slow=failures.roll("slow", force, rng),
        )
        payment = await store.insert_payment(
            Payment("", body.user_id, body.amount, currency, "approved", now(), order_id=body.order_id),
            fail=failures.roll("db", force, rng),
        )
        set_outcome("payment_success", payment_id=payment.payment_id)
        return {"status": "approved", "payment_id": payment.payment_id, "auth_code": auth_code,
                "trace_id": _trace_id(request)}  # fmt: skip

    @app.get("/api/v1/payment/{payment_id}")
    async def get_payment(
        payment_id: str, x_simulate_failure: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        set_outcome("payment_lookup", payment_id=payment_id)
        payment = await store.fetch_payment(
            payment_id, fail=failures.roll("db", forced(x_simulate_failure), rng)
        )
        set_outcome(user_id=payment.user_id)
        return payment.public()

    @app.post("/api/v1/refund")
    async def refund(
        request: Request, body: RefundRequest, x_simulate_failure: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        set_outcome("refund_failed", payment_id=body.payment_id, reason=body.reason)
        refund_id = await store.record_refund(
            body.payment_id, body.amount, fail=failures.roll("db", forced(x_simulate_failure), rng)
        )
        set_outcome("refund_success", refund_id=refund_id)
        return {"status": "refunded", "refund_id": refund_id, "trace_id": _trace_id(request)}

    @app.get("/api/v1/products")
    async def products() -> list[dict[str, Any]]:
        set_outcome("products_listed", count=len(PRODUCTS))
        return PRODUCTS

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": SERVICE, "version": settings.version}

    @app.get("/config.json")
    async def config_json() -> dict[str, str | None]:
        """What the same-origin web app reads at start-up (log server, key, its service name)."""
        return settings.browser_config()

    @app.get("/admin/failures")
    async def get_failures() -> dict[str, float]:
        return failures.as_dict()

    @app.put("/admin/failures")
    async def put_failures(changes: Annotated[dict[str, Any], Body()]) -> Any:
        """Change failure probabilities at runtime, e.g. ``{"db": 0.2}``; all or nothing."""
        try:
            failures.update(changes)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        logger.warn("failure_modes_changed", failure_modes=failures.as_dict())
        return failures.as_dict()

    if settings.web_dist is not None:
        app.mount("/", SpaStaticFiles(directory=settings.web_dist, html=True), name="web-app")
    return app


def _trace_id(request: Request) -> str:
    return str(getattr(request.state, "trace_id", "") or "")


if __name__ == "__main__":  # pragma: no cover - `python -m payment_api.main` for a quick look
    import uvicorn

    sys.exit(uvicorn.run(create_app(), host="127.0.0.1", port=8001))
