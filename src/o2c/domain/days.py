"""Business dates as proleptic ordinals (``date.toordinal()``), as read models and posting rules
store them: "days past due" is then a plain subtraction in SQL on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date


def to_day(iso: str | date | None) -> int | None:
    """ISO date → ordinal day number."""
    if iso is None:
        return None
    d = iso if isinstance(iso, date) else date.fromisoformat(iso)
    return d.toordinal()


def from_day(day: int | None) -> str | None:
    """Ordinal day number → ISO date."""
    return None if day is None else date.fromordinal(int(day)).isoformat()
