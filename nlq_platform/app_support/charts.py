"""A chart that fits a query result, or None when a table says it better.

* time buckets (one time column, a measure, at most one category) → a line per measure/category;
* top-N or per-category (a label that names each row once, a measure, ≤ 50 rows) → horizontal bars;
* anything else — one value, raw log rows, a listing — gets no chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd

MAX_BARS = 50
LABEL = "__label__"


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list):
        return str(value)
    return value


def to_frame(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The rows as a DataFrame: Decimal → float, dates → datetime64, JSON → text."""
    frame = pd.DataFrame([[_cell(v) for v in row] for row in rows], columns=list(columns))
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) and frame[name].dtype == object:
            if all(isinstance(v, datetime | date) for v in values):
                frame[name] = pd.to_datetime(
                    frame[name], utc=any(isinstance(v, datetime) and v.tzinfo is not None for v in values)
                )
            elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                frame[name] = pd.to_numeric(frame[name])
    return frame


def _kinds(frame: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """(time columns, measure columns, category columns)."""
    times, measures, categories = [], [], []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series):
            times.append(name)
        elif pd.api.types.is_bool_dtype(series):
            categories.append(name)
        elif pd.api.types.is_numeric_dtype(series):
            measures.append(name)
        elif series.dropna().map(lambda v: isinstance(v, str)).all():
            categories.append(name)
    return times, measures, categories


def _tooltip(frame: pd.DataFrame) -> list[alt.Tooltip]:
    tips = []
    for name in frame.columns:
        if name == LABEL:
            continue
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series):
            tips.append(alt.Tooltip(f"{name}:T", format="%Y-%m-%d %H:%M"))
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            tips.append(alt.Tooltip(f"{name}:Q", format=",.2~f"))
        else:
            tips.append(alt.Tooltip(f"{name}:N"))
    return tips


def line_chart(frame: pd.DataFrame, time: str, measures: list[str], category: str | None) -> alt.Chart:
    base = alt.Chart(frame)
    x = alt.X(f"{time}:T", title=time)
    if len(measures) > 1:
        return (
            base.transform_fold(measures, as_=["measure", "value"])
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("value:Q", title=None),
                color=alt.Color("measure:N", title=None),
                tooltip=_tooltip(frame),
            )
        )
    encoding: dict[str, Any] = {"x": x, "y": alt.Y(f"{measures[0]}:Q", title=measures[0])}
    if category:
        encoding["color"] = alt.Color(f"{category}:N", title=category)
    return base.mark_line(point=True).encode(**encoding, tooltip=_tooltip(frame))


def bar_chart(frame: pd.DataFrame, label: str, measure: str, title: str) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{measure}:Q", title=measure),
            y=alt.Y(f"{label}:N", sort="-x", title=title, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
            tooltip=_tooltip(frame),
        )
    )


def choose_chart(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> alt.Chart | None:
    """An altair chart for the result when one fits (see the module docstring), else None."""
    if len(rows) < 2 or len(set(columns)) != len(columns):
        return None
    frame = to_frame(columns, rows)
    times, measures, categories = _kinds(frame)
    if not measures:
        return None
    height = 300
    # time buckets: one time column, one or two measures, at most one category, nothing else
    if (
        len(times) == 1
        and len(categories) <= 1
        and len(frame.columns) == 1 + len(measures) + len(categories)
        and len(measures) <= (1 if categories else 3)
        and frame[times[0]].nunique() >= 2
    ):
        chart = line_chart(frame, times[0], measures, categories[0] if categories else None)
        return chart.properties(height=height)
    # per category / top-N: a label naming each row once — one category, or all of them (≤ 3)
    # joined; more text columns than that is a listing of rows, not a breakdown
    if 0 < len(categories) <= 3 and len(frame) <= MAX_BARS and len(frame.columns) <= 6:
        label_columns = categories[:1] if frame[categories[0]].is_unique else categories
        labels = frame[label_columns].astype(str).agg(" · ".join, axis=1)
        if labels.is_unique:
            frame = frame.assign(**{LABEL: labels})
            chart = bar_chart(frame, LABEL, measures[0], " · ".join(label_columns))
            return chart.properties(height=max(160, min(30 * len(frame), 600)))
    return None


def chart_kind(chart: alt.Chart | None) -> str | None:
    """'line', 'bar' or None — what :func:`choose_chart` chose."""
    if chart is None:
        return None
    mark = chart.mark
    return mark if isinstance(mark, str) else mark.type
