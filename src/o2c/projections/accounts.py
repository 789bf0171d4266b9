"""Accounts projection: customers with credit limit, hold, terms and the exposure components.

AR balance comes from the invoice-side events (the same facts the receivables projection uses),
unapplied cash and open orders from the account-side events; each figure has one source.
"""

from __future__ import annotations

import json

from o2c.domain.money import to_mills
from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import accounts_tables

T = "customers"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    return [(T, env.customer_id)] if env.customer_id else []


def _customer(rows: RowCache, env: EventEnvelope) -> dict[str, object]:
    row = rows.get(T, env.customer_id)
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: customer {env.customer_id} unknown")
    return row


def _add(field: str, sign: int, key: str = "amount") -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        row = _customer(rows, env)
        row[field] = int(str(row[field])) + sign * to_mills(env.data[key])
        if env.aggregate_type == "CustomerAccount":
            row["version"] = env.version
        rows.touch(T, env.customer_id)

    return handler


def _set(**fields: object) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        row = _customer(rows, env)
        row.update({k: (v(env) if callable(v) else v) for k, v in fields.items()})
        row["version"] = env.version
        rows.touch(T, env.customer_id)

    return handler


_PARTY_COLUMNS = (
    "customer_number",
    "legal_name",
    "address",
    "vat_id",
    "peppol_id",
    "buyer_reference",
    "language",
    "tax_treatment",
    "billing_policy",
)


def _opened(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    terms = d["terms"]
    rows.put(
        T,
        env.aggregate_id,
        {
            "customer_id": env.aggregate_id,
            "name": d["name"],
            "currency": d["currency"],
            "credit_limit": to_mills(d["credit_limit"]),
            "net_days": terms["net_days"],
            "discount_percent": terms.get("discount_percent"),
            "discount_days": terms.get("discount_days"),
            "on_hold": False,
            "hold_reason": None,
            "closed": False,
            "ar_balance": 0,
            "open_orders": 0,
            "unapplied_cash": 0,
            "opened_at": env.recorded_at,
            "version": env.version,
            "ibans": "[]",
            "bank_holders": "{}",
            # Every party column, so that rows inserted in one batch all bind the same
            # parameters (a batch mixing customers with and without details failed).
            **dict.fromkeys(_PARTY_COLUMNS),
            "contacts": "[]",
            "contact_emails": "",
            "tax_treatment_source": "derived",
        },
    )


def _terms(env: EventEnvelope) -> dict[str, object]:
    t = env.data["terms"]
    return {
        "net_days": t["net_days"],
        "discount_percent": t.get("discount_percent"),
        "discount_days": t.get("discount_days"),
    }


def _terms_changed(rows: RowCache, env: EventEnvelope) -> None:
    row = _customer(rows, env)
    row.update(_terms(env))
    row["version"] = env.version
    rows.touch(T, env.customer_id)


def _bank_account(rows: RowCache, env: EventEnvelope) -> None:
    row = _customer(rows, env)
    ibans = json.loads(str(row["ibans"]))
    if env.data["iban"] not in ibans:
        ibans.append(env.data["iban"])
    row["ibans"] = json.dumps(ibans)
    if env.data.get("holder"):
        holders = json.loads(str(row["bank_holders"]))
        holders[env.data["iban"]] = env.data["holder"]
        row["bank_holders"] = json.dumps(holders, sort_keys=True)
    row["version"] = env.version
    rows.touch(T, env.customer_id)


def _details_changed(rows: RowCache, env: EventEnvelope) -> None:
    row = _customer(rows, env)
    for field, value in env.data["changes"].items():
        if field in ("address", "billing_policy"):
            row[field] = None if value is None else json.dumps(value)
        elif field == "contacts":
            row[field] = json.dumps(value or [])
            row["contact_emails"] = "\n".join(c["email"].lower() for c in value or [])
        elif field == "tax_treatment_source":
            row[field] = value or "derived"
        else:
            row[field] = value
    row["version"] = env.version
    rows.touch(T, env.customer_id)


def _reversed_on_invoice(rows: RowCache, env: EventEnvelope) -> None:
    row = _customer(rows, env)
    back = to_mills(env.data["amount"]) + to_mills(env.data["discount"])
    row["ar_balance"] = int(str(row["ar_balance"])) + back
    rows.touch(T, env.customer_id)


HANDLERS: dict[str, Handler] = {
    "AccountOpened": _opened,
    "CreditLimitChanged": _set(credit_limit=lambda e: to_mills(e.data["credit_limit"])),
    "CreditHoldPlaced": _set(on_hold=True, hold_reason=lambda e: e.data["reason"]),
    "CreditHoldReleased": _set(on_hold=False, hold_reason=None),
    "PaymentTermsChanged": _terms_changed,
    "BankAccountRecorded": _bank_account,
    "CustomerDetailsChanged": _details_changed,
    "AccountClosed": _set(closed=True),
    "OrderCommitted": _add("open_orders", +1),
    "OrderCommitmentReleased": _add("open_orders", -1),
    "PaymentReceived": _add("unapplied_cash", +1),
    "PaymentAllocated": _add("unapplied_cash", -1),
    "PaymentDeallocated": _add("unapplied_cash", +1),
    "PaymentReversed": _add("unapplied_cash", -1),
    "PaymentRefunded": _add("unapplied_cash", -1),
    "InvoiceIssued": _add("ar_balance", +1, "total"),
    "PaymentApplied": _add("ar_balance", -1),
    "DiscountTaken": _add("ar_balance", -1),
    "CreditNoteApplied": _add("ar_balance", -1),
    "InvoiceWrittenOff": _add("ar_balance", -1),
    **dict.fromkeys(GIVEN_BACK_ON, _reversed_on_invoice),
}

PROJECTION = Projection("accounts", accounts_tables, _needs, HANDLERS)
