"""Line ids are stable across reads (a re-import is recognisable) and distinct within a file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.bank import read_statement, read_statements
from o2c.bank.identity import UnidentifiedLine, identify_lines
from o2c.bank.statement import BankStatement
from o2c_devtools.synthetic_bank.writers import write_bai2, write_camt053, write_mt940
from tests.bank.conftest import sample

SAMPLES = [
    "camt053_handwritten_iso20022.xml",
    "mt940_betterplace_sepa.sta",
    "mt940_jejik_abnamro.sta",
    "bai2_citi_example.bai2",
    "bai2_svb_us_example.bai2",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_two_reads_of_a_file_agree_on_every_id(name: str) -> None:
    first = read_statements(sample(name))
    second = read_statements(sample(name))

    assert first == second
    assert [s.statement_id for s in first] == [s.statement_id for s in second]
    assert [line.line_id for s in first for line in s.lines] == [
        line.line_id for s in second for line in s.lines
    ]


@pytest.mark.parametrize("name", SAMPLES)
def test_lines_of_a_statement_have_distinct_ids(name: str) -> None:
    for statement in read_statements(sample(name)):
        ids = [line.line_id for line in statement.lines]
        assert len(set(ids)) == len(ids)


def _line(
    reference: str | None, amount: str = "100.00", text: str = "INV-000001"
) -> UnidentifiedLine:
    return UnidentifiedLine(
        booked_on=date(2026, 1, 15),
        amount=Decimal(amount),
        currency="EUR",
        credit=True,
        bank_reference=reference,
        remittance=text,
        payer_name="Falke Logistik GmbH",
        payer_iban="DE89370400440532013000",
        end_to_end_id=None,
        source_line=1,
    )


def _statement(lines: list[UnidentifiedLine]) -> BankStatement:
    statement_id, account = "ST2601150001/00001", "DE89370400440532013000"
    return BankStatement(
        statement_id=statement_id,
        account_id=account,
        currency="EUR",
        created_on=date(2026, 1, 16),
        period_start=date(2026, 1, 15),
        period_end=date(2026, 1, 15),
        lines=identify_lines(statement_id, account, lines),
    )


def test_the_bank_reference_is_the_line_id() -> None:
    statement = _statement([_line("2601150000000001"), _line("2601150000000002")])

    assert [line.line_id for line in statement.lines] == ["2601150000000001", "2601150000000002"]


def test_a_repeated_bank_reference_is_qualified_not_dropped() -> None:
    statement = _statement([_line("REF1"), _line("REF1"), _line("NONREF"), _line("REF1")])

    assert [line.line_id for line in statement.lines][:2] == ["REF1", "REF1#2"]
    assert statement.lines[3].line_id == "REF1#3"
    assert statement.lines[2].line_id.startswith("sha256:")


def test_identical_lines_without_reference_get_different_digests() -> None:
    statement = _statement([_line(None), _line(None)])

    first, second = (line.line_id for line in statement.lines)
    assert first.startswith("sha256:")
    assert first != second


@pytest.mark.parametrize(
    "write", [write_camt053, write_mt940, write_bai2], ids=["camt053", "mt940", "bai2"]
)
def test_digest_ids_survive_every_format(write: object) -> None:
    assert callable(write)
    statement = _statement([_line(None), _line(None), _line(None, "250.00", "Rechnung 7")])

    back = read_statement(write(statement))

    assert [line.line_id for line in back.lines] == [line.line_id for line in statement.lines]


def test_different_content_gives_different_digests() -> None:
    one = _statement([_line(None, "100.00")]).lines[0].line_id
    other = _statement([_line(None, "100.01")]).lines[0].line_id

    assert one != other
