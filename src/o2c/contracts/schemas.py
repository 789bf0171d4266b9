"""Event contracts: a pydantic model of each event's ``data``; JSON Schemas generated from them.

The models are derived from the aggregates' event classes (their ``@event`` signatures are the
stored fields), with explicit nested models for lines, terms and exposure, so a schema can never
drift from what is stored; a test keeps the published files under ``schemas/`` in sync. This
package sits above the aggregates (it reads their classes); the event catalog below them does not.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

from eventsourcing.utils import resolve_topic
from pydantic import BaseModel, ConfigDict, Field, create_model

from o2c.events.catalog import BY_CLOUD_TYPE, CATALOG, EventSpec
from o2c.events.envelope import DEFAULT_PUBLIC_URL, schema_url

DecimalString = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+(\.[0-9]+)?$",
        description="decimal amount as a string",
        examples=["1250.00"],
    ),
]
_LIBRARY_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_id_type",
    "originator_topic",
}


class _Data(BaseModel):
    # Published schemas allow unknown properties: adding an optional field later must not
    # break a consumer that validates. Consumers ignore what they do not know.
    model_config = ConfigDict(extra="allow")


class TermsData(_Data):
    """Payment terms."""

    net_days: int
    discount_percent: DecimalString | None = None
    discount_days: int | None = None


class LineData(_Data):
    """An order or invoice line."""

    sku: str
    description: str
    quantity: int
    unit_price: DecimalString
    amount: DecimalString


class QuantityData(_Data):
    """A quantity of one sku (shipped or cancelled)."""

    sku: str
    quantity: int


class ExposureData(_Data):
    """The figures a credit decision was taken on."""

    credit_limit: DecimalString
    ar_balance: DecimalString
    open_orders: DecimalString
    unapplied_cash: DecimalString
    exposure: DecimalString
    order_total: DecimalString
    on_hold: bool


class BalanceData(_Data):
    """A ledger role's balance on its side of a trial balance (the other side is zero)."""

    debit: DecimalString
    credit: DecimalString


class AddressData(_Data):
    """A postal address; ``country`` is ISO 3166 alpha-2."""

    lines: list[str]
    city: str
    postal_code: str | None = None
    country: str


class ContactData(_Data):
    """A contact for one purpose."""

    role: Literal["billing", "dunning", "statements"]
    name: str | None = None
    email: str


class BillingPolicyData(_Data):
    """When invoices are made (``manual``, ``on_shipment``, ``periodic``), the period of a
    periodic policy (``week``, ``month``) and whether issued invoices are sent."""

    mode: Literal["manual", "on_shipment", "periodic"]
    period: Literal["week", "month"] | None = None
    send: bool


class CustomerDetailsData(_Data):
    """The party fields that changed, each with its new value; a field not listed did not
    change, a null one was cleared. ``tax_treatment_source`` is ``set`` (by a person) or
    ``derived`` (from the address and the seller's country; assumed when never sent)."""

    customer_number: str | None = None
    legal_name: str | None = None
    address: AddressData | None = None
    vat_id: str | None = None
    peppol_id: str | None = None
    buyer_reference: str | None = None
    language: str | None = None
    contacts: list[ContactData] | None = None
    tax_treatment: Literal["domestic", "intra_eu", "export", "exempt"] | None = None
    tax_treatment_source: Literal["set", "derived"] | None = None
    billing_policy: BillingPolicyData | None = None


class CompanyDetailsData(_Data):
    """The seller's fields that changed, each with its new value (null: cleared)."""

    legal_name: str | None = None
    address: AddressData | None = None
    vat_id: str | None = None
    tax_registration_id: str | None = None
    legal_registration_id: str | None = None
    peppol_id: str | None = None
    iban: str | None = None
    bic: str | None = None
    email: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    default_language: str | None = None


# Currency (ISO 4217) → ledger role (bank, receivable, …) → balance.
TrialBalanceData = Annotated[
    dict[str, dict[str, BalanceData]],
    Field(description="per currency, per ledger role, the balance as of the closed date"),
]


