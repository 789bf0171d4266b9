"""Bank statements for cash application: camt.053, MT940 and BAI2 read into one neutral model.

``read_statement`` / ``read_statements`` turn a file's bytes into immutable ``BankStatement``
values; ``o2c.bank.writers`` lays such a statement out again in each format, and
``o2c.bank.generator`` makes realistic statements, with the expected match of every line kept
aside, for tests and benchmarks.
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
