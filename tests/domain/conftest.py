"""The fast tier: pure domain tests, in memory, with no database, broker or server.

Every test under tests/domain/ is marked ``fast``; ``make test-fast`` runs just them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.fast)