# The resulting state every invoice event and every payment event promises (the publisher
# completes events recorded before they carried it, so it is never null on the wire).
_INVOICE_STATE: dict[str, Any] = {
    "open_amount": Annotated[
        str,
        Field(
            pattern=r"^[0-9]+(\.[0-9]+)?$",
            description="the invoice's open amount after this event",
            examples=["250.00"],
        ),
    ],
    "status": Annotated[
        Literal["open", "settled", "written_off"],
        Field(description="the invoice's status after this event"),
    ],
}
_UNAPPLIED = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+(\.[0-9]+)?$",
        description="the payment's cash not applied to any invoice after this event",
        examples=["0.00"],
    ),
]

_NESTED: dict[tuple[str, str], Any] = {
    ("AccountOpened", "terms"): TermsData,
    ("PaymentTermsChanged", "terms"): TermsData,
    ("OrderPlaced", "lines"): list[LineData],
    ("OrderInvoiced", "lines"): list[LineData],
    ("InvoiceIssued", "lines"): list[LineData],
    ("OrderShipped", "lines"): list[QuantityData],
    ("OrderCancelled", "lines"): list[QuantityData],
    ("OrderApproved", "exposure"): ExposureData,
    ("OrderCreditHeld", "exposure"): ExposureData,
    ("PeriodClosed", "trial_balance"): TrialBalanceData,
    ("CustomerDetailsChanged", "changes"): CustomerDetailsData,
    ("CompanyDetailsChanged", "changes"): CompanyDetailsData,
}


def _wire_type(annotation: Any) -> Any:
    """Python field type → the JSON-native type it travels as."""
    if annotation is Decimal:
        return DecimalString
    if annotation in (date, UUID, int, str, bool):
        return annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [_wire_type(a) for a in args if a is not type(None)]
        return inner[0] | None if len(inner) == 1 else Any
    if origin is list:
        return list.__class_getitem__(_wire_type(args[0])) if args else list[Any]
    if origin is dict:
        return dict[str, Any]
    return Any


def _published_type(spec: EventSpec, name: str, annotation: Any) -> Any:
    """The type a field of ``spec``'s data has on the wire."""
    if spec.aggregate == "Invoice" and name in _INVOICE_STATE:
        return _INVOICE_STATE[name]
    if name == "unapplied":
        return _UNAPPLIED
    return _NESTED.get((spec.name, name), _wire_type(annotation))


def _event_class(spec: EventSpec) -> type:
    import o2c.aggregates.registry  # noqa: F401  (registers every stored topic)

    cls = resolve_topic(spec.stored_topic)
    assert isinstance(cls, type)
    return cls


@cache
def data_model(spec: EventSpec) -> type[BaseModel]:
    """The pydantic model of one event type's ``data``."""
    hints = typing.get_type_hints(_event_class(spec))
    fields: dict[str, Any] = {}
    for name, annotation in hints.items():
        if name in _LIBRARY_FIELDS:
            continue
        fields[name] = (_published_type(spec, name, annotation), ...)
    model = create_model(spec.name, __base__=_Data, __doc__=spec.description, **fields)
    return model


def json_schema(spec: EventSpec, public_url: str = DEFAULT_PUBLIC_URL) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one event type's ``data``; its ``$id`` is the URL it is
    served at, which every CloudEvent of the type names as its ``dataschema``."""
    schema = data_model(spec).model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_url(spec.cloud_type, public_url),
        **schema,
        "title": spec.cloud_type,
        "description": spec.description,
        "x-o2c-event": spec.name,
        "x-o2c-aggregate": spec.aggregate,
        "x-o2c-topic": spec.public_topic,
        "x-o2c-schema-version": spec.schema_version,
    }


def public_specs() -> list[EventSpec]:
    """Every event type that leaves the service (internal bookkeeping excluded)."""
    return [s for s in CATALOG if not s.internal]


def schema_for(cloud_type: str, public_url: str = DEFAULT_PUBLIC_URL) -> dict[str, Any] | None:
    """Schema by CloudEvents type, or ``None``."""
    spec = BY_CLOUD_TYPE.get(cloud_type)
    return None if spec is None or spec.internal else json_schema(spec, public_url)
