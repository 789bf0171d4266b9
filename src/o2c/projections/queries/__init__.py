"""Read-model queries, one module per read model, answering in the API's response shapes.

``ReadQueries`` gathers them for the composition root; each module's ``TypedDict`` results
are the shapes the HTTP API returns (JSON-native values: amounts as strings in the account's
currency, dates as ISO strings), so mypy checks every consumer of the read side.
"""

from __future__ import annotations

from o2c.projections.queries.accounts import AccountQueries
from o2c.projections.queries.aging import AgingQueries
from o2c.projections.queries.bank import BankQueries
from o2c.projections.queries.billing import BillingQueries
from o2c.projections.queries.collections import CollectionsQueries
from o2c.projections.queries.invoices import InvoiceQueries
from o2c.projections.queries.ledger import LedgerQueries
from o2c.projections.queries.orders import OrderQueries
from o2c.projections.queries.payments import PaymentQueries
from o2c.projections.queries.statements import StatementQueries
from o2c.projections.queries.tax_report import TaxReportQueries


class ReadQueries(
    AccountQueries,
    OrderQueries,
    InvoiceQueries,
    AgingQueries,
    StatementQueries,
    PaymentQueries,
    TaxReportQueries,
    LedgerQueries,
    BankQueries,
    BillingQueries,
    CollectionsQueries,
):
    """Every read-model query over the live generation of the projections."""


__all__ = ["ReadQueries"]
