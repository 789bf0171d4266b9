"""Reading a statement file of any supported format, detected from its content when not named."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from o2c.bank.errors import MalformedStatement
from o2c.bank.formats.bai2 import read_bai2
from o2c.bank.formats.camt053 import read_camt053
from o2c.bank.formats.mt940 import read_mt940
from o2c.bank.statement import BankStatement

# How far into a file detection looks: past a SWIFT envelope or a bank's header lines.
_SNIFF_BYTES = 4096
_MT940_FIELD = re.compile(rb"^:20:", re.MULTILINE)


class StatementFormat(StrEnum):
    """The file formats a statement can be read from."""

    CAMT053 = "camt.053"
    MT940 = "mt940"
    BAI2 = "bai2"


_READERS: dict[StatementFormat, Callable[[bytes], tuple[BankStatement, ...]]] = {
    StatementFormat.CAMT053: read_camt053,
    StatementFormat.MT940: read_mt940,
    StatementFormat.BAI2: read_bai2,
}


def detect_format(data: bytes) -> StatementFormat:
    """The format by content: XML is camt.053, a leading ``01,`` record BAI2, a ``:20:`` MT940."""
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return StatementFormat.CAMT053
    if head.startswith(b"01,"):
        return StatementFormat.BAI2
    if _MT940_FIELD.search(head):
        return StatementFormat.MT940
    raise MalformedStatement("not a camt.053, MT940 or BAI2 file", 1 if data.strip() else None)


def read_statements(data: bytes, format: str | None = None) -> tuple[BankStatement, ...]:
    """Every statement in the file (files often hold several days or accounts), all or nothing."""
    chosen = detect_format(data) if format is None else StatementFormat(format)
    return _READERS[chosen](data)


def read_statement(data: bytes, format: str | None = None) -> BankStatement:
    """The file's single statement; a file holding several must be read with ``read_statements``."""
    statements = read_statements(data, format)
    if len(statements) != 1:
        raise MalformedStatement(
            f"file holds {len(statements)} statements; read them with read_statements", None
        )
    return statements[0]
