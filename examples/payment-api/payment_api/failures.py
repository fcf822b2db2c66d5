"""Switchable failure modes: probabilities per request, from the environment or changed at runtime.

``PAYMENT_API_FAILURES="db=0.05,timeout=0.03,declined=0.1,slow=0.1"``. A request may also force one
mode with the ``X-Simulate-Failure`` header (tests, the web app's "break it" buttons).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields

MODES = ("db", "timeout", "declined", "slow")


@dataclass
class FailureModes:
    """Per-request probabilities (0..1) of each failure mode."""

    db: float = 0.0
    timeout: float = 0.0
    declined: float = 0.0
    slow: float = 0.0

    @classmethod
    def parse(cls, text: str | None) -> FailureModes:
        """``"db=0.05,slow=0.1"`` → FailureModes; unknown names or bad numbers raise ValueError."""
        modes = cls()
        for part in (text or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"failure mode {part!r} needs a probability, e.g. {part}=0.05")
            modes.set(name.strip(), value.strip())
        return modes

    def set(self, name: str, value: object) -> None:
        if name not in MODES:
            raise ValueError(f"unknown failure mode {name!r}; use one of {', '.join(MODES)}")
        try:
            p = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"failure mode {name}: {value!r} is not a number") from None
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"failure mode {name}: {p} is not a probability between 0 and 1")
        setattr(self, name, p)

    def update(self, changes: dict[str, object]) -> None:
        """Validate everything first, so a bad value changes nothing."""
        trial = FailureModes(**self.as_dict())
        for name, value in changes.items():
            trial.set(name, value)
        for f in fields(self):
            setattr(self, f.name, getattr(trial, f.name))

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def roll(self, mode: str, forced: str | None, rng: random.Random) -> bool:
        """Whether ``mode`` strikes this request."""
        if forced is not None:
            return forced == mode
        p = getattr(self, mode)
        return p > 0.0 and rng.random() < p
