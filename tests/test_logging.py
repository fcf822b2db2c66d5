"""One log stream: structlog events and stdlib records (uvicorn, asyncpg, dagster, httpx, warnings)
come out in one format, JSON lines only with NLQ_LOG_FORMAT=json, with request ids on ingest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nlq_platform.config import Settings
from tests.conftest import API_KEY_ANY, settings_env
from tests.support.pg import free_port

EMIT_EVERY_KIND = """
import logging, warnings, structlog
from nlq_platform.config import load_settings
from nlq_platform.logging import configure_logging
logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler())  # as uvicorn's dictConfig does
configure_logging(load_settings())
configure_logging(load_settings())  # twice: still one handler, one line per record
structlog.get_logger("nlq").info("structlog.event", answer=42)
logging.getLogger("uvicorn.error").info("Uvicorn running on http://127.0.0.1:1")
logging.getLogger("asyncpg").warning("connection lost")
logging.getLogger("dagster").error("run failed")
logging.getLogger("httpx").info("HTTP Request: POST http://x 200 OK")
warnings.warn("old option", DeprecationWarning, stacklevel=1)
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("uvicorn.error").exception("boom")
"""


def run_emitter(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", EMIT_EVERY_KIND],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == ""  # stdout belongs to the commands' output
    return done.stderr.splitlines()


def test_json_format_gives_json_lines_only_for_every_logger() -> None:
    lines = run_emitter(NLQ_LOG_FORMAT="json", NLQ_LOG_LEVEL="INFO")
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    by_event = {r["event"]: r for r in records}
    assert by_event["structlog.event"]["answer"] == 42
    assert by_event["Uvicorn running on http://127.0.0.1:1"]["logger"] == "uvicorn.error"
    assert by_event["connection lost"]["level"] == "warning"
    assert by_event["run failed"]["logger"] == "dagster"
    assert "ZeroDivisionError" in by_event["boom"]["exception"]  # a traceback is a field, not lines
    assert any("old option" in r["event"] for r in records)  # warnings.warn goes through logging
    assert all({"timestamp", "level"} <= set(r) for r in records)
    # httpx's per-request INFO lines are chatter; one line per record though configured twice
    assert "HTTP Request: POST http://x 200 OK" not in by_event
    assert len(records) == len(by_event)


def test_console_format_and_level_filter_both_kinds() -> None:
    lines = run_emitter(NLQ_LOG_FORMAT="console", NLQ_LOG_LEVEL="WARNING")
    text = "\n".join(lines)
    assert "structlog.event" not in text and "Uvicorn running" not in text  # INFO filtered
    assert "connection lost" in text and "run failed" in text and "boom" in text
    assert not any(line.startswith("{") for line in lines)


@pytest.fixture
def json_ingest(settings: Settings, tmp_path: Path):
    """``nlq ingest serve`` (the real command, uvicorn inside) logging JSON at INFO to a file."""
    port = free_port()
    stderr = tmp_path / "ingest.stderr"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NLQ_")},
        **settings_env(settings, log_format="json", log_level="INFO", ingest_port=str(port)),
    }
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nlq_platform.cli.main", "ingest", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, stderr.read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield url, proc, stderr
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=15)


def test_ingest_logs_json_lines_with_the_request_id(json_ingest) -> None:
    url, proc, stderr = json_ingest
    batch = [{"message": "ok", "service": "demo", "log_type": "BACKEND"}, {"message": "no service"}]
    headers = {"Authorization": f"Bearer {API_KEY_ANY}", "X-Request-ID": "req-abc-123"}
    response = httpx.post(f"{url}/logs", json=batch, headers=headers, timeout=10)
    assert response.headers["x-request-id"] == "req-abc-123"
    generated = httpx.get(f"{url}/healthz", timeout=5).headers["x-request-id"]
    assert len(generated) == 32  # none sent: one is generated
    proc.terminate()
    proc.wait(timeout=15)

    lines = stderr.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # uvicorn's own lines included: JSON only
    loggers = {r.get("logger") for r in records}
    assert "uvicorn.error" in loggers  # "Started server process", "Application startup complete"
    rejected = [r for r in records if r["event"] == "ingest.rejected"]
    assert rejected and rejected[0]["request_id"] == "req-abc-123"
