"""The evaluation scenarios: questions with their gold SQL, read from ``scenarios.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SCENARIOS_PATH = Path(__file__).with_name("scenarios.yaml")
#: files of rephrased questions for the same scenarios: {key: [{id, ko: [...], en: [...]}]}
VARIANT_FILES = {
    "paraphrases": Path(__file__).with_name("paraphrases.yaml"),
    "heldout": Path(__file__).with_name("heldout.yaml"),
    "heldout3": Path(__file__).with_name("heldout3.yaml"),
    "heldout4": Path(__file__).with_name("heldout4.yaml"),
    "heldout5": Path(__file__).with_name("heldout5.yaml"),
    "heldout6": Path(__file__).with_name("heldout6.yaml"),
    "heldout7": Path(__file__).with_name("heldout7.yaml"),
    "heldout8": Path(__file__).with_name("heldout8.yaml"),
    "heldout9": Path(__file__).with_name("heldout9.yaml"),
    "heldout10": Path(__file__).with_name("heldout10.yaml"),
    "heldout11": Path(__file__).with_name("heldout11.yaml"),
    "heldout12": Path(__file__).with_name("heldout12.yaml"),
}
VARIANT_KEYS = frozenset({"paraphrases", "heldout"})  # top-level keys of such files
#: questions the data cannot answer, which the engine must refuse: {unanswerable: [{id, kind, ko, en, why}]}
UNANSWERABLE_PATH = Path(__file__).with_name("unanswerable.yaml")
#: sets of new intents, each a scenarios file of its own (first measured before any tuning)
BLIND_INTENT_FILES = {
    "blind_intents1": Path(__file__).with_name("blind_intents1.yaml"),
    "blind_intents2": Path(__file__).with_name("blind_intents2.yaml"),
    "blind_intents3": Path(__file__).with_name("blind_intents3.yaml"),
    "blind_intents4": Path(__file__).with_name("blind_intents4.yaml"),
    "blind_intents5": Path(__file__).with_name("blind_intents5.yaml"),
    "blind_intents6": Path(__file__).with_name("blind_intents6.yaml"),
    "blind_intents7": Path(__file__).with_name("blind_intents7.yaml"),
    "blind_intents8": Path(__file__).with_name("blind_intents8.yaml"),
    "blind_intents9": Path(__file__).with_name("blind_intents9.yaml"),
    "blind_intents10": Path(__file__).with_name("blind_intents10.yaml"),
    "blind_intents11": Path(__file__).with_name("blind_intents11.yaml"),
}
#: conversation fixtures (``--conversations``): the development set, and one written blind
CONVERSATION_FILES = {
    "conversations": Path(__file__).with_name("conversations.yaml"),
    "conversations_blind1": Path(__file__).with_name("conversations_blind1.yaml"),
}


def named_set(name: str) -> Path:
    """The bundled file of a set by name: ``scenarios``, ``unanswerable``, a blind-intent set or a
    rephrasing set (``heldout5``); :class:`ScenarioError` for a name nobody bundled."""
    named = {
        "scenarios": SCENARIOS_PATH,
        "unanswerable": UNANSWERABLE_PATH,
        **BLIND_INTENT_FILES,
        **VARIANT_FILES,
    }
    if name not in named:
        raise ScenarioError(f"no bundled scenario set {name!r}; known: {', '.join(named)}")
    return named[name]


CATEGORIES = ("incident", "performance", "journey", "frontend")
_REQUIRED = ("id", "category", "question", "question_en", "sql")
_OPTIONAL = ("order", "answerable")


class ScenarioError(ValueError):
    """The scenarios file is malformed; the message names the file and the scenario."""


@dataclass(frozen=True)
class Scenario:
    id: str
    category: str
    question: str  # Korean, as an analyst would type it
    question_en: str  # an English variant of the same question
    sql: str  # gold PostgreSQL
    order: bool = False  # row order is part of the answer
    #: False for a question the data cannot answer: the right outcome is a refusal
    answerable: bool = True
    #: for a conversation: the turns asked before ``question`` / ``question_en`` (the gold SQL
    #: answers the last turn, read as a follow-up to these)
    earlier: tuple[str, ...] = ()
    earlier_en: tuple[str, ...] = ()


def load_scenarios(path: Path | None = None) -> list[Scenario]:
    """All scenarios in file order; :class:`ScenarioError` if the file is malformed."""
    path = SCENARIOS_PATH if path is None else path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(data, dict) and VARIANT_KEYS & set(data):
        return _expand_variants(path, data)
    if isinstance(data, dict) and "unanswerable" in data:
        return _unanswerable(path, data["unanswerable"])
    items = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a top-level 'scenarios' list")
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        scenario = _parse(item, f"{path}: scenario #{index + 1}")
        if scenario.id in seen:
            raise ScenarioError(f"{path}: duplicate scenario id {scenario.id!r}")
        seen.add(scenario.id)
        scenarios.append(scenario)
    return scenarios


def _parse(item: Any, where: str) -> Scenario:
    if not isinstance(item, dict):
        raise ScenarioError(f"{where}: expected a mapping, got {type(item).__name__}")
    if isinstance(item.get("id"), str):
        where = f"{where} ({item['id']})"
    unknown = sorted(set(item) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    values: dict[str, str] = {}
    for name in _REQUIRED:
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(f"{where}: '{name}' must be a non-empty string")
        values[name] = value.strip()
    if values["category"] not in CATEGORIES:
        raise ScenarioError(
            f"{where}: category must be one of {', '.join(CATEGORIES)} (got {values['category']!r})"
        )
    flags = {name: item.get(name, default) for name, default in (("order", False), ("answerable", True))}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise ScenarioError(f"{where}: '{name}' must be true or false")
    return Scenario(**flags, **values)


def _expand_variants(path: Path, data: dict[str, Any]) -> list[Scenario]:
    """Rephrasings of the scenarios: the i-th Korean and i-th English question of an id become
    scenario ``<id>~<i>`` with that id's gold SQL and category."""
    base = {s.id: s for s in load_scenarios()}
    key = next(k for k in ("paraphrases", "heldout") if k in data)
    scenarios = []
    for entry in data[key] or []:
        gold = base.get(entry.get("id")) if isinstance(entry, dict) else None
        if gold is None:
            raise ScenarioError(f"{path}: {entry!r:.60} does not name a scenario id")
        ko, en = entry.get("ko") or [], entry.get("en") or []
        if len(ko) != len(en) or not ko:
            raise ScenarioError(f"{path}: {gold.id}: needs as many 'ko' as 'en' questions")
        for i, (question, question_en) in enumerate(zip(ko, en, strict=True), start=1):
            scenarios.append(
                Scenario(
                    f"{gold.id}~{i}",
                    gold.category,
                    question.strip(),
                    question_en.strip(),
                    gold.sql,
                    gold.order,
                )
            )
    return scenarios


