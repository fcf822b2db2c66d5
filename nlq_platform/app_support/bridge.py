"""Running coroutines from Streamlit's script thread.

Streamlit re-runs the script top to bottom in a worker thread on every interaction, and
``asyncio.run`` per call would give every rerun a new loop — but an asyncpg connection belongs to
the loop that opened it, so a connection kept by :class:`TextToSQL` between reruns would break.
Instead one event loop runs for the life of the process in a daemon thread; the script thread
hands it coroutines (:func:`run`) and waits for their results. It works the same under
``streamlit run`` and ``AppTest`` (both run the script in a thread that has no loop of its own).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """An event loop running forever in a daemon thread, started on first use."""

    def __init__(self, name: str = "nlq-app-loop") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=serve, name=self.name, daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (its exception is re-raised here)."""
        if self._thread is not None and threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("LoopThread.run called from its own loop; await the coroutine instead")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise


_default = LoopThread()


def run(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coro`` on the process-wide app loop and return its result."""
    return _default.run(coro, timeout)


def loop() -> asyncio.AbstractEventLoop:
    """The process-wide app loop (started if needed)."""
    return _default.loop
