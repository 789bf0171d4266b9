"""Credit decisions: the exposure an order is checked against and the rule that decides it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Exposure:
    """What the credit check sees: exposure = AR balance + open orders − unapplied cash."""

    credit_limit: Decimal
    ar_balance: Decimal
    open_orders: Decimal
    unapplied_cash: Decimal
    on_hold: bool

    @property
    def exposure(self) -> Decimal:
        """Amount the customer owes or has committed to, net of cash not yet applied."""
        return self.ar_balance + self.open_orders - self.unapplied_cash

    @property
    def available(self) -> Decimal:
        """Credit still free under the limit (negative when over)."""
        return self.credit_limit - self.exposure


@dataclass(frozen=True)
class CreditDecision:
    """Outcome of a credit check, with the components it was taken on (for auditors)."""

    approved: bool
    reason: str
    exposure: Exposure
    order_total: Decimal

    def components(self) -> dict[str, object]:
        """The figures stored on the order's decision event."""
        return {
            "credit_limit": self.exposure.credit_limit,
            "ar_balance": self.exposure.ar_balance,
            "open_orders": self.exposure.open_orders,
            "unapplied_cash": self.exposure.unapplied_cash,
            "exposure": self.exposure.exposure,
            "order_total": self.order_total,
            "on_hold": self.exposure.on_hold,
        }


def decide_credit(exposure: Exposure, order_total: Decimal) -> CreditDecision:
    """Approve when the account is not on hold and exposure + order total stays within the limit."""
    if exposure.on_hold:
        return CreditDecision(False, "account on credit hold", exposure, order_total)
    if exposure.exposure + order_total > exposure.credit_limit:
        return CreditDecision(
            False,
            f"exposure {exposure.exposure} + order {order_total} exceeds "
            f"credit limit {exposure.credit_limit}",
            exposure,
            order_total,
        )
    return CreditDecision(True, "within credit limit", exposure, order_total)
