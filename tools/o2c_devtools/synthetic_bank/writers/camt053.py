"""camt.053 writer: a ``BankStatement`` as an ISO 20022 bank-to-customer statement.

Versions ``001.02`` (the SEPA workhorse) and ``001.08`` (where party names moved under ``Pty``
and the status under ``Sts/Cd``) are written, so the reader's version handling is exercised.
Balances are written as an opening balance of zero and a closing balance of the lines' sum:
the neutral model carries no balances.
"""

from __future__ import annotations

from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from o2c.bank.statement import BankLine, BankStatement
from o2c_devtools.synthetic_bank.writers.layout import amount_text, word_chunks

SUPPORTED_VERSIONS = ("001.02", "001.08")
# ISO 20022 Max35Text and Max140Text.
_MAX_ID = 35
_MAX_USTRD = 140
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def write_camt053(statement: BankStatement, *, version: str = "001.02") -> bytes:
    """The statement as a camt.053 document (UTF-8, with XML declaration)."""
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(
            f"camt.053 version {version!r} not written; pick one of {SUPPORTED_VERSIONS}"
        )
    if statement.created_on is None:
        raise ValueError("camt.053 requires the statement's creation date")
    if len(statement.statement_id) > _MAX_ID:
        raise ValueError("camt.053 statement ids are at most 35 characters")
    document = Element("Document", xmlns=f"urn:iso:std:iso:20022:tech:xsd:camt.053.{version}")
    container = SubElement(document, "BkToCstmrStmt")
    header = SubElement(container, "GrpHdr")
    _text(header, "MsgId", f"MSG-{statement.statement_id}"[:_MAX_ID])
    _text(header, "CreDtTm", f"{statement.created_on.isoformat()}T06:00:00")
    _statement(SubElement(container, "Stmt"), statement, version)
    indent(document)
    return _DECLARATION + tostring(document, encoding="unicode").encode("utf-8") + b"\n"


def _statement(node: Element, statement: BankStatement, version: str) -> None:
    assert statement.created_on is not None  # checked by the caller
    _text(node, "Id", statement.statement_id)
    _text(node, "CreDtTm", f"{statement.created_on.isoformat()}T06:00:00")
    period = SubElement(node, "FrToDt")
    _text(period, "FrDtTm", f"{statement.period_start.isoformat()}T00:00:00")
    _text(period, "ToDtTm", f"{statement.period_end.isoformat()}T23:59:59")
    account = SubElement(node, "Acct")
    identification = SubElement(account, "Id")
    if statement.account_iban == statement.account_id:
        _text(identification, "IBAN", statement.account_id)
    else:
        _text(SubElement(identification, "Othr"), "Id", statement.account_id)
    _text(account, "Ccy", statement.currency)
    total = sum((line.amount for line in statement.lines), Decimal(0))
    _balance(node, "OPBD", statement.currency, Decimal(0), statement.period_start.isoformat())
    _balance(node, "CLBD", statement.currency, total, statement.period_end.isoformat())
    for line in statement.lines:
        _entry(SubElement(node, "Ntry"), line, version)


def _balance(node: Element, code: str, currency: str, amount: Decimal, day: str) -> None:
    balance = SubElement(node, "Bal")
    _text(SubElement(SubElement(balance, "Tp"), "CdOrPrtry"), "Cd", code)
    _text(balance, "Amt", amount_text(amount, currency), Ccy=currency)
    _text(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
    _text(SubElement(balance, "Dt"), "Dt", day)


def _entry(node: Element, line: BankLine, version: str) -> None:
    _text(node, "Amt", amount_text(line.amount, line.currency), Ccy=line.currency)
    _text(node, "CdtDbtInd", _indicator(line))
    if version == "001.02":
        _text(node, "Sts", "BOOK")
    else:
        _text(SubElement(node, "Sts"), "Cd", "BOOK")
    _text(SubElement(node, "BookgDt"), "Dt", line.booked_on.isoformat())
    _text(SubElement(node, "ValDt"), "Dt", line.booked_on.isoformat())
    if line.bank_reference:
        _text(node, "AcctSvcrRef", line.bank_reference)
    domain = SubElement(SubElement(node, "BkTxCd"), "Domn")
    _text(domain, "Cd", "PMNT")
    family = SubElement(domain, "Fmly")
    _text(family, "Cd", "RCDT" if line.credit else "ICDT")
    _text(family, "SubFmlyCd", "ESCT")
    _transaction(SubElement(SubElement(node, "NtryDtls"), "TxDtls"), line, version)


def _transaction(node: Element, line: BankLine, version: str) -> None:
    _text(SubElement(node, "Refs"), "EndToEndId", line.end_to_end_id or "NOTPROVIDED")
    if version == "001.02":
        amount_node = SubElement(SubElement(node, "AmtDtls"), "TxAmt")
        _text(amount_node, "Amt", amount_text(line.amount, line.currency), Ccy=line.currency)
    else:
        _text(node, "Amt", amount_text(line.amount, line.currency), Ccy=line.currency)
        _text(node, "CdtDbtInd", _indicator(line))
    if line.payer_name or line.payer_iban:
        _parties(SubElement(node, "RltdPties"), line, version)
    if line.remittance:
        remittance = SubElement(node, "RmtInf")
        for chunk in word_chunks(line.remittance, _MAX_USTRD):
            _text(remittance, "Ustrd", chunk)


def _parties(node: Element, line: BankLine, version: str) -> None:
    party, account = ("Dbtr", "DbtrAcct") if line.credit else ("Cdtr", "CdtrAcct")
    if line.payer_name:
        holder = SubElement(node, party)
        if version != "001.02":
            holder = SubElement(holder, "Pty")
        _text(holder, "Nm", line.payer_name)
    if line.payer_iban:
        _text(SubElement(SubElement(node, account), "Id"), "IBAN", line.payer_iban)


def _indicator(line: BankLine) -> str:
    return "CRDT" if line.credit else "DBIT"


def _text(parent: Element, tag: str, value: str, **attributes: str) -> Element:
    element = SubElement(parent, tag, attributes)
    element.text = value
    return element
