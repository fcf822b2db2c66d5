"""The engine interface: a question and a context in, one SQL query out.

Every engine (offline, anthropic) implements :class:`Engine`; the CLI, Dagster and Streamlit call
:func:`nlq_platform.text_to_sql.service.answer`, never an engine's internals. An engine that can
tell without the network whether it would answer a question also has ``can_answer`` (see
:func:`answer_check`); the service uses it to keep only suggestions that will be answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.conversation import Turn


class NotUnderstood(Exception):
    """The engine could not turn the question into SQL; the message says what it missed."""


class InvalidSQL(Exception):
    """Raised by a validator: the SQL was refused by the guard or by the database (EXPLAIN)."""


#: Checks a candidate SQL (guard, then EXPLAIN); raises InvalidSQL with a reason to repair from.
Validator = Callable[[str], None]


@dataclass
class Generation:
    sql: str
    engine: str
    #: engine-specific detail: the offline plan, the model's explanation, repair attempts …
    details: dict[str, Any] = field(default_factory=dict)
    #: how the question was understood, in one sentence of its language: every condition and
    #: every default taken ("errors = level ERROR · payment-api · last 1 hour (default …)")
    reading: str = ""


class Engine(Protocol):
    """``generate`` is required. Optional, and so not part of this protocol's structural check:
    ``can_answer(question, context) -> bool`` — whether ``generate`` would answer ``question``
    (on its own, outside a conversation), decided locally and cheaply (no network). An engine
    that cannot tell (Claude) leaves it out or sets it to None; see :func:`answer_check`."""

    name: str

    def generate(
        self,
        question: str,
        context: Context,
        validate: Validator | None = None,
        history: Sequence[Turn] | None = None,
    ) -> Generation:
        """Return SQL for ``question`` or raise :class:`NotUnderstood`. ``history``: the
        conversation's earlier turns, oldest first, for follow-ups ("그럼 staging은?")."""
        ...


def answer_check(engine: Engine, context: Context) -> Callable[[str], bool] | None:
    """The engine's ``can_answer`` bound to ``context`` (an error while checking means no), or
    None when the engine cannot tell without asking the network."""
    check: Callable[[str, Context], bool] | None = getattr(engine, "can_answer", None)
    if check is None:
        return None

    def answerable(question: str) -> bool:
        try:
            return bool(check(question, context))
        except Exception:
            return False

    return answerable
