"""A conversation: the last turns an analyst asked, so that the next question can follow up.

Pure data, JSON in and out: the app keeps one per browser session, ``nlq chat`` one per terminal
session, and ``nlq ask --conversation FILE`` reads and appends one in a file so scripts can follow
up too. A turn keeps what a follow-up needs: the question, the reading, the SQL, the offline plan
(to change it) and the first rows (to bind "the first one", "그 서비스").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: turns kept: follow-ups refer to the last answers, not to the whole history
MAX_TURNS = 10
#: rows kept per turn: references bind to the first rows ("the second one")
MAX_ROWS = 20


class ConversationError(ValueError):
    """A conversation file that cannot be read; the message says which and why."""


@dataclass
class Turn:
    question: str
    reading: str = ""
    sql: str | None = None
    #: the offline engine's plan (``asdict(Plan)``), None for other engines or refusals
    plan: dict[str, Any] | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.error is None and self.sql is not None


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)

    def record(self, turn: Turn) -> None:
        turn.rows = [list(row) for row in turn.rows[:MAX_ROWS]]
        self.turns = [*self.turns, turn][-MAX_TURNS:]

    def history(self) -> tuple[Turn, ...]:
        return tuple(self.turns)

    def reset(self) -> None:
        self.turns = []

    # --- JSON -------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "turns": [asdict(t) for t in self.turns]}

    @classmethod
    def from_json(cls, data: Any) -> Conversation:
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            raise ConversationError('a conversation is a JSON object with a "turns" list')
        known = set(Turn.__dataclass_fields__)
        turns = []
        for i, raw in enumerate(data["turns"]):
            if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
                raise ConversationError(f'turn {i} needs a "question" string')
            turns.append(Turn(**{k: v for k, v in raw.items() if k in known}))
        return cls(turns[-MAX_TURNS:])

    @classmethod
    def load(cls, path: Path) -> Conversation:
        """The conversation in ``path``; a missing or empty file is a new conversation."""
        if not path.exists() or not path.read_text().strip():
            return cls()
        try:
            return cls.from_json(json.loads(path.read_text()))
        except json.JSONDecodeError as exc:
            raise ConversationError(f"{path} is not JSON: {exc}") from exc
        except ConversationError as exc:
            raise ConversationError(f"{path}: {exc}") from exc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1, default=str))
        tmp.replace(path)
