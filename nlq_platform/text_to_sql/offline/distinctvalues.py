"""The different values of a column, asked as a list: "서비스별 버전 목록", "what distinct error
types has auth-api logged", "which environments are there". The answer is the values themselves
(one row per value), not a count of rows per value that nobody asked for.

Only categorical columns are listed so: a list of users or sessions keeps the house answer (each
with its counts and first and last seen), and a list of messages or logs is a listing of rows.
"""

from __future__ import annotations

import re

from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.plan import Plan

Catalog = dict[str, list[str]]

#: the columns whose values a list names: labels, not identifiers or free text
CATEGORICAL = (
    "service", "service_version", "environment", "path", "method", "level", "error_type", "action_type",
    "log_type", "function_name", "file_path",
)  # fmt: skip

#: how a list is asked of a noun (``{n}``): "버전 목록", "에러 타입 종류가 뭐뭐", "어떤 환경들이 있어",
#: "list the environments", "which service versions show up", "one row per service and version"
_LIST_OF = (
    r"(?:{n})\s*(?:들)?\s*(?:의\s*)?(?:목록|리스트)",
    r"(?:{n})\s*(?:들)?\s*(?:종류)?\s*(?:이|가|은|는)?\s*(?:뭐뭐|무엇무엇|뭐가\s*있|무엇이\s*있|뭐\s*있)",
    r"(?:어떤|어느)\s*(?:{n})\s*(?:들)?\s*(?:이|가)?\s*(?:있|쓰였|떠\s*있|돌았|배포)",
    r"(?<![a-z])(?:list|distinct|different|unique)\s+(?:(?:the|all|of|every)\s+)*(?:[\w-]+\s+)?(?:{n})(?![a-z])",
    r"(?<![a-z])(?:which|what)\s+(?:[\w-]+\s+){{0,2}}?(?:{n})\s+(?:[\w'-]+\s+){{0,5}}?(?:show(?:s|ed)? up|appear(?:s|ed)?"
    r"|(?:were|was|are|is|have been) (?:running|deployed|used|seen|live|logged|in use)|are there|exist(?:s|ed)?)(?![a-z])",
    r"(?<![a-z])one row (?:per|for each)\s+(?:(?:{n})(?:\s*(?:,|and|&)\s*)?)+",
)

#: words that ask for a number, a moment or an order — then the values come with their measure
_QUANTITY = (
    lx.COUNT, lx.MOST, lx.MOST_FREQUENT, lx.TOP_N, lx.RATE, lx.ERROR_RATE, lx.AVERAGE, lx.SUM,
    lx.LATENCY, lx.PERCENTILE, lx.MEDIAN, lx.MAXIMUM, lx.MINIMUM, lx.FIRST_LAST, lx.HOW_LONG,
    re.compile(r"(?<![a-z])(?:how often|how much|when|frequency|share|percent\w*)(?![a-z])|자주|빈도|언제|얼마나|몇", re.I),
)  # fmt: skip


def asks_a_quantity(view: str) -> bool:
    """Whether the question asks a number, a moment or a ranking of the rows."""
    return any(pattern.search(view) for pattern in _QUANTITY)


def _only_a_default_count(plan: Plan) -> bool:
    """The plan's one measure is the count a breakdown takes when no measure was asked."""
    return not plan.measures or (
        len(plan.measures) == 1 and plan.measures[0].kind == "count" and not plan.measures[0].where
    )


def types_whatever_the_level(view: str, plan: Plan) -> None:
    """ "distinct error types", "에러 타입 종류": the types that occurred, whatever the level —
    the "error" of "error type" names the column, not ERROR rows (unless "error logs" says so)."""
    if not re.search(r"(?<![a-z])(?:error|errors)(?![a-z])\s*(?:level|로그)", view):
        plan.filters = [f for f in plan.filters if f.column != "level"]


def _nouns(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    nouns = {column: lx.DIMENSION_NOUNS.get(column, ()) for column in CATEGORICAL}
    for key in catalog.get("metadata_keys", []):
        if key not in catalog.get("metadata_numeric_keys", []):
            nouns[f"metadata.{key}"] = (key, key + "s", key.replace("_", " "))
    return nouns


def listed_columns(view: str, catalog: Catalog) -> list[str]:
    """The categorical columns (and JSONB keys) whose values the question asks as a list."""
    found = []
    for column, words in _nouns(catalog).items():
        noun = rf"(?<![a-z_-])(?:{lx.alternation(words)})(?![a-z_-])"
        if words and any(re.search(form.format(n=noun), view, re.IGNORECASE) for form in _LIST_OF):
            found.append(column)
    if "error_type" in found and "level" in found:
        found.remove("level")  # "에러 타입": the type, not the level
    return found


def values_of_columns(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "staging에 찍힌 서비스별 버전 목록", "which versions of each service were running in
    production", "에러 타입 종류가 뭐뭐 있어?": one row per different value (``GROUP BY`` the
    columns, no measure), in the values' order, when the question asks for them as a list and
    asks no number of them."""
    if plan.bucket is not None or plan.having is not None or plan.requires or plan.source is not None:
        return False
    if asks_a_quantity(view) or not _only_a_default_count(plan) or (plan.is_listing and plan.dimensions):
        return False
    listed = listed_columns(view, catalog)
    columns = list(plan.dimensions) or listed
    if not set(listed) & set(columns):
        return False
    if not all(c in CATEGORICAL or c.startswith("metadata.") for c in columns):
        return False
    if "error_type" in columns:
        types_whatever_the_level(view, plan)
    plan.measures, plan.dimensions, plan.columns = [], columns, list(columns)
    for c in columns:
        plan.add_filter(c, "not_null")
    plan.order = [(c.split(".", 1)[-1], False) for c in columns]
    plan.limit = None
    return True


def lists_values(plan: Plan) -> bool:
    """Whether the plan is a list of different values (what :func:`values_of_columns` builds)."""
    return plan.is_listing and bool(plan.dimensions) and plan.columns == plan.dimensions and not plan.requires
