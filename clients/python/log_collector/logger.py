"""``Logger``: the application-facing API and its single background sender.

The hot path (``logger.info(...)``) builds one small dict and appends it to a bounded deque under
a lock held for a few hundred nanoseconds; it never does I/O, never blocks on the network and
never raises. One daemon thread per logger takes batches of up to ``batch_size`` records (or
whatever is queued every ``flush_interval`` seconds), encodes them as a gzip JSON array and POSTs
them with an ``Idempotency-Key`` that stays the same across retries of that batch, so a batch the
server stored but whose answer was lost is not stored twice.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import itertools
import logging
import math
import os
import random
import sys
import threading
import time
import traceback
import uuid
import weakref
from collections import deque
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from log_collector import _fields
from log_collector._encode import dumps, dumps_lenient
from log_collector.context import _CURRENT

__all__ = ["Logger"]

_internal = logging.getLogger("log_collector")
_time = time.time
_monotonic = time.monotonic
_COLUMNS = _fields.COLUMN_FIELDS
_LIMITS = _fields.VARCHAR_LIMITS
_USER_AGENT = "log-collector-python/0.1.0"

#: idents of sender threads: their own logging (httpx, this package) is never collected
SENDER_THREADS: set[int] = set()
_LOGGERS: weakref.WeakSet[Logger] = weakref.WeakSet()


class _NotFromSender(logging.Filter):
    """Keeps httpx's per-request INFO lines from the sender threads out of the app's logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.get_ident() not in SENDER_THREADS


logging.getLogger("httpx").addFilter(_NotFromSender())


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1]
    if exc_info:
        return sys.exc_info()[1]
    return None


def exception_fields(exc: BaseException) -> tuple[str, str]:
    """(error_type, stack_trace) of an exception, the trace formatted as Python prints it."""
    return type(exc).__name__, "".join(traceback.format_exception(exc))


def _canonical(value: str, table: dict[str, str], what: str, allowed: tuple[str, ...]) -> str:
    found = table.get(str(value).strip().lower())
    if found is None:
        raise ValueError(f"{what} must be one of {', '.join(allowed)} (got {value!r})")
    return found


