"""Alerts about System A: always a structured log line; a webhook POST when one is configured.

The seed published failures to Pub/Sub; here the transport is a plain JSON webhook (Slack,
Teams, Alertmanager and most incident tools accept one), so nothing depends on a cloud service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog

log = structlog.get_logger("nlq.alerts")


@dataclass
class Notifier:
    webhook_url: str | None = None
    timeout_s: float = 5.0

    def send(self, kind: str, message: str, **details: Any) -> bool:
        """Log the alert; POST it to the webhook when set. True when the webhook accepted it."""
        payload = {
            "type": kind,
            "timestamp": datetime.now(UTC).isoformat(),
            "message": message,
            **details,
        }
        log.error("nlq.alert", **payload)
        if not self.webhook_url:
            return False
        try:
            response = httpx.post(self.webhook_url, json=payload, timeout=self.timeout_s)
            response.raise_for_status()
            return True
        except httpx.HTTPError as exc:  # an alert must never take the sender down
            log.warning("nlq.alert.webhook_failed", error=str(exc), url=self.webhook_url)
            return False
