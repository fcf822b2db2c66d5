"""``nlq sql --archive``: analyst SQL through the same guard, answered by DuckDB over the archive."""

from __future__ import annotations

import time

from nlq_platform.archive import duck
from nlq_platform.archive.route import covering, query_windows, run_on_archive, store_of
from nlq_platform.archive.store import ArchiveError
from nlq_platform.text_to_sql.answer import answer_text
from nlq_platform.text_to_sql.guard import GuardError, guard
from nlq_platform.text_to_sql.service import Answer, TextToSQL


async def run_archive_sql(service: TextToSQL, sql: str) -> Answer:
    """Guard ``sql`` (PostgreSQL dialect, as always), then run it on the archived days only.

    Only the days the query's window touches are read; the columns are named as PostgreSQL names
    them (``count``, not DuckDB's ``count_star()``)."""
    started = time.perf_counter()
    answer = Answer(question="", engine="archive")
    try:
        context = await service.context()
        guarded = guard(sql, context.schema, default_limit=service.settings.query_limit)
        store = store_of(service.settings)
        archived = store.days()
        if not archived:
            raise ArchiveError(
                f"the archive at {store.uri} holds no days yet (the logs_archive asset writes them)"
            )
        conn = await service._connection()  # the service's own (nlq_reader) connection
        _, windows = await query_windows(conn, guarded.sql)
        result = await run_on_archive(
            service.settings,
            conn,
            guarded.sql,
            window=covering(windows),
            with_postgres=False,
            store=store,
            archived=archived,
        )
        answer.sql = result.sql
        answer.columns, answer.rows = result.columns, result.rows
        answer.answer = answer_text("", guarded.sql, result.columns, result.rows)
    except GuardError as exc:
        answer.sql, answer.error = sql, f"query refused: {exc}"
    except (ArchiveError, duck.ArchiveQueryError) as exc:
        answer.sql, answer.error = sql, str(exc)
    except Exception as exc:  # database unreachable for the schema, …: a sentence, not a traceback
        answer.error = f"{type(exc).__name__}: {exc}"
    answer.elapsed_ms = (time.perf_counter() - started) * 1000
    return answer
