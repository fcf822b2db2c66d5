"""Errors whose message is meant for the person at the terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import asyncpg

from nlq_platform.db.cluster import ClusterError
from nlq_platform.db.migrate import MigrationError


class UserFacingError(RuntimeError):
    """Printed as ``error: <message>`` with exit code 1."""


@contextlib.contextmanager
def user_facing(action: str) -> Iterator[None]:
    """Turn the known failures of ``action`` into a one-line explanation."""
    try:
        yield
    except (ClusterError, MigrationError) as exc:
        raise UserFacingError(str(exc)) from exc
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise UserFacingError(f"{action}: {type(exc).__name__}: {exc}") from exc
