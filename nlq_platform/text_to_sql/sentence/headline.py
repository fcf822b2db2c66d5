"""One row of aggregates: the number, with its unit and window.

"지난 1시간 동안 에러는 128건입니다." / "128 errors in the last 1 hour."
"""

from __future__ import annotations

from nlq_platform.text_to_sql.sentence.facts import Facts, Unsupported, capitalized
from nlq_platform.text_to_sql.sentence.josa import attach
from nlq_platform.text_to_sql.sentence.rows import is_number, is_time


def headline(f: Facts) -> str:
    row = f.rows[0]
    items = [c for c in f.columns if c.role in ("measure", "time")]
    if not items:
        raise Unsupported("no measure")
    pattern = "%Y-%m-%d %H:%M:%S"  # a time on its own (first/last seen) shows its date too
    ko_parts: list[str] = []
    en_parts: list[tuple[str, str]] = []  # (noun, value shown); a count has no noun: "96 errors"
    missing: list[str] = []
    for column in items:
        term = f.term(column)
        value = row[column.index]
        if is_time(value):
            shown = f.time(value, pattern)
            ko_parts.append(f"{attach(term.ko, '은/는')} {shown}")
            en_parts.append((term.english(), shown))
        elif is_number(value):
            shown = f.amount(column, value, term)
            ko_parts.append(f"{attach(term.ko, '은/는')} {shown}")
            en_parts.append(("", shown) if column.unit == "count" else (term.english(), shown))
        else:
            missing.append(term.ko if f.ko else term.english())
    if f.ko:
        text = f.prefix() + ", ".join(ko_parts) + ("입니다." if ko_parts else "")
        if missing:
            joined = ", ".join(missing)
            text += (" " if ko_parts else "") + f"{attach(joined, '은/는')} 값이 없습니다."
        return text.strip()
    suffix = f.suffix()
    if len(en_parts) == 1 and not missing:
        noun, shown = en_parts[0]
        return capitalized(f"{noun} was {shown}{suffix}." if noun else f"{shown}{suffix}.")
    listed = [f"{noun} {shown}" if noun else shown for noun, shown in en_parts]
    listed += [f"no value for {m}" for m in missing]
    body = ", ".join(listed[:-1]) + (" and " if len(listed) > 1 else "") + listed[-1]
    return capitalized(f"{suffix.strip()}: {body}.") if suffix else capitalized(f"{body}.")
