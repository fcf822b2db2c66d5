"""``nlq chat``: a conversation in the terminal — ask, then follow up ("그럼 staging은?").

Line editing and history come from the stdlib's ``readline`` when the terminal has one (history
kept in ``<NLQ_HOME>/chat_history``); stdin that is not a terminal is read a line at a time, so
a script can pipe a conversation in. Backslash commands: ``\\sql`` the last SQL, ``\\reading``
the last reading, ``\\history`` the turns so far, ``\\reset`` a new conversation, ``\\q`` quit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import click

from nlq_platform.cli.ask import ENGINES, load_conversation, print_answer
from nlq_platform.config import get_settings
from nlq_platform.text_to_sql.conversation import Conversation
from nlq_platform.text_to_sql.service import TextToSQL

HELP = "\\sql last SQL · \\reading last reading · \\history turns · \\reset new conversation · \\q quit"


def _readline(home: Path) -> Path | None:
    """Arrow-key editing and a history file, where the platform has readline."""
    if not sys.stdin.isatty():
        return None
    try:
        import readline
    except ImportError:
        return None
    history = home / "chat_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)
    return history


def _command(line: str, conversation: Conversation) -> bool:
    """Run a backslash command; False to quit."""
    name = line.split()[0].lower()
    last = next((t for t in reversed(conversation.turns)), None)
    if name in ("\\q", "\\quit", "\\exit"):
        return False
    if name == "\\reset":
        conversation.reset()
        click.echo("new conversation")
    elif name == "\\sql":
        click.echo(last.sql if last and last.sql else "no SQL yet")
    elif name == "\\reading":
        click.echo(last.reading if last and last.reading else "no reading yet")
    elif name == "\\history":
        for n, turn in enumerate(conversation.turns, 1):
            click.echo(f"{n}. {turn.question}  →  {turn.error or turn.reading}")
        if not conversation.turns:
            click.echo("no turns yet")
    else:
        click.echo(f"unknown command {name}; {HELP}")
    return True


async def _chat(engine: str | None, as_json: bool, conversation_path: Path | None) -> None:
    settings = get_settings()
    service = TextToSQL(settings, engine=engine)
    conversation = load_conversation(conversation_path) if conversation_path else Conversation()
    history_file = _readline(settings.home)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Ask in Korean or English; follow up on the answer. {HELP}")
    try:
        while True:
            try:
                line = input("nlq> " if interactive else "").strip()
            except EOFError:
                break
            if not line:
                continue
            if line.startswith("\\"):
                if not _command(line, conversation):
                    break
                continue
            answer = await service.ask(line, conversation)
            print_answer(answer, as_json)
            if conversation_path is not None:
                conversation.save(conversation_path)
    except KeyboardInterrupt:
        click.echo("")
    finally:
        await service.aclose()
        if history_file is not None:
            import readline

            with contextlib.suppress(OSError):
                readline.write_history_file(history_file)


@click.command()
@click.option("--engine", type=ENGINES, default=None, help="Engine (NLQ_ENGINE; default auto).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option(
    "--conversation",
    "conversation_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Resume (and keep) the conversation in this JSON file.",
)
def chat(engine: str | None, as_json: bool, conversation_path: Path | None) -> None:
    """An interactive conversation: each question may follow up on the answers before it."""
    asyncio.run(_chat(engine, as_json, conversation_path))
