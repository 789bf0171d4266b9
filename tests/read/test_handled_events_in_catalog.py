"""Every event a read model or a posting rule handles is one the catalog publishes.

A handler keyed on a misspelt name, or on an event renamed without an upcaster, never fires:
the read model or the ledger silently stops following that fact.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from o2c.events.catalog import BY_NAME, GIVEN_BACK_ON
from o2c.ledger import postings
from o2c.projections.base import Projection
from o2c.projections.registry import PROJECTIONS


def _posted_event_names() -> set[str]:
    """The event names the posting rules compare ``event_type`` with (``case`` patterns and
    ``== "…"`` tests), read from their source: the rules keep no table of them."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(postings))):
        if isinstance(node, ast.Match) and "event_type" in ast.unparse(node.subject):
            for case in node.cases:
                for value in ast.walk(case.pattern):
                    if isinstance(value, ast.MatchValue) and isinstance(value.value, ast.Constant):
                        names.add(str(value.value.value))
        if isinstance(node, ast.Compare) and "event_type" in ast.unparse(node.left):
            names |= {
                str(c.value)
                for c in node.comparators
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return names


def test_the_posting_rules_are_read() -> None:
    assert {"InvoiceIssued", "PaymentReceived", "PaymentDeallocated"} <= _posted_event_names()


@pytest.mark.parametrize("projection", PROJECTIONS, ids=lambda p: p.name)
def test_projection_handlers_are_catalogued(projection: Projection) -> None:
    handled = set(projection.handlers)
    assert handled, "a projection that handles nothing"
    assert handled - set(BY_NAME) == set()


def test_posting_rules_and_given_back_dates_are_catalogued() -> None:
    assert (_posted_event_names() | set(GIVEN_BACK_ON)) - set(BY_NAME) == set()
