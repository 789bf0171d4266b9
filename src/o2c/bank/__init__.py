"""Bank statements for cash application: camt.053, MT940 and BAI2 read into one neutral model.

``read_statement`` / ``read_statements`` turn a file's bytes into immutable ``BankStatement``
values. Statements to test and benchmark with (written in each format, with the expected match
of every line) are made by ``o2c_devtools.synthetic_bank``, outside the product.
"""

from o2c.bank.errors import MalformedStatement
from o2c.bank.reader import StatementFormat, detect_format, read_statement, read_statements
from o2c.bank.statement import BankLine, BankStatement

__all__ = [
    "BankLine",
    "BankStatement",
    "MalformedStatement",
    "StatementFormat",
    "detect_format",
    "read_statement",
    "read_statements",
]
