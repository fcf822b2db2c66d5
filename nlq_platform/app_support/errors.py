"""An answer's ``error`` (already a sentence from :mod:`nlq_platform.text_to_sql.service`) as the
app shows it: a kind, a bilingual headline, the reason and what to try — never a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass

# exception names error_text() puts in front of a connection failure
_CONNECTION = re.compile(
    r"^(ConnectionRefusedError|ConnectionResetError|ConnectionError|OSError|TimeoutError|gaierror|"
    r"CannotConnectNowError|ConnectionDoesNotExistError|InterfaceError|InternalClientError|"
    r"InvalidPasswordError|InvalidAuthorizationSpecificationError|InvalidCatalogNameError|"
    r"TooManyConnectionsError|ConnectionFailureError|PostgresConnectionError)\b"
)

_LOGIN = {"InvalidPasswordError", "InvalidAuthorizationSpecificationError", "InvalidCatalogNameError"}


@dataclass(frozen=True)
class Problem:
    kind: str  # refused, not_understood, invalid, timeout, db_down, db_refused, engine, other
    title: str  # "한국어 / English"
    reason: str
    hint: str = ""


def _strip(text: str, prefix: str) -> str:
    return text[len(prefix) :].strip() if text.startswith(prefix) else text


def explain(error: str) -> Problem:
    """What went wrong, for the analyst."""
    text = (error or "").strip()
    if _CONNECTION.match(text) or "unreachable" in text:
        name, _, detail = text.partition(":")
        if name in _LOGIN:  # a configuration problem: say what the server said
            reason = f"the database refused the app's login: {detail.strip()}"
        else:
            reason = "the database is unreachable right now"
        return Problem(
            "db_down",
            "데이터베이스에 연결할 수 없습니다 / The database is unavailable",
            reason,
            "잠시 후 다시 시도하세요 (`nlq db status`) / Try again in a moment, or check `nlq db status`.",
        )
    if text.startswith("query refused"):
        return Problem(
            "refused",
            "쿼리가 거부되었습니다 / Query refused",
            _strip(text, "query refused:"),
            "읽기 전용 SELECT 한 개만 실행할 수 있습니다 / Only a single read-only SELECT on the known "
            "tables can run.",
        )
    if text.startswith("question not understood"):
        return Problem(
            "not_understood",
            "질문을 이해하지 못했습니다 / Question not understood",
            _strip(text, "question not understood:"),
            "기간, 서비스, 로그 레벨 등을 넣어 다시 물어보거나 사이드바의 예시를 눌러 보세요 / "
            "Rephrase with a time window, a service or a level — or try an example from the sidebar.",
        )
    if text.startswith("could not produce a valid query"):
        return Problem(
            "invalid",
            "올바른 쿼리를 만들지 못했습니다 / Could not write a valid query",
            _strip(text, "could not produce a valid query:"),
            "질문을 더 구체적으로 바꿔 보세요 / Try a more specific question.",
        )
    if "took longer than" in text or text.startswith("no answer within"):
        return Problem(
            "timeout",
            "쿼리가 너무 오래 걸렸습니다 / The query took too long",
            text,
            "기간을 좁히거나 조건을 추가하세요 / Narrow the time window or add a filter.",
        )
    if text.startswith(("EngineNotConfigured", "EngineUnavailable")):
        return Problem(
            "engine",
            "엔진을 사용할 수 없습니다 / The engine is unavailable",
            text.split(":", 1)[-1].strip(),
            "사이드바에서 offline 엔진을 선택하세요 / Choose the offline engine in the sidebar.",
        )
    if text.startswith(("the database refused", "the query tried to")):
        return Problem(
            "db_refused", "데이터베이스가 쿼리를 거부했습니다 / The database refused the query", text
        )
    return Problem("other", "답을 구하지 못했습니다 / No answer", text)
