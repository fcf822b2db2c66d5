"""Groups ranked by a measure: the leader, its share of the total shown, and the runner-up.

"지난 1시간 동안 에러는 DatabaseConnectionError가 96건(사용자 30명, 표시된 143건 중 67.1%)으로 가장
많고, TimeoutError 47건이 뒤를 잇습니다." / "In the last 1 hour, DatabaseConnectionError has the most
errors, 96 (30 users; 67.1% of the 143 shown), followed by TimeoutError with 47."
"""

from __future__ import annotations

from nlq_platform.text_to_sql.sentence import format as fmt
from nlq_platform.text_to_sql.sentence.columns import Column
from nlq_platform.text_to_sql.sentence.facts import Facts, Unsupported, capitalized, topic
from nlq_platform.text_to_sql.sentence.josa import attach, josa
from nlq_platform.text_to_sql.sentence.rows import is_number, is_time
from nlq_platform.text_to_sql.sentence.shape import Shape

# (Korean stem for "…고", Korean final form, English superlative) by unit and direction
_MOST = {
    ("count", True): ("가장 많고", "가장 많습니다", "the most"),
    ("count", False): ("가장 적고", "가장 적습니다", "the fewest"),
    ("duration", True): ("가장 길고", "가장 깁니다", "the highest"),
    ("duration", False): ("가장 짧고", "가장 짧습니다", "the lowest"),
    ("other", True): ("가장 높고", "가장 높습니다", "the highest"),
    ("other", False): ("가장 낮고", "가장 낮습니다", "the lowest"),
}


def superlative(column: Column, desc: bool) -> tuple[str, str, str]:
    unit = column.unit if column.unit in ("count", "duration") else "other"
    return _MOST[(unit, desc)]


def keys_of(f: Facts) -> list[Column]:
    return [c for c in f.columns if c.role in ("dimension", "bucket")]


def time_pattern(f: Facts, keys: list[Column]) -> str:
    return fmt.time_format([row[k.index] for row in f.rows for k in keys if is_time(row[k.index])])


def ranking(f: Facts, shape: Shape) -> str:
    primary = shape.primary
    if primary is None:
        raise Unsupported("no measure to rank by")
    rows = [r for r in f.rows if is_number(r[primary.index])]
    if not rows:
        raise Unsupported("no values to rank")
    desc = shape.desc if shape.ordered else True
    if not shape.ordered:
        rows.sort(key=lambda r: float(r[primary.index]), reverse=True)
    keys = keys_of(f)
    pattern = time_pattern(f, keys)
    term = f.term(primary)
    leader, value = rows[0], float(rows[0][primary.index])
    name = f.label(leader, keys, pattern)
    shown = f.number(primary, value)
    amount = f.with_unit(primary, shown, value, term)

    notes: list[str] = []
    second = next((c for c in f.columns if c.is_numeric_measure and c is not primary), None)
    if second is not None and is_number(leader[second.index]):
        second_term = f.term(second)
        second_amount = f.amount(second, leader[second.index], second_term)
        if second.unit == "count":
            notes.append(f"{second_term.ko} {second_amount}" if f.ko else second_amount)
        else:
            notes.append(
                f"{second_term.ko} {second_amount}" if f.ko else f"{second_term.english()} {second_amount}"
            )
    if primary.additive and len(rows) > 1 and len(rows) == len(f.rows):
        total, total_shown = f.ledger.total([float(r[primary.index]) for r in rows], "count")
        if total > 0:
            share = f.ledger.share(value, total)
            total_words = f.counted(primary, total_shown, term)
            notes.append(
                f"표시된 {total_words} 중 {share}" if f.ko else f"{share} of the {total_shown} shown"
            )

    if len(rows) == 1:
        if f.ko:
            return f"{f.prefix()}{topic(f, term)}{name} 하나뿐이며 {amount}입니다."
        note = f" ({'; '.join(notes)})" if notes else ""
        return f"Only {name}{f.suffix()}: {amount}{note}."

    runner, runner_value = rows[1], float(rows[1][primary.index])
    connective, final, most = superlative(primary, desc)
    if runner_value == value:  # a tie for first place
        runner_name = f.label(runner, keys, pattern)
        if f.ko:
            each = f.counted(primary, shown, term)
            return (
                f"{f.prefix()}{topic(f, term)}{attach(name, '과/와')} {attach(runner_name, '이/가')} "
                f"각각 {attach(each, '으로/로')} {final}."
            )
        lead = f"{capitalized(f.suffix().strip())}, " if f.suffix() else ""
        return f"{lead}{name} and {runner_name} tie for {most} {term.english()}, {shown} each."
    runner_name = f.label(runner, keys, pattern)
    runner_amount = f.number(primary, runner_value)
    if f.ko:
        note = f"({', '.join(notes)})" if notes else ""
        runner_words = f.counted(primary, runner_amount, term)
        return (
            f"{f.prefix()}{topic(f, term)}{attach(name, '이/가')} {amount}{note}{josa(amount, '으로/로')} "
            f"{connective}, {runner_name} {attach(runner_words, '이/가')} 뒤를 잇습니다."
        )
    note = f" ({'; '.join(notes)})" if notes else ""
    window = f.suffix().strip()
    lead = f"{capitalized(window)}, " if window else ""
    text = f"{lead}{name} has {most} {term.english()}, {shown}{note}, followed by {runner_name} with {runner_amount}."
    return capitalized(text)
