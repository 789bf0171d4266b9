"""Database URLs as o2c takes them (``sqlite:///path`` or ``postgresql://…``).

Read one way by the event store, the read store and the tools, so that no URL is SQLite to one
of them and PostgreSQL to another.
"""

from __future__ import annotations


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL (a file, or memory); everything else is PostgreSQL."""
    return url.startswith("sqlite:")
