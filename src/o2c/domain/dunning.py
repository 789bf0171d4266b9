"""Dunning policy: which reminder level is due for an invoice on a given date."""

from __future__ import annotations

from dataclasses import dataclass

from o2c.domain.errors import InvalidInput

DEFAULT_LEVELS: tuple[int, ...] = (1, 15, 30)


@dataclass(frozen=True)
class DunningPolicy:
    """Reminder level ``n`` (1-based) is sent once days past due reach ``levels[n-1]``."""

    levels: tuple[int, ...] = DEFAULT_LEVELS

    def __post_init__(self) -> None:
        if not self.levels or any(d < 1 for d in self.levels):
            raise InvalidInput("dunning levels must be positive days", code="invalid-dunning")
        if list(self.levels) != sorted(set(self.levels)):
            raise InvalidInput("dunning levels must strictly increase", code="invalid-dunning")

    @classmethod
    def parse(cls, text: str) -> DunningPolicy:
        """Parse ``"1,15,30"``."""
        try:
            return cls(tuple(int(p) for p in text.split(",") if p.strip()))
        except ValueError as exc:
            raise InvalidInput(f"bad dunning levels {text!r}", code="invalid-dunning") from exc

    def next_level(self, current_level: int, days_past_due: int) -> int | None:
        """The next level to send, or ``None`` when nothing new is due yet."""
        if current_level >= len(self.levels):
            return None
        if days_past_due >= self.levels[current_level]:
            return current_level + 1
        return None
