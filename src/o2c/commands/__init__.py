"""Commands: pydantic models of every request to change state, shared by the HTTP API and the CLI.

Business dates left out default to the service's "today"; ids left out are generated, and a
caller may supply its own so that a retry carries the same id.
"""

from o2c.commands.accounts import (
    ChangeCreditLimit,
    ChangePaymentTerms,
    CloseAccount,
    OpenAccount,
    PaymentTermsIn,
    PlaceCreditHold,
    ReleaseCreditHold,
)
from o2c.commands.bank import (
    BankLineIn,
    DecideBankLines,
    ImportBankStatement,
    LineApplication,
    LineQueued,
    RecordBankAccount,
    SuggestionIn,
)
from o2c.commands.base import Command
from o2c.commands.billing import (
    BillCustomer,
    CancelContract,
    ChangeContract,
    ContractCancellationFields,
    ContractChangeFields,
    StartContract,
)
from o2c.commands.collections import (
    AddNote,
    AssignCollector,
    ChargeLateFees,
    CheckCustomerPromises,
    CheckPromises,
    MakePromise,
)
from o2c.commands.imports import ImportCustomers, ImportOpeningInvoices, OpeningInvoice
from o2c.commands.invoices import (
    ApplyCreditNote,
    CreditLineIn,
    DisputeInvoice,
    ResolveDispute,
    RunDunning,
    SendReminders,
    WriteOffInvoice,
)
from o2c.commands.orders import (
    ApproveOrder,
    CancelOrder,
    InvoiceOrder,
    OrderLineIn,
    PlaceOrder,
    ShipmentLineIn,
    ShipOrder,
)
from o2c.commands.parties import (
    AddressIn,
    BillingPolicyIn,
    ChangeCompanyLogo,
    ChangeCustomerDetails,
    ContactIn,
    ReplaceCompanyProfile,
)
from o2c.commands.payments import (
    AllocatePayment,
    AllocationIn,
    DeallocatePayment,
    ReceivePayment,
    RefundFields,
    RefundPayment,
    ReversePayment,
)
from o2c.commands.periods import ClosePeriod

__all__ = [
    "AddNote",
    "AddressIn",
    "AllocatePayment",
    "AllocationIn",
    "ApplyCreditNote",
    "ApproveOrder",
    "AssignCollector",
    "BankLineIn",
    "BillCustomer",
    "BillingPolicyIn",
    "CancelContract",
    "CancelOrder",
    "ChangeCompanyLogo",
    "ChangeContract",
    "ChangeCreditLimit",
    "ChangeCustomerDetails",
    "ChangePaymentTerms",
    "ChargeLateFees",
    "CheckCustomerPromises",
    "CheckPromises",
    "CloseAccount",
    "ClosePeriod",
    "Command",
    "ContactIn",
    "ContractCancellationFields",
    "ContractChangeFields",
    "CreditLineIn",
    "DeallocatePayment",
    "DecideBankLines",
    "DisputeInvoice",
    "ImportBankStatement",
    "ImportCustomers",
    "ImportOpeningInvoices",
    "InvoiceOrder",
    "LineApplication",
    "LineQueued",
    "MakePromise",
    "OpenAccount",
    "OpeningInvoice",
    "OrderLineIn",
    "PaymentTermsIn",
    "PlaceCreditHold",
    "PlaceOrder",
    "ReceivePayment",
    "RecordBankAccount",
    "RefundFields",
    "RefundPayment",
    "ReleaseCreditHold",
    "ReplaceCompanyProfile",
    "ResolveDispute",
    "ReversePayment",
    "RunDunning",
    "SendReminders",
    "ShipOrder",
    "ShipmentLineIn",
    "StartContract",
    "SuggestionIn",
    "WriteOffInvoice",
]
