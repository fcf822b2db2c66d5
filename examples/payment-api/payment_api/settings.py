"""payment-api configuration, read once from ``PAYMENT_API_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from payment_api.failures import FailureModes

ENVIRONMENTS = ("production", "staging", "development", "test", "local")


@dataclass
class Settings:
    log_server_url: str = "http://127.0.0.1:8000"
    #: what the browser should use (the web app posts its own logs); default: log_server_url
    public_log_server_url: str | None = None
    api_key: str | None = None
    environment: str = "development"
    version: str = "v2.4.1"
    failures: FailureModes = field(default_factory=FailureModes)
    web_dist: Path | None = None
    #: multiplies every simulated latency (tests use a small value)
    latency_scale: float = 1.0
    seed: int | None = None
    cors_origins: tuple[str, ...] = ("*",)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Settings from the environment; a bad value raises ValueError naming the variable."""
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = env.get(f"PAYMENT_API_{name}", "").strip()
            return value or None

        s = cls()
        s.log_server_url = get("LOG_SERVER_URL") or s.log_server_url
        s.public_log_server_url = get("PUBLIC_LOG_SERVER_URL")
        s.api_key = get("LOG_API_KEY")
        s.environment = (get("ENVIRONMENT") or s.environment).lower()
        if s.environment not in ENVIRONMENTS:
            raise ValueError(f"PAYMENT_API_ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}")
        s.version = get("VERSION") or s.version
        try:
            s.failures = FailureModes.parse(get("FAILURES"))
        except ValueError as exc:
            raise ValueError(f"PAYMENT_API_FAILURES: {exc}") from None
        dist = get("WEB_DIST")
        if dist is not None:
            s.web_dist = Path(dist)
            if not (s.web_dist / "index.html").is_file():
                raise ValueError(f"PAYMENT_API_WEB_DIST: {dist} has no index.html (build the web app)")
        try:
            s.latency_scale = float(get("LATENCY_SCALE") or 1.0)
            s.seed = int(seed) if (seed := get("SEED")) is not None else None
        except ValueError as exc:
            raise ValueError(f"PAYMENT_API_LATENCY_SCALE / PAYMENT_API_SEED: {exc}") from None
        if s.latency_scale < 0:
            raise ValueError("PAYMENT_API_LATENCY_SCALE must not be negative")
        origins = get("CORS_ORIGINS")
        if origins is not None:
            s.cors_origins = tuple(o.strip() for o in origins.split(",") if o.strip())
        return s

    def browser_config(self) -> dict[str, str | None]:
        """``/config.json``: what the same-origin web app needs to log and to call this API."""
        return {
            "logServerUrl": self.public_log_server_url or self.log_server_url,
            "apiKey": self.api_key,
            "service": "web-app",
            "environment": self.environment,
            "paymentApiUrl": "",
        }
