"""The payments "database": in memory, behind a simulated connection pool that can fail.

A failing pool raises :class:`DatabaseConnectionError` from ``get_connection``, so the stack trace's
innermost frame (and so ``logs.function_name``) is where a real driver would fail.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from payment_api.errors import DatabaseConnectionError, PaymentNotFoundError, RefundRejectedError


@dataclass
class Payment:
    payment_id: str
    user_id: str
    amount: Decimal
    currency: str
    status: str
    created_at: datetime
    refunded: Decimal = Decimal(0)
    order_id: str | None = None
    metadata: dict[str, object] = field(default_factory=dict)

    def public(self) -> dict[str, object]:
        return {
            "payment_id": self.payment_id,
            "user_id": self.user_id,
            "amount": float(self.amount),
            "currency": self.currency,
            "status": self.status,
            "refunded": float(self.refunded),
            "order_id": self.order_id,
            "created_at": self.created_at.isoformat(),
        }


class PaymentStore:
    """Payments by id; ``query_ms`` is the simulated round trip of one query."""

    def __init__(self, query_ms: float = 8.0) -> None:
        self._payments: dict[str, Payment] = {}
        self._ids = itertools.count(1)
        self._refund_ids = itertools.count(1)
        self.query_ms = query_ms

    async def get_connection(self, fail: bool) -> None:
        await asyncio.sleep(self.query_ms / 1000)
        if fail:
            raise DatabaseConnectionError(
                "could not acquire a connection from pool 'payments-primary' within 2.0s "
                "(pool size 20, 20 in use)"
            )

    async def insert_payment(self, payment: Payment, *, fail: bool = False) -> Payment:
        await self.get_connection(fail)
        payment.payment_id = f"pay_{next(self._ids):08d}"
        self._payments[payment.payment_id] = payment
        return payment

    async def fetch_payment(self, payment_id: str, *, fail: bool = False) -> Payment:
        await self.get_connection(fail)
        found = self._payments.get(payment_id)
        if found is None:
            raise PaymentNotFoundError(f"payment {payment_id} does not exist")
        return found

    async def record_refund(self, payment_id: str, amount: Decimal | None, *, fail: bool = False) -> str:
        payment = await self.fetch_payment(payment_id, fail=fail)
        left = payment.amount - payment.refunded
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise RefundRejectedError(f"refund of {amount} exceeds the {left} left on {payment_id}")
        payment.refunded += amount
        payment.status = "refunded" if payment.refunded == payment.amount else "partially_refunded"
        return f"ref_{next(self._refund_ids):08d}"


def now() -> datetime:
    return datetime.now(UTC)
