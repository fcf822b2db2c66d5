"""``nlq sql --archive``: analyst SQL through the same guard, answered by DuckDB over the archive."""

from __future__ import annotations

import time

from nlq_platform.archive import duck
from nlq_platform.archive.route import archive_root
from nlq_platform.archive.store import ArchiveError
from nlq_platform.text_to_sql.answer import answer_text
from nlq_platform.text_to_sql.guard import GuardError, guard
from nlq_platform.text_to_sql.service import Answer, TextToSQL


async def run_archive_sql(service: TextToSQL, sql: str) -> Answer:
    """Guard ``sql`` (PostgreSQL dialect, as always), then run it on the archived days only."""
    started = time.perf_counter()
    answer = Answer(question="", engine="archive")
    try:
        context = await service.context()
        guarded = guard(sql, context.schema, default_limit=service.settings.query_limit)
        root = archive_root(service.settings)
        result = duck.run(root, guarded.sql)
        if result.files == 0:
            raise ArchiveError(
                f"the archive at {root} holds no days yet (the logs_archive asset writes them)"
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
