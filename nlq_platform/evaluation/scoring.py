"""Execution accuracy: does a predicted query's result equal the gold query's result?

Two results are compared as tables of values; column *names* never matter (``COUNT(*) AS n`` and
``COUNT(*) AS error_count`` answer the same question) and neither does column order. Columns are
matched by their values.

Values
    * ``None`` equals ``None`` and nothing else.
    * Numbers (``int``, ``float``, ``Decimal``; not ``bool``): two ``int`` must be equal exactly;
      any other pair is equal when ``|a - b| <= max(1e-6 * max(|a|, |b|), 1e-9)`` (relative
      tolerance 1e-6, absolute 1e-9), so ``AVG`` as ``numeric`` or ``double precision`` and
      ``SUM`` as ``bigint`` or ``numeric`` all compare. NaN equals NaN; infinities equal only
      themselves.
    * Everything else (text, timestamps, dates, intervals, booleans, JSON text, arrays …) must be
      of the same kind and exactly equal; timestamps are never compared with a tolerance.
    * A column whose every value is text spelling an integer (``'201'``, as ``metadata->>'status_code'``
      returns it) is read as those integers, on either side: a user sees the same table whether a
      query casts the JSONB value or not.

Rows, for ``gold`` with G columns and ``predicted`` with P columns, both with the same number of
rows N (a different N never matches). For an injective map σ from gold columns to predicted
columns, the *projection* of a predicted row is ``(row[σ(0)], …, row[σ(G-1)])``.

    * Unordered (``ordered=False``): the projected predicted rows and the gold rows are equal as
      bags (multisets): there is a one-to-one pairing of the N projected rows with the N gold rows
      in which paired rows are equal value by value. Duplicate rows count: ``[a, a, b]`` is not
      ``[a, b, b]``.
    * Ordered (``ordered=True``, the scenario's ``order: true``): projected predicted row i equals
      gold row i for every i.

Scores
    * strict EX: G == P and some σ (then a column permutation) makes the rows equal as above.
    * subset EX: P >= G and some σ makes the rows equal as above; i.e. the predicted result is the
      gold result plus extra columns, with the rows still aligned (an extra column may not split or
      merge rows). Strict implies subset.

Search: σ is found by matching each gold column to the predicted columns whose value multiset
(unordered) or sequence (ordered) equals it, then checking the whole rows for each candidate σ;
predicted (or gold) columns holding identical values are interchangeable, so only one order of
them is tried.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9
#: candidate column maps tried before giving up (only reached with many interchangeable columns)
MAX_MAPPINGS = 20_000

Row = Sequence[Any]


# --- values -------------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def numbers_equal(a: Any, b: Any) -> bool:
    """Two numbers (see :func:`is_number`): ints exactly, anything else within the tolerance."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "str"
    if isinstance(value, datetime):  # before date: datetime is a date
        return "datetime"
    if isinstance(value, date):
        return "date"
    return type(value).__name__


def _freeze(value: Any) -> Any:
    """A hashable stand-in with the same equality (arrays come back as lists, JSON as text)."""
    if isinstance(value, list | tuple):
        return tuple((_kind(v), _freeze(v)) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), (_kind(v), _freeze(v))) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return frozenset((_kind(v), _freeze(v)) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def values_equal(a: Any, b: Any) -> bool:
    """Equality of two result values under the rules in the module docstring."""
    if a is None or b is None:
        return a is None and b is None
    a_num, b_num = is_number(a), is_number(b)
    if a_num or b_num:
        return a_num and b_num and numbers_equal(a, b)
    return _kind(a) == _kind(b) and _freeze(a) == _freeze(b)


_INTEGER_TEXT = re.compile(r"-?[0-9]{1,18}")


def _spells_integers(column: Sequence[Any]) -> bool:
    present = [value for value in column if value is not None]
    return bool(present) and all(isinstance(v, str) and _INTEGER_TEXT.fullmatch(v) for v in present)


def integers_read_as_numbers(rows: Sequence[Row]) -> list[Row]:
    """The rows with each column made wholly of integer text (HTTP status codes read with ``->>``)
    turned into integers, so ``'201'`` and ``201`` are the same answer."""
    if not rows:
        return list(rows)
    width = len(rows[0])
    spelled = [i for i in range(width) if _spells_integers([row[i] for row in rows])]
    if not spelled:
        return list(rows)
    return [tuple(int(v) if i in spelled and v is not None else v for i, v in enumerate(row)) for row in rows]


def rows_equal(a: Row, b: Row) -> bool:
    return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))


