"""Which way a series goes: the least-squares slope over the whole span, relative to the mean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Direction = Literal["rising", "falling", "flat"]

#: a change over the span of less than this share of the mean reads as flat
THRESHOLD = 0.2


def direction(values: Sequence[float], threshold: float = THRESHOLD) -> Direction | None:
    """``rising`` when the fitted line climbs by more than ``threshold`` × the mean from the first
    point to the last, ``falling`` when it drops so much, else ``flat``; None for fewer than two
    points."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    if mean == 0:
        return "flat"
    x_mean = (n - 1) / 2
    spread = sum((x - x_mean) ** 2 for x in range(n))
    slope = sum((x - x_mean) * (y - mean) for x, y in enumerate(values)) / spread
    change = slope * (n - 1) / abs(mean)
    if change > threshold:
        return "rising"
    if change < -threshold:
        return "falling"
    return "flat"
