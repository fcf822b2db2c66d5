"""``nlq ask`` and ``nlq sql``: questions and analyst SQL, answered from the database."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from pathlib import Path

import click
import orjson

from nlq_platform.cli.errors import UserFacingError
from nlq_platform.config import get_settings
from nlq_platform.text_to_sql.answer import fmt
from nlq_platform.text_to_sql.conversation import Conversation, ConversationError
from nlq_platform.text_to_sql.service import Answer, TextToSQL

ENGINES = click.Choice(["auto", "offline", "anthropic"])


def print_answer(answer: Answer, as_json: bool) -> None:
    if as_json:
        click.echo(orjson.dumps(answer.to_json()).decode())
        return
    if answer.reading:
        click.secho(f"reading: {answer.reading}", dim=True)
    if answer.sql:
        click.secho(answer.sql, fg="cyan")
    if answer.error:
        click.secho(f"error: {answer.error}", fg="red", err=True)
        if answer.suggestions:
            click.echo("questions I can answer, close to yours:", err=True)
            for suggestion in answer.suggestions:
                click.echo(f"  - {suggestion}", err=True)
        return
    if answer.columns:
        widths = [
            max(len(c), *(len(fmt(r[i])) for r in answer.rows[:50])) if answer.rows else len(c)
            for i, c in enumerate(answer.columns)
        ]
        click.echo("  ".join(c.ljust(w) for c, w in zip(answer.columns, widths, strict=True)))
        for row in answer.rows[:50]:
            click.echo("  ".join(fmt(v).ljust(w) for v, w in zip(row, widths, strict=True)))
        if len(answer.rows) > 50:
            click.echo(f"… {len(answer.rows) - 50} more rows")
    source = " · from the archive" if answer.details.get("source") == "archive" else ""  # past retention
    click.secho(f"{answer.answer}  [{answer.engine}{source}, {answer.elapsed_ms:.0f} ms]", bold=True)


def _inputs(text: str) -> Iterable[str]:
    if text != "-":
        yield text
        return
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def load_conversation(path: Path) -> Conversation:
    try:
        return Conversation.load(path)
    except ConversationError as exc:
        raise UserFacingError(f"cannot read the conversation: {exc}") from exc


async def _run(
    texts: Iterable[str],
    engine: str | None,
    as_json: bool,
    raw_sql: bool,
    archive: bool = False,
    conversation_path: Path | None = None,
) -> int:
    service = TextToSQL(get_settings(), engine=engine)
    conversation = load_conversation(conversation_path) if conversation_path else None
    failures = 0
    try:
        for text in texts:
            if archive:
                from nlq_platform.archive.cli_query import run_archive_sql

                answer = await run_archive_sql(service, text)
            elif raw_sql:
                answer = await service.run_sql(text)
            else:
                answer = await service.ask(text, conversation)
                if conversation is not None and conversation_path is not None:
                    conversation.save(conversation_path)  # after each turn: a script may stop anywhere
            failures += answer.error is not None
            print_answer(answer, as_json)
    finally:
        await service.aclose()
    return failures


@click.command()
@click.option("--engine", type=ENGINES, default=None, help="Engine (NLQ_ENGINE; default auto).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option(
    "--conversation",
    "conversation_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file of the conversation so far (created when missing): the question may follow up "
    "on its turns, and is appended to it.",
)
@click.argument("question")
def ask(engine: str | None, as_json: bool, conversation_path: Path | None, question: str) -> None:
    """Answer a question in Korean or English; QUESTION '-' reads one question a line from stdin
    (with --conversation, each line may follow up on the ones before)."""
    failures = asyncio.run(
        _run(_inputs(question), engine, as_json, raw_sql=False, conversation_path=conversation_path)
    )
    sys.exit(1 if failures and question != "-" else 0)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option(
    "--archive", is_flag=True, help="Answer from the archive (DuckDB over NLQ_ARCHIVE_URI's Parquet days)."
)
@click.argument("sql")
def sql(as_json: bool, archive: bool, sql: str) -> None:
    """Run analyst SQL through the same guard (read-only, deleted = FALSE, LIMIT); '-' reads stdin."""
    failures = asyncio.run(_run(_inputs(sql), None, as_json, raw_sql=True, archive=archive))
    sys.exit(1 if failures and sql != "-" else 0)