class Logger:
    """Structured logs to the ingest service.

    >>> logger = Logger(service="payment-api", environment="production",
    ...                 log_server_url="http://localhost:8000", api_key="...")
    >>> logger.info("payment_success", trace_id=tid, user_id="u1", path="/api/v1/payment",
    ...             duration_ms=123.45, amount=1000)   # amount → metadata

    Keyword arguments named like a ``logs`` column go to that column; all others (and an
    explicit ``metadata={...}``) go to ``metadata``. ``exc_info=True`` (or an exception) on any
    level adds ``error_type`` and ``stack_trace``.
    """

    def __init__(
        self,
        service: str,
        environment: str = "development",
        log_server_url: str | None = None,
        api_key: str | None = None,
        *,
        service_version: str | None = None,
        log_type: str = "BACKEND",
        min_level: str | int = "DEBUG",
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        max_queue_size: int = 100_000,
        max_retries: int = 10,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 60.0,
        timeout: float = 10.0,
        exit_timeout: float = 5.0,
        compress: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not service:
            raise ValueError("service is required")
        if batch_size < 1 or max_queue_size < 1:
            raise ValueError("batch_size and max_queue_size must be positive")
        base = log_server_url or os.environ.get("LOG_COLLECTOR_URL") or "http://localhost:8000"
        self.url = base.rstrip("/") + "/logs"
        self.service = service
        self._common: dict[str, Any] = {
            "service": service,
            "environment": _canonical(
                environment, _fields.ENVIRONMENT_ALIASES, "environment", _fields.ENVIRONMENTS
            ),
            "log_type": _canonical(
                log_type, {t.lower(): t for t in _fields.LOG_TYPES}, "log_type", _fields.LOG_TYPES
            ),
        }
        if service_version:
            self._common["service_version"] = service_version[: _LIMITS["service_version"]]
        self._min_level = _fields.LEVEL_NUMBERS[_fields.level_name(min_level)]
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_queue = max_queue_size
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._max_retry_after = max_retry_after
        self._timeout = timeout
        self._exit_timeout = exit_timeout
        self._compress = compress
        self._transport = transport
        key = api_key if api_key is not None else os.environ.get("LOG_COLLECTOR_API_KEY")
        self._headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENT}
        if compress:
            self._headers["Content-Encoding"] = "gzip"
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._closed = False
        self._setup()
        _LOGGERS.add(self)
        atexit.register(self._at_exit)

    # ------------------------------------------------------------------ state and thread

    def _setup(self) -> None:
        """Fresh queue, counters, synchronisation and sender (at start and in a forked child)."""
        self._queue: deque[dict[str, Any]] = deque(maxlen=self._max_queue)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._flushed = threading.Condition(threading.Lock())
        self._flush_requested = 0
        self._flush_done = 0
        self._deadline = math.inf
        self._enqueued = itertools.count()  # next() is atomic: no lock on the hot path
        self._late = itertools.count()  # logged after close()
        self._taken = 0  # records the sender took off the queue (only the sender writes it)
        self._abandoned = 0  # still queued when close() ran out of time
        self._sent = 0
        self._rejected = 0
        self._retries = 0
        self._failed_batches = 0
        self._failed_records = 0
        self._batches = 0
        self._in_flight = 0
        self._quiet_until = 0.0
        self._suppressed = 0
        self._client = httpx.Client(
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
            transport=self._transport,
            headers=self._headers,
        )
        self._thread = threading.Thread(target=self._run, name="log-collector-sender", daemon=True)
        self._thread.start()

    def _after_fork(self) -> None:
        # The parent sends what was queued before the fork; the child starts empty, with its own
        # connections (sharing the parent's sockets would interleave two processes' requests).
        if not self._closed:
            self._setup()

    # ------------------------------------------------------------------ the application API

    def debug(self, message: str, /, **fields: Any) -> None:
        if self._min_level <= 10:
            self._emit("DEBUG", message, fields)

    def info(self, message: str, /, **fields: Any) -> None:
        if self._min_level <= 20:
            self._emit("INFO", message, fields)

    def warn(self, message: str, /, **fields: Any) -> None:
        if self._min_level <= 30:
            self._emit("WARN", message, fields)

    warning = warn

    def error(self, message: str, /, **fields: Any) -> None:
        if self._min_level <= 40:
            self._emit("ERROR", message, fields)

    def fatal(self, message: str, /, **fields: Any) -> None:
        self._emit("FATAL", message, fields)

    critical = fatal

    def exception(self, message: str, /, **fields: Any) -> None:
        """An ERROR record with the active exception's class name and stack trace."""
        if self._min_level <= 40:
            fields.setdefault("exc_info", True)
            self._emit("ERROR", message, fields)

    def log(self, level: str | int, message: str, /, **fields: Any) -> None:
        try:
            name = _fields.level_name(level)
        except ValueError:
            name = "INFO"
        if self._min_level <= _fields.LEVEL_NUMBERS[name]:
            self._emit(name, message, fields)

    def _emit(self, level: str, message: Any, fields: dict[str, Any]) -> None:
        try:
            rec: dict[str, Any] = {"created_at": _time(), "level": level, "message": message}
            ctx = _CURRENT.get()
            meta = None
            if ctx is not None:
                rec.update(ctx.columns)
                meta = ctx.metadata  # shared and never mutated
            if fields:
                extra = None
                for k, v in fields.items():
                    if k in _COLUMNS:
                        rec[k] = v
                    elif extra is None:
                        extra = {k: v}
                    else:
                        extra[k] = v
                if extra is not None:
                    explicit = extra.pop("metadata", None)
                    exc_info = extra.pop("exc_info", None)
                    if meta:
                        extra = {**meta, **extra}
                    if explicit is not None:
                        if isinstance(explicit, dict):
                            extra.update(explicit)
                        else:
                            extra["metadata"] = explicit
                    meta = extra
                    if exc_info:
                        exc = _exception_of(exc_info)
                        if exc is not None:
                            error_type, stack = exception_fields(exc)
                            rec.setdefault("error_type", error_type)
                            rec.setdefault("stack_trace", stack)
            if meta:
                rec["metadata"] = meta
            self._enqueue(rec)
        except Exception:  # never into the application
            next(self._late)

    def _enqueue(self, rec: dict[str, Any]) -> None:
        # Lock-free: deque.append and next(count) are atomic under the GIL, and a full
        # deque(maxlen=...) drops its oldest item inside append. (An uncontended Lock costs more
        # than everything else here together.)
        if self._closed:
            next(self._late)
            return
        queue = self._queue
        queue.append(rec)
        next(self._enqueued)
        if len(queue) >= self._batch_size and not self._wake._flag:
            self._wake.set()

    def stats(self) -> dict[str, int]:
        """Counters since start: enqueued, sent, dropped, retries, failed_batches, and more.

        ``dropped`` counts records lost to a full queue (the oldest go first), logged after
        ``close()``, or still queued when ``close()`` ran out of time. Exact once the logger is
        idle; while records are being logged the counters are read one after another.
        """
        queued = len(self._queue)
        taken = self._taken
        enqueued = _count_of(self._enqueued)
        with self._lock:
            return {
                "enqueued": enqueued,
                "sent": self._sent,
                "dropped": max(0, enqueued - taken - queued) + _count_of(self._late) + self._abandoned,
                "retries": self._retries,
                "failed_batches": self._failed_batches,
                "failed_records": self._failed_records,
                "rejected": self._rejected,
                "batches": self._batches,
                "queued": queued + self._in_flight,
            }

    def flush(self, timeout: float = 10.0) -> bool:
        """Send everything queued so far; True when it was sent (or given up on) in time."""
        if self._closed or not self._thread.is_alive():
            return not self._queue
        with self._flushed:
            self._flush_requested += 1
            target = self._flush_requested
        self._wake.set()
        with self._flushed:
            return self._flushed.wait_for(lambda: self._flush_done >= target, timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Send what is queued (retrying within ``timeout`` seconds), then stop. Idempotent.

        True when everything queued was delivered in time; never raises, never waits longer
        than about ``timeout`` seconds (default ``exit_timeout``).
        """
        timeout = self._exit_timeout if timeout is None else timeout
        with self._lock:
            if self._closed:
                return not self._queue and not self._thread.is_alive()
            self._closed = True
        with contextlib.suppress(Exception):  # the interpreter may be shutting down
            atexit.unregister(self._at_exit)
        failed_before = self._failed_records
        self._deadline = _monotonic() + timeout
        self._closing.set()
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout + 0.5)
        return (
            not self._queue
            and not self._thread.is_alive()
            and self._failed_records == failed_before
            and not self._abandoned
        )

    def _at_exit(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __enter__(self) -> Logger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the sender thread

    def _run(self) -> None:
        SENDER_THREADS.add(threading.get_ident())
        last = _monotonic()
        try:
            while True:
                pending_flush = self._flush_requested != self._flush_done
                if not self._closing.is_set() and not pending_flush:
                    wait = last + self._flush_interval - _monotonic()
                    if wait > 0 and len(self._queue) < self._batch_size:
                        self._wake.wait(wait)
                self._wake.clear()
                closing = self._closing.is_set()
                target = self._flush_requested
                due = closing or target != self._flush_done or _monotonic() >= last + self._flush_interval
                try:
                    self._drain(everything=due)
                except Exception:  # pragma: no cover - a bug must not kill the sender
                    _internal.exception("log_collector: sender error")
                if due:
                    last = _monotonic()
                    with self._flushed:
                        self._flush_done = max(self._flush_done, target)
                        self._flushed.notify_all()
                if closing:
                    return
        finally:
            left = len(self._queue)  # still queued when close() ran out of time: dropped
            self._taken += left
            self._abandoned += left
            self._queue.clear()
            with self._flushed:
                self._flush_done = self._flush_requested
                self._flushed.notify_all()
            self._client.close()
            SENDER_THREADS.discard(threading.get_ident())

    def _drain(self, *, everything: bool) -> None:
        size = self._batch_size
        while True:
            with self._lock:
                queue = self._queue
                n = len(queue)
                if n == 0 or (n < size and not everything):
                    return
                take = min(n, size)
                # counted before popping: a concurrent stats() may under-count drops, never over-count
                self._taken += take
                popleft = queue.popleft
                batch = [popleft() for _ in range(take)]
                self._in_flight = take
            try:
                self._send(batch)
            finally:
                self._in_flight = 0
            if self._closing.is_set() and _monotonic() >= self._deadline:
                return

    def _encode(self, batch: list[dict[str, Any]]) -> bytes | None:
        common = self._common
        prepared = [_wire(rec, common) for rec in batch]
        try:
            return dumps(prepared)
        except Exception:
            parts = []
            for rec in prepared:
                try:
                    parts.append(dumps_lenient(rec))
                except Exception:
                    self._count_failed(1, batches=0)
            return b"[" + b",".join(parts) + b"]" if parts else None

    def _send(self, batch: list[dict[str, Any]]) -> None:
        payload = self._encode(batch)
        if payload is None:
            return
        body = gzip.compress(payload, compresslevel=5, mtime=0) if self._compress else payload
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        attempt = 0
        while True:
            timeout: float | None = self._timeout
            if self._closing.is_set():
                timeout = self._deadline - _monotonic()
                if timeout <= 0:
                    self._count_failed(len(batch))
                    return
            retry_after = None
            try:
                resp = self._client.post(
                    self.url, content=body, headers=headers, timeout=min(timeout, self._timeout)
                )
            except httpx.HTTPError as exc:
                why = f"{type(exc).__name__}: {exc}"
            else:
                status = resp.status_code
                if status < 300:
                    self._count_sent(len(batch), resp)
                    return
                if status == 413 and len(batch) > 1:
                    half = len(batch) // 2
                    self._send(batch[:half])
                    self._send(batch[half:])
                    return
                why = f"HTTP {status}: {resp.text[:200]}"
                if status < 500 and status not in (408, 429):
                    self._warn("%d records refused (%s)", len(batch), why)
                    self._count_failed(len(batch))
                    return
                retry_after = _retry_after(resp.headers.get("retry-after"))
            attempt += 1
            if attempt > self._max_retries:
                self._warn("gave up on %d records (%s)", len(batch), why)
                self._count_failed(len(batch))
                return
            with self._lock:
                self._retries += 1
            if retry_after is not None:
                delay = min(retry_after, self._max_retry_after) * random.uniform(1.0, 1.2)
            else:
                cap = min(self._backoff_max, self._backoff_base * 2 ** (attempt - 1))
                delay = cap * random.uniform(0.5, 1.0)
            self._sleep(delay)

    def _sleep(self, delay: float) -> None:
        """Back off; ``close()`` shortens the wait to its own deadline, never beyond."""
        end = _monotonic() + delay
        if not self._closing.is_set() and not self._closing.wait(delay):
            return
        remaining = min(end, self._deadline) - _monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def _count_sent(self, n: int, resp: httpx.Response) -> None:
        accepted, rejected = n, 0
        try:
            answer = resp.json()
            accepted = int(answer.get("accepted", n))
            rejected = len(answer.get("rejected") or ())
        except Exception:
            pass
        if rejected:
            self._warn("the server rejected %d of %d records", rejected, n)
        with self._lock:
            self._sent += accepted
            self._rejected += rejected
            self._batches += 1

    def _warn(self, message: str, *args: Any) -> None:
        """At most one warning per 10 s per logger, so an outage cannot flood the app's own logs."""
        now = _monotonic()
        if now < self._quiet_until:
            self._suppressed += 1
            return
        if self._suppressed:
            message += f" ({self._suppressed} similar warnings suppressed)"
        self._quiet_until, self._suppressed = now + 10.0, 0
        _internal.warning("log_collector %s: " + message, self.service, *args)

    def _count_failed(self, n: int, batches: int = 1) -> None:
        with self._lock:
            self._failed_batches += batches
            self._failed_records += n


def _count_of(counter: itertools.count[int]) -> int:
    """How many values an ``itertools.count()`` has produced (its repr is ``count(N)``)."""
    return int(repr(counter)[6:-1])


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _wire(rec: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """One queued record → the canonical wire record the service's fast path accepts.

    Runs on the sender thread, so the hot path never pays for it: drops None, stringifies ids,
    fits VARCHAR limits, and moves values no column can hold into metadata instead of losing
    the record.
    """
    out = common.copy()
    moved: dict[str, Any] | None = None
    for k, v in rec.items():
        if v is None:
            continue
        limit = _LIMITS.get(k)
        if limit is not None:
            if type(v) is not str:
                v = str(v)
            if not v:
                continue
            if len(v) > limit:
                if k == "trace_id" and len(v) == 36 and v.count("-") == 4:
                    v = v.replace("-", "")
                else:
                    v = v[:limit]
            out[k] = v
        elif k == "created_at" or k == "level" or k == "metadata":
            if k == "created_at" and isinstance(v, datetime):
                v = (v if v.tzinfo is not None else v.astimezone()).isoformat()
            out[k] = v
        elif k == "message":
            out[k] = (v if type(v) is str else str(v)) or "(empty message)"
        elif k == "duration_ms":
            try:
                ms = float(v)
            except (TypeError, ValueError):
                ms = math.nan
            if isinstance(v, bool) or not (0.0 <= ms <= _fields.MAX_DURATION_MS):
                moved = moved or {}
                moved["duration_ms"] = v if isinstance(v, int | float | str) else str(v)
            else:
                out[k] = v if type(v) is int or type(v) is float else ms
        elif k == "method":
            method = str(v).strip().upper()
            if method in _fields.HTTP_METHODS:
                out[k] = method
            else:
                moved = moved or {}
                moved["method"] = str(v)
        elif k == "environment":
            env = _fields.ENVIRONMENT_ALIASES.get(str(v).strip().lower())
            if env is not None:
                out[k] = env
        elif k == "log_type":
            kind = str(v).strip().upper()
            if kind in _fields.LOG_TYPES:
                out[k] = kind
        elif k == "stack_trace":
            v = v if type(v) is str else str(v)
            if v:
                out[k] = v
        else:  # pragma: no cover - the hot path only stores the keys above
            moved = moved or {}
            moved[k] = v
    if moved:
        out["metadata"] = {**out.get("metadata", {}), **moved}
    if "message" not in out:
        out["message"] = "(empty message)"
    return out


def _after_fork_in_child() -> None:
    for logger in list(_LOGGERS):
        with contextlib.suppress(Exception):
            logger._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
