"""Files a reader cannot take whole raise ``MalformedStatement`` naming the line at fault."""

from __future__ import annotations

import pytest

from o2c.bank import BankStatement, MalformedStatement, read_statement, read_statements
from o2c_devtools.synthetic_bank.generator import generate_statements
from o2c_devtools.synthetic_bank.truth import OpenInvoice
from o2c_devtools.synthetic_bank.writers import write_bai2, write_camt053, write_mt940


@pytest.fixture(scope="module")
def statement(open_invoices: list[OpenInvoice]) -> BankStatement:
    """A dozen generated lines: the well-formed file each test then breaks."""
    return generate_statements(open_invoices, seed=3, count=12, reimport=False).files[0].statement


def line_of(data: bytes, needle: bytes, occurrence: int = 1) -> int:
    """1-based line of the n-th occurrence of ``needle``."""
    position = -1
    for _ in range(occurrence):
        position = data.index(needle, position + 1)
    return data[:position].count(b"\n") + 1


def lines_of(data: bytes) -> list[bytes]:
    """The file's lines with their line ends."""
    return data.splitlines(keepends=True)


def with_line_inserted(data: bytes, after_line: int, text: bytes) -> bytes:
    """The file with ``text`` put in after line ``after_line``."""
    lines = lines_of(data)
    return b"".join([*lines[:after_line], text, *lines[after_line:]])


def failure(data: bytes, format: str | None = None) -> MalformedStatement:
    """The error reading ``data`` raises; the test fails if it reads."""
    with pytest.raises(MalformedStatement) as raised:
        read_statements(data, format)
    return raised.value


# camt.053


def test_camt053_truncated_names_the_last_line(statement: BankStatement) -> None:
    data = write_camt053(statement)
    cut = b"".join(lines_of(data)[:60])

    assert failure(cut, "camt.053").line == 60


def test_camt053_bad_amount_names_its_element(statement: BankStatement) -> None:
    data = write_camt053(statement)
    amount = statement.lines[4].amount
    needle = f">{abs(amount)}</Amt>".encode()
    broken = data.replace(needle, b">12x.45</Amt>", 1)

    error = failure(broken)

    assert error.line == line_of(data, needle)
    assert "12x.45" in error.message


def test_camt053_garbage_in_the_middle_names_its_line(statement: BankStatement) -> None:
    data = write_camt053(statement)
    garbled = with_line_inserted(data, 70, b"  <<%%garbage%%>>\n")

    assert failure(garbled).line == 71


def test_camt053_binary_junk_names_its_line(statement: BankStatement) -> None:
    garbled = with_line_inserted(write_camt053(statement), 40, b"\x00\x01\x02\n")

    assert failure(garbled).line == 41


def test_camt053_pending_entry_is_refused(statement: BankStatement) -> None:
    data = write_camt053(statement).replace(b"<Sts>BOOK</Sts>", b"<Sts>PDNG</Sts>", 1)

    error = failure(data)

    assert error.line == line_of(data, b"<Sts>PDNG</Sts>")
    assert "PDNG" in error.message


