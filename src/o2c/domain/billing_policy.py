"""A customer's billing policy: when its invoices are made and whether o2c sends them.

``mode`` says when an invoice is made: ``manual`` (someone invoices an order), ``on_shipment``
(the shipment and its invoice are one command) or ``periodic`` (a billing run consolidates
everything shipped and not invoiced, every ``week`` or ``month``). ``send`` says whether an
issued invoice is delivered to the customer's billing contact.

A policy travels in events as a JSON object ``{mode, period, send}``. The first customer
events stored it as the bare string ``"manual"`` (nothing else was accepted then), which reads
as ``{mode: manual, period: null, send: false}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from o2c.domain.errors import InvalidInput

MANUAL, ON_SHIPMENT, PERIODIC = "manual", "on_shipment", "periodic"
MODES = (MANUAL, ON_SHIPMENT, PERIODIC)
PERIODS = ("week", "month")
# Modes o2c carries out today; a stored policy never promises something o2c does not do.
SUPPORTED_MODES: tuple[str, ...] = (MANUAL,)


@dataclass(frozen=True)
class BillingPolicy:
    """When a customer's invoices are made (``mode``, ``period``) and whether they are sent."""

    mode: str = MANUAL
    period: str | None = None
    send: bool = False

    def as_data(self) -> dict[str, Any]:
        """The JSON object events carry."""
        return {"mode": self.mode, "period": self.period, "send": self.send}


DEFAULT = BillingPolicy()


def policy_of(value: Any) -> BillingPolicy:
    """The policy a customer's details hold (``None``: the default, manual and not sent)."""
    if value is None:
        return DEFAULT
    if isinstance(value, str):  # as the first events stored it
        return BillingPolicy(mode=value)
    return BillingPolicy(
        mode=str(value.get("mode") or MANUAL),
        period=value.get("period"),
        send=bool(value.get("send", False)),
    )


def checked_policy(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """A policy as given (a mode alone, or ``{mode, period, send}``), checked, as event data."""
    given: Mapping[str, Any] = {"mode": value} if isinstance(value, str) else value
    unknown = set(given) - {"mode", "period", "send"}
    if unknown:
        raise InvalidInput(
            f"not a billing policy field: {', '.join(sorted(unknown))}",
            code="invalid-billing-policy",
        )
    mode = given.get("mode") or MANUAL
    if mode not in MODES:
        raise InvalidInput(
            f"billing mode {mode!r} is not one of {', '.join(MODES)}",
            code="invalid-billing-policy",
        )
    if mode not in SUPPORTED_MODES:
        raise InvalidInput(
            f"billing mode {mode!r} is not supported yet (only {', '.join(SUPPORTED_MODES)})",
            code="billing-policy-unsupported",
        )
    period = given.get("period")
    if mode == PERIODIC and period not in PERIODS:
        raise InvalidInput(
            f"a periodic billing policy needs a period: {' or '.join(PERIODS)}",
            code="invalid-billing-policy",
        )
    if mode != PERIODIC and period is not None:
        raise InvalidInput(
            "only a periodic billing policy has a period", code="invalid-billing-policy"
        )
    send = given.get("send", False)
    if not isinstance(send, bool):
        raise InvalidInput("'send' must be true or false", code="invalid-billing-policy")
    return BillingPolicy(mode, period, send).as_data()
