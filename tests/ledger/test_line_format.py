"""The export's fast amount formatting writes exactly what ``from_mills`` writes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from o2c.domain.money import MINOR_UNITS, from_mills
from o2c.ledger.postings import DEFAULT_CHART
from o2c.projections.queries.ledger import LineFormat


@given(
    mills=st.one_of(st.integers(-(10**18), 10**18), st.integers(0, 10**5).map(lambda n: n * 10)),
    currency=st.sampled_from(sorted(MINOR_UNITS)),
)
def test_amounts_read_as_from_mills(mills: int, currency: str) -> None:
    assert LineFormat(DEFAULT_CHART).amount(mills, currency) == from_mills(mills, currency)
