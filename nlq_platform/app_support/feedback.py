"""👍/👎 on an answer, stored in ``nlq_feedback`` (migration 0007).

A 👍 row is an accepted question/SQL pair: the ``few_shot_examples`` asset merges those into the
metadata cache (:func:`nlq_platform.metadata.examples.load_accepted_feedback`). A 👎 row may carry
a note saying what was wrong; it may be about a refused answer (no SQL, migration 0009), and
every row keeps the answer's reading and refusal reason, so the team can see which words users
need.

Feedback is written as the role ``nlq_app`` (migration 0007: INSERT/SELECT on ``nlq_feedback``
and nothing else), never as the owner: the app faces analysts, so a flaw in it must not reach
``logs``. Its DSN (:func:`feedback_dsn`) is ``NLQ_APP_DATABASE_URL``, or the owner DSN with
``nlq_app`` and its password (``NLQ_APP_DB_PASSWORD``, else generated into ``.nlq/secrets.json``),
which ``nlq db migrate`` sets — the same scheme as ``nlq_reader`` and ``nlq_ingest``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import asyncpg
import sqlglot
from sqlglot import exp

from nlq_platform.config import Settings
from nlq_platform.db import dsn as dsn_mod

TABLE = "nlq_feedback"
NOTE_MAX = 2000
Verdict = Literal["up", "down"]


class FeedbackError(Exception):
    """The feedback could not be stored; the message is meant for the analyst."""


@dataclass(frozen=True)
class Feedback:
    question: str
    sql: str | None
    verdict: Verdict
    note: str | None = None
    engine: str | None = None
    table_id: str = "logs"
    #: how the engine read the question, and why it refused (None when it answered)
    reading: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class StoredFeedback(Feedback):
    id: int = 0
    created_at: datetime | None = field(default=None)


def feedback_dsn(settings: Settings) -> str:
    """The DSN that writes feedback: role ``nlq_app``'s (see the module docstring)."""
    return dsn_mod.resolve(settings).app


def table_of(sql: str, default: str = "logs") -> str:
    """The first table ``sql`` reads (CTE names excluded), for the example's ``table_id``."""
    for dialect in ("postgres", "bigquery"):
        try:
            tree = sqlglot.parse_one(sql, read=dialect)
            break
        except sqlglot.errors.SqlglotError:
            continue
    else:
        return default
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name and table.name.lower() not in ctes:
            return ".".join(p for p in (table.catalog, table.db, table.name) if p)
    return default


def make_feedback(
    question: str,
    sql: str | None,
    verdict: Verdict,
    note: str | None = None,
    engine: str | None = None,
    reading: str | None = None,
    error: str | None = None,
) -> Feedback:
    """Validated feedback: a verdict of up/down, a question, a note of at most 2000 chars, and the
    SQL — required for 👍 (it becomes an example), absent for a 👎 on a refused answer."""
    if verdict not in ("up", "down"):
        raise ValueError(f"verdict must be 'up' or 'down', not {verdict!r}")
    question, sql = (question or "").strip(), (sql or "").strip()
    if not sql and verdict == "up":
        raise ValueError("an accepted answer needs the SQL it is about")
    note = (note or "").strip()[:NOTE_MAX] or None
    return Feedback(
        question, sql or None, verdict, note, engine, table_of(sql) if sql else "logs", reading or None, error
    )


async def insert_feedback(dsn: str, feedback: Feedback, timeout: float = 10) -> int:
    """Store one verdict; returns its id. :class:`FeedbackError` (in words) when that fails."""
    try:
        conn = await asyncpg.connect(dsn, timeout=timeout)
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        # a configuration problem, not an outage: the role's password was never set or differs
        raise FeedbackError(
            f"the database refused the app's login ({exc}); run `nlq db migrate` to set the "
            "nlq_app password, or check NLQ_APP_DATABASE_URL / NLQ_APP_DB_PASSWORD"
        ) from exc
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise FeedbackError("the database is unreachable right now; the feedback was not saved") from exc
    try:
        return await conn.fetchval(
            f"INSERT INTO {TABLE} (question, sql, verdict, note, engine, table_id, reading, error) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            feedback.question,
            feedback.sql,
            feedback.verdict,
            feedback.note,
            feedback.engine,
            feedback.table_id,
            feedback.reading,
            feedback.error,
            timeout=timeout,
        )
    except asyncpg.UndefinedTableError as exc:
        raise FeedbackError(f"the {TABLE} table is missing; run `nlq db migrate`") from exc
    except asyncpg.InsufficientPrivilegeError as exc:
        raise FeedbackError(
            f"the app's database role may not write {TABLE} ({exc}); run `nlq db migrate`"
        ) from exc
    except asyncpg.PostgresError as exc:
        raise FeedbackError(f"the database refused the feedback: {exc}") from exc
    finally:
        await conn.close()


async def list_feedback(dsn: str, limit: int = 100) -> list[StoredFeedback]:
    """The newest feedback rows first."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch(
            f"SELECT id, question, sql, verdict, note, engine, table_id, reading, error, created_at FROM {TABLE} "
            "ORDER BY created_at DESC, id DESC LIMIT $1",
            limit,
        )
    finally:
        await conn.close()
    return [StoredFeedback(**dict(r)) for r in rows]
