"""Run the demo payment-api (examples/payment-api) as a real uvicorn process on a free port.

``PaymentApiServer(env={"PAYMENT_API_LOG_SERVER_URL": ingest.url, "PAYMENT_API_LOG_API_KEY": key})
.start()``; ``.url``; ``.stop()`` (also a context manager). Used by the payment-api tests and the
browser end-to-end test (with ``PAYMENT_API_WEB_DIST`` pointing at the built web app).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

from nlq_platform.config import REPO_ROOT
from tests.support.pg import free_port

APP_DIR = REPO_ROOT / "examples" / "payment-api"


@dataclass
class PaymentApiServer:
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> PaymentApiServer:
        cmd = [
            sys.executable, "-m", "uvicorn", "--app-dir", str(APP_DIR), "payment_api.main:create_app",
            "--factory", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
        ]  # fmt: skip
        env = {"PAYMENT_API_ENVIRONMENT": "test", **os.environ, **self.env}
        self.proc = subprocess.Popen(cmd, env=env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"payment-api exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("payment-api did not start")

    def stop(self) -> None:
        """SIGTERM, so the app's lifespan flushes its logger before exiting."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> PaymentApiServer:
        return self.start() if self.proc is None else self

    def __exit__(self, *_: object) -> None:
        self.stop()
