"""Collections tests use the read-side world (read models over the same log)."""

from tests.read.conftest import rw, rw_sqlite

__all__ = ["rw", "rw_sqlite"]
