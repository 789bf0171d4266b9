"""Command handlers: each takes a command and a unit of work and returns a typed result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from o2c import commands as c
from o2c.application.handlers import (
    accounts,
    bank,
    billing,
    collections,
    company,
    imports,
    invoices,
    orders,
    payments,
    periods,
)
from o2c.application.results import Result
from o2c.application.unit_of_work import UnitOfWork

Handler = Callable[[Any, UnitOfWork], Result]

HANDLERS: dict[type[c.Command], Handler] = {
    c.OpenAccount: accounts.open_account,
    c.ChangeCreditLimit: accounts.change_credit_limit,
    c.PlaceCreditHold: accounts.place_credit_hold,
    c.ReleaseCreditHold: accounts.release_credit_hold,
    c.ChangePaymentTerms: accounts.change_payment_terms,
    c.CloseAccount: accounts.close_account,
    c.ChangeCustomerDetails: accounts.change_customer_details,
    c.ReplaceCompanyProfile: company.replace_company_profile,
    c.ChangeCompanyLogo: company.change_company_logo,
    c.PlaceOrder: orders.place_order,
    c.ApproveOrder: orders.approve_order,
    c.ShipOrder: orders.ship_order,
    c.CancelOrder: orders.cancel_order,
    c.InvoiceOrder: orders.invoice_order,
    c.ReceivePayment: payments.receive_payment,
    c.AllocatePayment: payments.allocate_payment,
    c.DeallocatePayment: payments.deallocate_payment,
    c.ReversePayment: payments.reverse_payment,
    c.RefundPayment: payments.refund_payment,
    c.BillCustomer: billing.bill_customer,
    c.StartContract: billing.start_contract,
    c.ChangeContract: billing.change_contract,
    c.CancelContract: billing.cancel_contract,
    c.ApplyCreditNote: invoices.apply_credit_note,
    c.DisputeInvoice: invoices.dispute_invoice,
    c.ResolveDispute: invoices.resolve_dispute,
    c.WriteOffInvoice: invoices.write_off_invoice,
    c.SendReminders: invoices.send_reminders,
    c.ImportCustomers: imports.import_customers,
    c.ImportOpeningInvoices: imports.import_opening_invoices,
    c.ClosePeriod: periods.close_period,
    c.RecordBankAccount: bank.record_bank_account,
    c.ImportBankStatement: bank.import_bank_statement,
    c.DecideBankLines: bank.decide_bank_lines,
    c.MakePromise: collections.make_promise,
    c.CheckCustomerPromises: collections.check_customer_promises,
    c.AddNote: collections.add_note,
    c.AssignCollector: collections.assign_collector,
    c.ChargeLateFees: collections.charge_late_fees,
}
