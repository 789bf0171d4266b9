"""The cold tier's shared reference: the book's figures from one uninterrupted process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.cold.differential import uninterrupted
from tests.support.pg import temporary_database


@pytest.fixture(scope="session")
def uninterrupted_figures() -> Iterator[dict[str, Any]]:
    """The book run in one process on PostgreSQL, computed once for every comparison."""
    with temporary_database() as url:
        yield uninterrupted(url)
