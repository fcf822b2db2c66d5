"""The card network, simulated: latency, timeouts and declines happen here, in named functions."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

from payment_api.errors import PaymentDeclinedError

DECLINE_REASONS = ("insufficient_funds", "card_expired", "do_not_honor", "suspected_fraud")


class PaymentGateway:
    """``latency_ms`` is the median of a charge; ``timeout_ms`` how long before giving up."""

    def __init__(self, rng: random.Random, latency_ms: float = 120.0, timeout_ms: float = 3000.0) -> None:
        self.rng = rng
        self.latency_ms = latency_ms
        self.timeout_ms = timeout_ms

    async def charge_card(
        self, user_id: str, amount: Decimal, currency: str, *, timeout: bool, declined: bool, slow: bool
    ) -> str:
        """An authorisation code, or PaymentDeclinedError / TimeoutError."""
        answer = await self.call_payment_gateway(amount, timeout=timeout, slow=slow)
        return self.handle_gateway_response(answer, declined=declined)

    async def call_payment_gateway(self, amount: Decimal, *, timeout: bool, slow: bool) -> dict[str, str]:
        if timeout:
            await asyncio.sleep(self.timeout_ms / 1000)
            raise TimeoutError(f"payment gateway did not answer within {self.timeout_ms:.0f} ms")
        ms = self.latency_ms * self.rng.lognormvariate(0.0, 0.35)
        if slow:  # a congested acquirer: 1.1 to 3 seconds, whatever the latency scale
            ms += self.rng.uniform(1100.0, 3000.0)
        await asyncio.sleep(ms / 1000)
        return {"result": "approved", "auth_code": f"{self.rng.randrange(16**6):06X}"}

    def handle_gateway_response(self, answer: dict[str, str], *, declined: bool) -> str:
        if declined:
            reason = self.rng.choice(DECLINE_REASONS)
            raise PaymentDeclinedError(f"card declined by issuer: {reason}")
        return answer["auth_code"]