def in_first_entry(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with the first ``old`` inside the first ``<Ntry>`` replaced by ``new``."""
    entry = data.index(b"<Ntry>")
    return data[:entry] + data[entry:].replace(old, new, 1)


def test_camt053_unknown_credit_debit_indicator(statement: BankStatement) -> None:
    data = write_camt053(statement)
    indicator = b"CRDT" if statement.lines[0].credit else b"DBIT"
    broken = in_first_entry(data, b"<CdtDbtInd>" + indicator, b"<CdtDbtInd>CRED")

    assert failure(broken).line == line_of(broken, b"<CdtDbtInd>CRED")


def test_camt053_bad_booking_date(statement: BankStatement) -> None:
    data = write_camt053(statement)
    needle = f"<Dt>{statement.period_start.isoformat()}</Dt>".encode()
    broken = in_first_entry(data, needle, b"<Dt>2026-02-30</Dt>")

    assert failure(broken).line == line_of(broken, b"2026-02-30")


def test_other_iso20022_message_is_not_a_statement() -> None:
    data = (
        b'<?xml version="1.0"?>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">\n'
        b"</Document>\n"
    )

    assert failure(data, "camt.053").line == 2


# MT940


def test_mt940_truncated_names_where_the_statement_stops(statement: BankStatement) -> None:
    data = write_mt940(statement)
    cut = b"".join(lines_of(data)[:20])

    error = failure(cut, "mt940")

    assert error.line == 20
    assert "closing balance" in error.message


def test_mt940_truncated_inside_a_statement_line(statement: BankStatement) -> None:
    data = write_mt940(statement)
    line = line_of(data, b":61:", 3)
    cut = b"".join(lines_of(data)[: line - 1]) + lines_of(data)[line - 1][:12]

    assert failure(cut).line == line


def test_mt940_bad_amount_names_its_statement_line(statement: BankStatement) -> None:
    data = write_mt940(statement)
    line = line_of(data, b":61:", 2)
    lines = lines_of(data)
    lines[line - 1] = lines[line - 1].replace(b",", b"x", 1)

    error = failure(b"".join(lines))

    assert error.line == line
    assert ":61:" in error.message


def test_mt940_impossible_date_names_its_line(statement: BankStatement) -> None:
    data = write_mt940(statement)
    line = line_of(data, b":61:", 4)
    lines = lines_of(data)
    lines[line - 1] = b":61:2602300230" + lines[line - 1][14:]

    assert failure(b"".join(lines)).line == line


def test_mt940_garbage_in_the_middle_names_its_line(statement: BankStatement) -> None:
    data = write_mt940(statement)
    after = line_of(data, b":28C:")

    error = failure(with_line_inserted(data, after, b"%%% GARBAGE %%%\r\n"))

    assert error.line == after + 1
    assert ":28C:" in error.message


def test_mt940_control_characters_name_their_line(statement: BankStatement) -> None:
    data = write_mt940(statement)
    after = line_of(data, b":86:", 3)

    assert failure(with_line_inserted(data, after, b"\x00\x07\x1b junk\r\n")).line == after + 1


def test_mt940_unknown_field_names_its_line(statement: BankStatement) -> None:
    data = write_mt940(statement)
    line = line_of(data, b":61:", 5)
    lines = lines_of(data)
    lines[line - 1] = lines[line - 1].replace(b":61:", b":6X:", 1)

    assert failure(b"".join(lines)).line == line


# BAI2


def test_bai2_truncated_names_the_last_line(statement: BankStatement) -> None:
    data = write_bai2(statement)
    cut = b"".join(lines_of(data)[:10])

    error = failure(cut, "bai2")

    assert error.line == 10
    assert "ends too early" in error.message


def test_bai2_bad_amount_names_its_record(statement: BankStatement) -> None:
    data = write_bai2(statement)
    line = line_of(data, b"16,", 3)
    lines = lines_of(data)
    fields = lines[line - 1].split(b",")
    fields[2] = fields[2][:2] + b"x" + fields[2][3:]
    lines[line - 1] = b",".join(fields)

    assert failure(b"".join(lines)).line == line


def test_bai2_garbage_in_the_middle_names_its_line(statement: BankStatement) -> None:
    data = write_bai2(statement)

    assert failure(with_line_inserted(data, 6, b"%%% GARBAGE %%%\n")).line == 7


def test_bai2_wrong_control_total_names_the_account_trailer(statement: BankStatement) -> None:
    data = write_bai2(statement)
    line = line_of(data, b"49,")
    lines = lines_of(data)
    lines[line - 1] = b"49,1," + lines[line - 1].split(b",", 2)[2]

    error = failure(b"".join(lines))

    assert error.line == line
    assert "control total" in error.message


def test_bai2_unknown_type_code_names_its_record(statement: BankStatement) -> None:
    data = write_bai2(statement)
    line = line_of(data, b"16,", 2)
    lines = lines_of(data)
    lines[line - 1] = b"16,999," + lines[line - 1].split(b",", 2)[2]

    assert failure(b"".join(lines)).line == line


@pytest.mark.parametrize("control", [b"\x01", b"\x0b", b"\x1c", b"\x7f"])
def test_bai2_control_characters_in_a_text_field_name_their_line(
    statement: BankStatement, control: bytes
) -> None:
    data = write_bai2(statement)
    line = line_of(data, b"16,", 4)
    lines = lines_of(data)
    lines[line - 1] = lines[line - 1].replace(b"ORG:", b"ORG:Jun" + control + b"k ", 1)
    assert control in lines[line - 1]

    error = failure(b"".join(lines), "bai2")

    assert error.line == line
    assert "control character" in error.message


def test_bai2_records_after_the_file_trailer(statement: BankStatement) -> None:
    data = write_bai2(statement) + b"16,195,100,Z,,,late/\n"

    assert failure(data).line == len(lines_of(data))


# Any format


def test_unknown_content_is_refused() -> None:
    with pytest.raises(MalformedStatement) as raised:
        read_statement(b"Date;Amount;Text\n2026-01-15;100,00;INV-000123\n")
    assert raised.value.line == 1


def test_empty_file_is_refused() -> None:
    with pytest.raises(MalformedStatement) as raised:
        read_statement(b"")
    assert raised.value.line is None


def test_the_message_names_the_line() -> None:
    error = MalformedStatement("bad amount", 12)

    assert str(error) == "line 12: bad amount"
    assert (error.message, error.line) == ("bad amount", 12)
