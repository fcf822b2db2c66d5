"""The demo's children: each one's output in ``<logs>/<name>.log``, and a dying child named with the
end of its log (real processes)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import pytest

from nlq_platform.demo import TAIL_LINES, Child, first_dead, stop_children, wait_http
from tests.support.pg import free_port

DIES = "import sys\nfor i in range(50): print(f'line {i}')\nprint('fatal: port taken', file=sys.stderr)\nsys.exit(3)"


def wait_dead(child: Child) -> None:
    child.proc.wait(timeout=30)


def test_a_dying_child_is_named_with_its_code_and_last_lines(tmp_path: Path) -> None:
    child = Child.start("payment-api", [sys.executable, "-c", DIES], tmp_path / "logs")
    wait_dead(child)
    assert child.log_path == tmp_path / "logs" / "payment-api.log"
    report = child.death_report()
    assert report.startswith("payment-api exited with code 3")
    assert report.rstrip().endswith("| fatal: port taken")  # stderr goes to the same log
    assert "line 49" in report and "line 10" not in report  # only the last lines
    assert len(child.tail()) == TAIL_LINES


def test_first_dead_and_stop_children(tmp_path: Path) -> None:
    alive = Child.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path)
    dead = Child.start("crasher", [sys.executable, "-c", DIES], tmp_path)
    wait_dead(dead)
    assert first_dead([alive, dead]) is dead
    stop_children([alive, dead], last=alive)
    assert alive.poll() is not None


def test_wait_http_reports_the_child_that_died(tmp_path: Path) -> None:
    child = Child.start("ingest", [sys.executable, "-c", DIES], tmp_path)
    with pytest.raises(click.ClickException) as raised:
        wait_http(f"http://127.0.0.1:{free_port()}/readyz", 30, child)
    assert "ingest exited with code 3" in raised.value.message
    assert "fatal: port taken" in raised.value.message


def test_an_empty_log_is_said(tmp_path: Path) -> None:
    child = Child.start("quiet", [sys.executable, "-c", "raise SystemExit(1)"], tmp_path)
    wait_dead(child)
    time.sleep(0.05)
    assert child.death_report().endswith("is empty")