def _unanswerable(path: Path, entries: Any) -> list[Scenario]:
    """Questions to be refused: scenario ``<id>`` with no gold SQL, its ``kind`` as category."""
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{path}: 'unanswerable' must be a non-empty list")
    scenarios = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and entry[k].strip() for k in ("id", "ko", "en")
        ):
            raise ScenarioError(f"{path}: entry #{index} needs non-empty 'id', 'ko' and 'en'")
        kind = str(entry.get("kind") or "unanswerable")
        scenarios.append(
            Scenario(entry["id"], kind, entry["ko"].strip(), entry["en"].strip(), "", answerable=False)
        )
    return scenarios


def load_conversations(path: Path) -> list[Scenario]:
    """Conversation fixtures: ``- {id, kind, ko: [turns], en: [turns], sql}``, the gold SQL for
    the last turn; each becomes a scenario whose ``earlier`` turns are asked first."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    items = data.get("conversations") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a list of conversations")
    scenarios, seen = [], set()
    for index, item in enumerate(items):
        where = f"{path}: conversation #{index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ScenarioError(f"{where}: expected a mapping with an 'id'")
        ko, en, sql = item.get("ko"), item.get("en"), item.get("sql")
        turns_ok = all(
            isinstance(t, list) and len(t) >= 2 and all(isinstance(q, str) for q in t) for t in (ko, en)
        )
        if not turns_ok or len(ko) != len(en):
            raise ScenarioError(f"{where} ({item['id']}): 'ko' and 'en' need the same 2+ turns")
        if not isinstance(sql, str) or not sql.strip():
            raise ScenarioError(f"{where} ({item['id']}): 'sql' must be the last turn's gold SQL")
        if item["id"] in seen:
            raise ScenarioError(f"{path}: duplicate conversation id {item['id']!r}")
        seen.add(item["id"])
        scenarios.append(
            Scenario(
                id=item["id"],
                category=str(item.get("kind") or "follow-up"),
                question=ko[-1].strip(),
                question_en=en[-1].strip(),
                sql=sql.strip(),
                order=bool(item.get("order", False)),
                earlier=tuple(q.strip() for q in ko[:-1]),
                earlier_en=tuple(q.strip() for q in en[:-1]),
            )
        )
    return scenarios
