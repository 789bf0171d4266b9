"""Generated statements written in each format read back to the very same model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.bank import BankStatement, StatementFormat, read_statement
from o2c_devtools.synthetic_bank.generator import generate_statements
from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.truth import OpenInvoice
from o2c_devtools.synthetic_bank.writers import write_bai2, write_camt053, write_mt940

Writer = Callable[[BankStatement], bytes]

WRITERS: dict[str, tuple[Writer, StatementFormat]] = {
    "camt.053.001.02": (write_camt053, StatementFormat.CAMT053),
    "camt.053.001.08": (lambda s: write_camt053(s, version="001.08"), StatementFormat.CAMT053),
    "mt940": (write_mt940, StatementFormat.MT940),
    "bai2": (write_bai2, StatementFormat.BAI2),
}


@pytest.mark.parametrize("layout", sorted(WRITERS))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**32), count=st.integers(min_value=0, max_value=60))
def test_written_statement_reads_back_equal(
    layout: str, seed: int, count: int, open_invoices: list[OpenInvoice]
) -> None:
    write, detected = WRITERS[layout]
    statement = generate_statements(open_invoices, seed=seed, count=count).files[0].statement

    data = write(statement)

    assert read_statement(data) == statement
    assert read_statement(data, detected) == statement


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_a_large_statement_reads_back_equal(layout: str, open_invoices: list[OpenInvoice]) -> None:
    write, _ = WRITERS[layout]
    statement = generate_statements(open_invoices, seed=2026, count=600).files[0].statement

    back = read_statement(write(statement))

    assert back == statement
    assert [line.line_id for line in back.lines] == [line.line_id for line in statement.lines]


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_currency_without_minor_units_reads_back_equal(layout: str) -> None:
    invoices = synthetic_open_invoices(seed=5, count=80, currency="JPY")
    statement = (
        generate_statements(invoices, seed=9, count=40, currency="JPY", booked_on=date(2026, 3, 2))
        .files[0]
        .statement
    )
    write, _ = WRITERS[layout]

    assert read_statement(write(statement)) == statement
