"""One :class:`TextToSQL` per configuration, shared by the app's sessions, used on the app loop.

A service keeps one reader connection and a TTL-cached context, so it lives across reruns and
sessions (keyed by the settings and the engine). Its connection runs one statement at a time, so
calls on the same service are serialised by an :class:`asyncio.Lock`; an analyst app's traffic
(a few questions a minute) fits that easily.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from nlq_platform.app_support import bridge
from nlq_platform.config import Settings
from nlq_platform.text_to_sql.conversation import Conversation
from nlq_platform.text_to_sql.service import Answer, TextToSQL, error_text

ENGINES = ("auto", "offline", "anthropic")


@dataclass
class _Entry:
    service: TextToSQL
    lock: asyncio.Lock


_services: dict[tuple[str, str], _Entry] = {}
_guard = threading.Lock()


def _entry(settings: Settings, engine: str) -> _Entry:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (use {', '.join(ENGINES)})")
    key = (settings.model_dump_json(), engine)
    with _guard:
        entry = _services.get(key)
        if entry is None:
            entry = _services[key] = _Entry(TextToSQL(settings, engine=engine), asyncio.Lock())
        return entry


def service(settings: Settings, engine: str) -> TextToSQL:
    """The shared service for ``settings`` and ``engine`` (created on first use)."""
    return _entry(settings, engine).service


def ask(
    settings: Settings,
    engine: str,
    question: str,
    conversation: Conversation | None = None,
    timeout: float = 120,
) -> Answer:
    """``TextToSQL.ask`` on the app loop (following up within ``conversation``, the browser
    session's); never raises for a bad question or a database outage."""
    entry = _entry(settings, engine)

    async def go() -> Answer:
        async with entry.lock:
            return await entry.service.ask(question, conversation)

    return _wait(go(), Answer(question=question, engine=engine), timeout)


def run_sql(settings: Settings, engine: str, sql: str, question: str = "", timeout: float = 60) -> Answer:
    """``TextToSQL.run_sql`` (the same guard, reader role and READ ONLY transaction) on the app loop."""
    entry = _entry(settings, engine)

    async def go() -> Answer:
        async with entry.lock:
            return await entry.service.run_sql(sql, question)

    return _wait(go(), Answer(question=question, engine="sql", sql=sql), timeout)


def _wait(coro: Coroutine[Any, Any, Answer], failed: Answer, timeout: float) -> Answer:
    """The coroutine's answer; a timeout or an unexpected failure becomes ``failed`` with an error."""
    started = time.perf_counter()
    try:
        return bridge.run(coro, timeout)
    except TimeoutError:
        failed.error = f"no answer within {timeout:g} s; try a narrower question or time window"
    except Exception as exc:  # the service turns known failures into words; this is a last resort
        failed.error = error_text(exc)
    failed.elapsed_ms = (time.perf_counter() - started) * 1000
    return failed


def close_all() -> None:
    """Close every service's connection (tests; a long-lived app never needs to)."""
    with _guard:
        entries = list(_services.values())
        _services.clear()

    async def go() -> None:
        for entry in entries:
            await entry.service.aclose()

    bridge.run(go(), 30)