def _sort_key(value: Any) -> tuple[Any, ...]:
    """A total order over mixed values; values equal under :func:`values_equal` get equal keys,
    except numbers, which get keys in numeric order (equal within the tolerance ⇒ adjacent)."""
    if value is None:
        return (0,)
    if is_number(value):
        number = float(value) if isinstance(value, Decimal) else value
        if isinstance(number, float) and math.isnan(number):
            return (2,)
        return (1, number)
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, str):
        return (4, value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return (5, 1, value.astimezone(UTC).replace(tzinfo=None))
        return (5, 0, value)
    if isinstance(value, date):
        return (6, value)
    if isinstance(value, time):
        return (7, value.isoformat())
    if isinstance(value, timedelta | bytes):
        return (8, _kind(value), value)
    return (9, _kind(value), repr(_freeze(value)))


# --- columns ------------------------------------------------------------------------------------


def columns_equal(a: Sequence[Any], b: Sequence[Any], *, ordered: bool) -> bool:
    """Two columns of the same length: equal as sequences (ordered) or as multisets.

    For multisets both columns are sorted and compared position by position: exact for
    non-numbers (equal values get equal keys) and for numbers too, since "within tolerance" is an
    interval around each value whose ends grow with the value, where sorted pairing is optimal.
    """
    if len(a) != len(b):
        return False
    if ordered:
        return all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    return all(
        values_equal(x, y) for x, y in zip(sorted(a, key=_sort_key), sorted(b, key=_sort_key), strict=True)
    )


# --- bags of rows -------------------------------------------------------------------------------

_NUMBER = ("#",)  # stands for any number in a row signature


def _signature(row: Row) -> tuple[Any, ...]:
    """The row with every number replaced by a placeholder: rows can only be equal when their
    signatures are (non-numbers compare exactly)."""
    return tuple(_NUMBER if is_number(v) else (_kind(v), _freeze(v)) if v is not None else None for v in row)


def _numbers_key(row: Row) -> tuple[Any, ...]:
    return tuple(_sort_key(v) for v in row if is_number(v))


def _max_matching(adjacency: list[list[int]], n_right: int) -> list[int | None]:
    """Maximum bipartite matching (Kuhn's augmenting paths, iterative): for each left node the
    right node it is paired with, or None."""
    left_partner: list[int | None] = [None] * len(adjacency)
    right_partner: list[int | None] = [None] * n_right
    for start in range(len(adjacency)):
        seen: set[int] = set()
        reached_from: dict[int, int] = {}
        stack = [(start, iter(adjacency[start]))]
        free: int | None = None
        while stack and free is None:
            left, options = stack[-1]
            for right in options:
                if right in seen:
                    continue
                seen.add(right)
                reached_from[right] = left
                owner = right_partner[right]
                if owner is None:
                    free = right
                else:
                    stack.append((owner, iter(adjacency[owner])))
                break
            else:
                stack.pop()
        right = free
        while right is not None:  # flip the path start → … → free
            left = reached_from[right]
            previous = left_partner[left]
            left_partner[left], right_partner[right] = right, left
            right = previous if left != start else None
    return left_partner


def _tolerance_window(value: Any) -> tuple[float, float]:
    """Bounds outside which no number equals ``value`` (a little wider than the tolerance)."""
    x = float(value)
    slack = max(REL_TOL * abs(x), ABS_TOL) / (1 - REL_TOL) * 1.01
    return x - slack, x + slack


def _match_group(gold: list[Row], predicted: list[Row]) -> list[int | None]:
    """Pair rows with the same signature: sorted pairing when it works, else a maximum matching
    whose candidates are narrowed by the most selective numeric column (bisect on its values)."""
    if len(gold) == len(predicted):
        g_order = sorted(range(len(gold)), key=lambda i: _numbers_key(gold[i]))
        p_order = sorted(range(len(predicted)), key=lambda j: _numbers_key(predicted[j]))
        if all(rows_equal(gold[i], predicted[j]) for i, j in zip(g_order, p_order, strict=True)):
            partner: list[int | None] = [None] * len(gold)
            for i, j in zip(g_order, p_order, strict=True):
                partner[i] = j
            return partner
    positions = [k for k, v in enumerate(gold[0]) if is_number(v)]
    finite = [
        k
        for k in positions
        if all(math.isfinite(float(r[k])) for r in gold)
        and all(math.isfinite(float(r[k])) for r in predicted)
    ]
    if finite:
        k = max(finite, key=lambda k: len({float(r[k]) for r in predicted}))
        by_value = sorted(range(len(predicted)), key=lambda j: float(predicted[j][k]))
        keys = [float(predicted[j][k]) for j in by_value]
        adjacency = []
        for row in gold:
            low, high = _tolerance_window(row[k])
            window = by_value[bisect_left(keys, low) : bisect_right(keys, high)]
            adjacency.append([j for j in sorted(window) if rows_equal(row, predicted[j])])
    else:
        adjacency = [[j for j, r in enumerate(predicted) if rows_equal(row, r)] for row in gold]
    return _max_matching(adjacency, len(predicted))


def _group(rows: Sequence[Row]) -> dict[tuple[Any, ...], list[int]]:
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[_signature(row)].append(index)
    return groups


def bag_match(gold: Sequence[Row], predicted: Sequence[Row]) -> tuple[list[int], list[int]]:
    """Pair equal rows one to one (as many as possible); returns the indexes of the unpaired gold
    rows ("missing") and of the unpaired predicted rows ("extra"). Both empty ⇔ equal bags."""
    gold_groups, pred_groups = _group(gold), _group(predicted)
    missing: list[int] = []
    extra: list[int] = []
    for signature, gold_idx in gold_groups.items():
        pred_idx = pred_groups.get(signature, [])
        if not pred_idx:
            missing.extend(gold_idx)
            continue
        if _NUMBER not in signature:  # no numbers: the rows of the group are all identical
            missing.extend(gold_idx[len(pred_idx) :])
            extra.extend(pred_idx[len(gold_idx) :])
            continue
        partner = _match_group([gold[i] for i in gold_idx], [predicted[j] for j in pred_idx])
        used = {j for j in partner if j is not None}
        missing.extend(i for i, j in zip(gold_idx, partner, strict=True) if j is None)
        extra.extend(p for j, p in enumerate(pred_idx) if j not in used)
    for signature, pred_idx in pred_groups.items():
        if signature not in gold_groups:
            extra.extend(pred_idx)
    return sorted(missing), sorted(extra)


def bags_equal(gold: Sequence[Row], predicted: Sequence[Row]) -> bool:
    """The two lists of rows are equal as multisets (duplicates counted)."""
    if len(gold) != len(predicted):
        return False
    if Counter(_signature(r) for r in gold) != Counter(_signature(r) for r in predicted):
        return False
    missing, extra = bag_match(gold, predicted)
    return not missing and not extra


def rows_match(gold: Sequence[Row], predicted: Sequence[Row], *, ordered: bool) -> bool:
    if ordered:
        return len(gold) == len(predicted) and all(
            rows_equal(g, p) for g, p in zip(gold, predicted, strict=True)
        )
    return bags_equal(gold, predicted)


# --- comparing two results ----------------------------------------------------------------------


@dataclass
class Comparison:
    strict: bool
    subset: bool
    #: gold column index → predicted column index of the matching σ (when subset holds)
    mapping: list[int] | None = None
    #: gold column index → predicted columns with the same values (column by column)
    candidates: list[list[int]] = field(default_factory=list)
    #: True when the search stopped at MAX_MAPPINGS without an answer
    gave_up: bool = False


def _classes(columns: list[list[Any]]) -> list[int]:
    """For each column, the index of the first column with exactly the same values (itself if
    none)."""
    first: dict[Any, int] = {}
    result = []
    for index, column in enumerate(columns):
        key = tuple((_kind(v), _freeze(v)) for v in column)
        result.append(first.setdefault(key, index))
    return result


def _mappings(candidates: list[list[int]], pred_class: list[int]) -> Iterator[list[int]]:
    """Injective maps gold column → candidate predicted column, most constrained gold column
    first. Predicted columns with identical values give identical projections whichever gold
    column each takes, so they are only tried in increasing order along the gold columns."""
    order = sorted(range(len(candidates)), key=lambda i: len(candidates[i]))
    chosen: dict[int, int] = {}
    used: set[int] = set()

    def allowed(i: int, j: int) -> bool:
        return all(pred_class[j2] != pred_class[j] or (i2 < i) == (j2 < j) for i2, j2 in chosen.items())

    def walk(depth: int) -> Iterator[list[int]]:
        if depth == len(order):
            yield [chosen[i] for i in range(len(candidates))]
            return
        i = order[depth]
        for j in candidates[i]:
            if j in used or not allowed(i, j):
                continue
            chosen[i] = j
            used.add(j)
            yield from walk(depth + 1)
            used.discard(j)
            del chosen[i]

    yield from walk(0)


def compare(
    gold_columns: Sequence[str],
    gold_rows: Sequence[Row],
    predicted_columns: Sequence[str],
    predicted_rows: Sequence[Row],
    *,
    ordered: bool,
) -> Comparison:
    """Strict and subset execution match of ``predicted`` against ``gold`` (module docstring)."""
    g, p = len(gold_columns), len(predicted_columns)
    if len(gold_rows) != len(predicted_rows) or p < g:
        return Comparison(strict=False, subset=False)
    gold_rows, predicted_rows = integers_read_as_numbers(gold_rows), integers_read_as_numbers(predicted_rows)
    gold_cols = [[row[i] for row in gold_rows] for i in range(g)]
    pred_cols = [[row[j] for row in predicted_rows] for j in range(p)]
    candidates = [
        [j for j in range(p) if columns_equal(gold_cols[i], pred_cols[j], ordered=ordered)] for i in range(g)
    ]
    if any(not c for c in candidates):
        return Comparison(strict=False, subset=False, candidates=candidates)
    mappings = _mappings(candidates, _classes(pred_cols))
    for tried, mapping in enumerate(mappings, start=1):
        projected = [tuple(row[j] for j in mapping) for row in predicted_rows]
        if rows_match(gold_rows, projected, ordered=ordered):
            return Comparison(strict=g == p, subset=True, mapping=mapping, candidates=candidates)
        if tried >= MAX_MAPPINGS:
            return Comparison(strict=False, subset=False, candidates=candidates, gave_up=True)
    return Comparison(strict=False, subset=False, candidates=candidates)


# --- explaining a mismatch ----------------------------------------------------------------------


def _kinds(column: Iterable[Any]) -> set[str]:
    return {"number" if is_number(v) else _kind(v) for v in column if v is not None}


def _diagnostic_mapping(
    gold_columns: Sequence[str],
    predicted_columns: Sequence[str],
    candidates: list[list[int]],
    gold_kinds: list[set[str]],
    predicted_kinds: list[set[str]],
) -> list[tuple[int, int, str]]:
    """A best-effort (gold column, predicted column, how) pairing for showing differences: by
    equal values first, then by name, then each remaining gold column with the first remaining
    predicted column holding the same kind of values ("guess")."""
    pairs: list[tuple[int, int, str]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()

    def pair(i: int, j: int, how: str) -> None:
        pairs.append((i, j, how))
        used_g.add(i)
        used_p.add(j)

    for i, options in enumerate(candidates):
        named = [j for j in options if predicted_columns[j].lower() == gold_columns[i].lower()]
        j = next((j for j in named + options if j not in used_p), None)
        if j is not None:
            pair(i, j, "values")
    by_name = {name.lower(): j for j, name in reversed(list(enumerate(predicted_columns)))}
    for i, name in enumerate(gold_columns):
        j = by_name.get(name.lower())
        if i not in used_g and j is not None and j not in used_p:
            pair(i, j, "name")
    for i in range(len(gold_columns)):
        if i in used_g:
            continue
        j = next(
            (
                j
                for j in range(len(predicted_columns))
                if j not in used_p
                and (gold_kinds[i] & predicted_kinds[j] or not gold_kinds[i] or not predicted_kinds[j])
            ),
            None,
        )
        if j is not None:
            pair(i, j, "guess")
    return sorted(pairs)


def explain(
    gold_columns: Sequence[str],
    gold_rows: Sequence[Row],
    predicted_columns: Sequence[str],
    predicted_rows: Sequence[Row],
    *,
    ordered: bool,
    comparison: Comparison | None = None,
    limit: int = 5,
) -> dict[str, Any]:
    """What differs between two results, for a failure report: reasons in words, the column
    pairing used, and the first few missing (gold, not predicted) and extra (predicted, not gold)
    rows — or, for ordered results whose rows are the same bag, the first row out of place.
    Values are returned as they are (the report makes them JSON-safe)."""
    gold_rows, predicted_rows = integers_read_as_numbers(gold_rows), integers_read_as_numbers(predicted_rows)
    comparison = comparison or compare(
        gold_columns, gold_rows, predicted_columns, predicted_rows, ordered=ordered
    )
    g, p = len(gold_columns), len(predicted_columns)
    reasons: list[str] = []
    diff: dict[str, Any] = {
        "gold_columns": list(gold_columns),
        "predicted_columns": list(predicted_columns),
        "gold_row_count": len(gold_rows),
        "predicted_row_count": len(predicted_rows),
        "reasons": reasons,
    }
    if comparison.subset and comparison.mapping is not None:
        extra_cols = [predicted_columns[j] for j in range(p) if j not in comparison.mapping]
        reasons.append(f"the gold result plus {len(extra_cols)} extra column(s): {', '.join(extra_cols)}")
        diff["column_mapping"] = {
            gold_columns[i]: predicted_columns[j] for i, j in enumerate(comparison.mapping)
        }
        return diff
    if g != p:
        reasons.append(f"column count differs: gold {g}, predicted {p}")
    if len(gold_rows) != len(predicted_rows):
        reasons.append(f"row count differs: gold {len(gold_rows)}, predicted {len(predicted_rows)}")
    # which predicted columns hold each gold column's values, in any order (an ordered result in
    # the wrong order still pairs its columns, and the row diff then shows the order)
    candidates = (
        comparison.candidates
        if comparison.candidates and not ordered
        else [
            [
                j
                for j in range(p)
                if columns_equal([r[i] for r in gold_rows], [r[j] for r in predicted_rows], ordered=False)
            ]
            for i in range(g)
        ]
    )
    unmatched = [gold_columns[i] for i, c in enumerate(candidates) if not c]
    if unmatched and len(gold_rows) == len(predicted_rows):
        reasons.append("no predicted column has the values of gold column(s): " + ", ".join(unmatched))
    pairs = _diagnostic_mapping(
        gold_columns,
        predicted_columns,
        candidates,
        [_kinds(r[i] for r in gold_rows) for i in range(g)],
        [_kinds(r[j] for r in predicted_rows) for j in range(p)],
    )
    diff["column_mapping"] = {
        gold_columns[i]: (predicted_columns[j] if how == "values" else f"{predicted_columns[j]} ({how})")
        for i, j, how in pairs
    }
    if comparison.gave_up:
        reasons.append(f"gave up after {MAX_MAPPINGS} column pairings (too many identical columns)")
    if not pairs:
        diff["missing_rows"] = [list(r) for r in gold_rows[:limit]]
        diff["extra_rows"] = [list(r) for r in predicted_rows[:limit]]
        return diff
    gi = [i for i, _, _ in pairs]
    pj = [j for _, j, _ in pairs]
    gold_proj = [tuple(r[i] for i in gi) for r in gold_rows]
    pred_proj = [tuple(r[j] for j in pj) for r in predicted_rows]
    missing, extra = bag_match(gold_proj, pred_proj)
    if missing or extra:
        reasons.append(f"{len(missing)} gold row(s) missing, {len(extra)} extra predicted row(s)")
        diff["missing_rows"] = [list(gold_rows[i]) for i in missing[:limit]]
        diff["extra_rows"] = [list(predicted_rows[j]) for j in extra[:limit]]
    elif ordered and len(gold_rows) == len(predicted_rows):
        first = next(
            (k for k, (a, b) in enumerate(zip(gold_proj, pred_proj, strict=True)) if not rows_equal(a, b)),
            None,
        )
        if first is not None:
            reasons.append(f"same rows in a different order (first difference at row {first + 1})")
            diff["first_out_of_order"] = {
                "row": first + 1,
                "gold": list(gold_rows[first]),
                "predicted": list(predicted_rows[first]),
            }
    if not reasons:  # the paired columns agree row by row; the difference is in the pairing
        reasons.append("columns hold the right values but rows do not line up across columns")
    return diff
