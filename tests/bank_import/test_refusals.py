"""Statement files the API refuses whole, recording nothing: text the log cannot hold (422
naming the line, whatever the format let through) and a statement id sent before with other
content (409 naming the difference)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from o2c_devtools.synthetic_bank.writers import write_bai2, write_camt053, write_mt940
from tests.bank_import.conftest import Bank
from tests.bank_import.test_import import imported, post_file


def _line_number(data: bytes, needle: bytes, occurrence: int) -> int:
    at = -1
    for _ in range(occurrence):
        at = data.index(needle, at + 1)
    return data[:at].count(b"\n") + 1


def test_a_bai2_file_with_a_control_character_in_a_text_field_is_refused(bank: Bank) -> None:
    data = write_bai2(bank.file.statement)
    line = _line_number(data, b"\n16,", 3) + 1
    rows = data.split(b"\n")
    assert rows[line - 1].startswith(b"16,") and b"ORG:" in rows[line - 1]
    rows[line - 1] = rows[line - 1].replace(b"ORG:", b"ORG:Bell\x07 ", 1)
    before = bank.position()

    r = post_file(bank, b"\n".join(rows), "bai2")

    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "malformed-statement"
    assert r.json()["line"] == line
    assert "control character" in r.json()["reason"]
    assert bank.position() == before


def test_text_longer_than_the_log_takes_is_refused_naming_its_line(bank: Bank) -> None:
    data = write_camt053(bank.file.statement)
    entry_line = _line_number(data, b"<Ntry>", 2)
    at = data.index(b"<Ustrd>", data.index(b"<Ntry>", data.index(b"<Ntry>") + 1))
    long_text = b"<Ustrd>" + b"x" * 2100 + b"</Ustrd>"
    data = data[:at] + long_text + data[at:]
    before = bank.position()

    r = post_file(bank, data, "camt053")

    assert r.status_code == 422, r.text
    assert r.json()["code"] == "malformed-statement"
    assert entry_line <= r.json()["line"] < _line_number(data, b"</Ntry>", 2)
    assert "remittance" in r.json()["reason"]
    assert bank.position() == before


def test_a_statement_sent_again_with_other_content_is_refused_naming_the_difference(
    bank: Bank,
) -> None:
    body, _ = imported(bank, "mt940")
    statement = bank.file.statement
    changed = next(line for line in statement.lines if line.credit and line.bank_reference)
    lines = [
        dataclasses.replace(line, amount=line.amount + Decimal("1.00")) if line is changed else line
        for line in statement.lines
    ]
    extra = dataclasses.replace(changed, line_id="LATE-ENTRY-1", bank_reference="LATE-ENTRY-1")
    other = dataclasses.replace(statement, lines=(*lines, extra))
    before = bank.position()

    r = post_file(bank, write_mt940(other), "mt940")

    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "statement-differs"
    assert statement.statement_id in problem["detail"]
    assert problem["differences"] == [
        f"line {changed.line_id}: amount {changed.amount} recorded, "
        f"{changed.amount + Decimal('1.00')} in this file",
        "line LATE-ENTRY-1: not in the recorded statement",
    ]
    assert problem["differences_total"] == 2
    assert bank.position() == before
    # The recorded statement is as it was; the same file as first sent is still "seen before".
    again = post_file(bank, write_mt940(statement), "mt940")
    assert again.status_code == 200, again.text
    assert again.json()["statements"][0]["statement_id"] == body["statements"][0]["statement_id"]
    assert bank.position() == before


def test_nothing_of_a_file_is_recorded_when_one_of_its_statements_differs(bank: Bank) -> None:
    imported(bank, "camt053")
    statement = bank.file.statement
    new = dataclasses.replace(statement, statement_id="ST-NEXT-DAY")
    differing = dataclasses.replace(statement, lines=statement.lines[:-1])
    first, second = write_camt053(new), write_camt053(differing)
    end = first.index(b"</Stmt>") + len(b"</Stmt>")
    data = first[:end] + b"\n    " + second[second.index(b"<Stmt>") :]
    before = bank.position()

    r = post_file(bank, data, "camt053")

    assert r.status_code == 409, r.text
    assert r.json()["differences"] == [
        f"line {statement.lines[-1].line_id}: recorded, not in this file"
    ]
    assert bank.position() == before
