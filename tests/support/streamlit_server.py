"""Run the analyst app as a real ``streamlit run`` process on a free port, for browser tests.

The process gets only the ``NLQ_*`` environment it is given (the developer's own ``NLQ_*`` and
``ANTHROPIC_*`` variables are dropped), so a test decides which database and engine it sees.
Its output goes to a log file that a failed start quotes, because Streamlit reports a broken
script there and nowhere else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from nlq_platform.config import REPO_ROOT
from tests.support.pg import free_port

APP = REPO_ROOT / "app" / "streamlit_app.py"
STREAMLIT = Path(sys.executable).parent / "streamlit"


class StreamlitError(RuntimeError):
    """The app did not come up; the message carries the end of its log."""


@dataclass
class StreamlitServer:
    env: dict[str, str]
    log_file: Path
    app: Path = APP
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            str(STREAMLIT), "run", str(self.app),
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",  # nothing edits the script under test
            "--server.runOnSave", "false",
        ]  # fmt: skip

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def launch(self) -> StreamlitServer:
        """Start the process without waiting, so a caller can prepare data while it boots."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "ANTHROPIC_"))}
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env={**inherited, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends it and nothing else
            )
        return self

    def wait_healthy(self, timeout_s: float = 60) -> StreamlitServer:
        """Wait until ``/_stcore/health`` answers ``ok``; :class:`StreamlitError` with the log if not."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StreamlitError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                health = httpx.get(f"{self.url}/_stcore/health", timeout=1)
                if health.status_code == 200 and health.text.strip() == "ok":
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise StreamlitError(
            f"streamlit did not answer /_stcore/health within {timeout_s:g} s:\n{self.log_tail()}"
        )

    def start(self, timeout_s: float = 60) -> StreamlitServer:
        """Start the app and wait until it is healthy."""
        return self.launch().wait_healthy(timeout_s)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
