"""Audit tests reuse the read-side world and the API client fixtures."""

from __future__ import annotations

from tests.api.conftest import client
from tests.read.conftest import rw_sqlite

__all__ = ["client", "rw_sqlite"]
