"""Each reader on statements written by others (see tests/fixtures/bank/README.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.bank import MalformedStatement, read_statement, read_statements
from tests.bank.conftest import sample

CAMT = "camt053_handwritten_iso20022.xml"


def test_camt053_sample_statement_header() -> None:
    statement = read_statement(sample(CAMT), "camt.053")

    assert statement.statement_id == "STMT-2026-11-04-001"
    assert statement.account_id == "DE89370400440532013000"
    assert statement.account_iban == "DE89370400440532013000"
    assert statement.currency == "EUR"
    assert statement.created_on == date(2026, 11, 5)
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 4), date(2026, 11, 4))


def test_camt053_sample_lines_keep_debits_and_their_place_in_the_file() -> None:
    lines = read_statement(sample(CAMT)).lines

    assert [line.amount for line in lines] == [
        Decimal("1250.00"),
        Decimal("1450.50"),
        Decimal("-220.00"),
    ]
    assert [line.credit for line in lines] == [True, True, False]
    assert [line.source_line for line in lines] == [37, 57, 83]
    assert [line.line_id for line in lines] == ["BANKREF-7001", "BANKREF-7002", "BANKREF-7003"]
    assert all(line.booked_on == date(2026, 11, 4) for line in lines)


def test_camt053_sample_unstructured_and_structured_remittance() -> None:
    first, second, _ = read_statement(sample(CAMT)).lines

    assert (first.payer_name, first.payer_iban) == ("Acme Trading Ltd", "GB29NWBK60161331926819")
    assert first.remittance == "Invoice INV-000123"
    assert first.end_to_end_id == "E2E-ACME-0042"
    assert second.remittance == "INV-000124"  # the creditor reference (SCOR) of Strd
    assert second.end_to_end_id is None  # NOTPROVIDED is no reference


def test_camt053_sample_debit_names_the_creditor() -> None:
    debit = read_statement(sample(CAMT)).lines[2]

    assert debit.payer_name == "Office Supplies SARL"
    assert debit.payer_iban == "FR1420041010050500013M02606"
    assert debit.remittance == "Order 5521 paper and toner"


def test_mt940_sepa_sample_has_every_statement_of_the_file() -> None:
    statements = read_statements(sample("mt940_betterplace_sepa.sta"), "mt940")

    assert len(statements) == 26
    first = statements[0]
    assert first.statement_id == "T089413946000001/00004/00001"
    assert first.account_id == "50880050/0194774600888"
    assert first.account_iban is None
    assert first.currency == "EUR"
    assert (first.period_start, first.period_end) == (date(2007, 9, 3), date(2007, 9, 4))
    assert len(first.lines) == 7


def test_mt940_sepa_sample_structured_details() -> None:
    line = read_statements(sample("mt940_betterplace_sepa.sta"))[1].lines[0]

    assert line.amount == Decimal("15000.05")
    assert line.credit
    assert line.booked_on == date(2007, 9, 4)
    assert line.bank_reference == "0724710290621954"
    assert line.line_id == "0724710290621954"
    assert line.payer_iban == "DE42100100100043921105"
    assert line.payer_name == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    assert line.end_to_end_id == "EndToEndIdTFNR2000400001"
    assert line.remittance.startswith("TO 13 TFNr 20004 Eingangskanal Mint")
    assert line.source_line == 30


def test_mt940_sepa_sample_reversed_credit_is_money_out() -> None:
    lines = read_statements(sample("mt940_betterplace_sepa.sta"))[0].lines

    reversal = next(line for line in lines if line.source_line == 19)
    assert reversal.amount == Decimal("-204.88")
    assert not reversal.credit
    assert reversal.remittance == "0904059003"
    assert reversal.bank_reference is None


def test_mt940_abnamro_sample_skips_bank_headers_and_reads_free_text() -> None:
    statements = read_statements(sample("mt940_jejik_abnamro.sta"))

    assert [s.statement_id for s in statements] == [
        "ABN AMRO BANK NV/19321/1",
        "ABN AMRO BANK NV/19322/1",
    ]
    first = statements[0].lines[0]
    assert first.amount == Decimal("-9.00")
    assert first.booked_on == date(2011, 5, 24)
    assert first.remittance == (
        "GIRO 428428 KPN - DIGITENNE BETALINGSKENM. 000000042188659 5314606715"
        " BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW"
    )
    assert [len(s.lines) for s in statements] == [8, 2]
    assert statements[1].period_end == date(2011, 5, 24)


def test_mt940_statement_level_details_stay_off_the_last_line() -> None:
    data = sample("mt940_jejik_abnamro.sta")
    informed = data.replace(b":62M:C110524EUR1849,75", b":62M:C110524EUR1849,75\n:86:SALDO INFO")

    last = read_statements(informed)[1].lines[-1]

    assert last.remittance == "52.89.39.882 MYCOM DEN HAAG"


def test_bai2_citi_sample() -> None:
    statement = read_statement(sample("bai2_citi_example.bai2"), "bai2")

    assert statement.statement_id == "00131100/00001"
    assert statement.account_id == "77777777"
    assert statement.currency == "GBP"
    assert statement.created_on == date(2015, 7, 16)
    assert statement.period_start == statement.period_end == date(2015, 7, 15)
    (line,) = statement.lines
    assert line.amount == Decimal("0.01")
    assert line.credit
    assert line.bank_reference == "1234567890"
    assert line.end_to_end_id == "RP12312312312312"
    assert line.remittance.startswith("FR:FP SIP INCOMING ENDT:20150715 TRID:RP12312312312312")
    assert line.remittance.endswith("BO:11111111 BO1:DOE JO")
    assert line.source_line == 4


def test_bai2_svb_sample_has_one_statement_per_group() -> None:
    statements = read_statements(sample("bai2_svb_us_example.bai2"))

    assert [s.statement_id for s in statements] == ["1/00001", "1/00002"]
    assert [s.period_start for s in statements] == [date(2022, 2, 1), date(2022, 2, 2)]
    amounts = [
        (line.amount, line.bank_reference, line.source_line) for s in statements for line in s.lines
    ]
    assert amounts == [(Decimal("4901.96"), "172629", 7), (Decimal("9058.00"), "150675", 16)]
    assert all(line.remittance == "SOME PAYMENT ACH OFFSET" for s in statements for line in s.lines)


def test_read_statement_refuses_a_file_of_several_statements() -> None:
    with pytest.raises(MalformedStatement, match="read_statements"):
        read_statement(sample("bai2_svb_us_example.bai2"))
