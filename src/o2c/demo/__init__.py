"""A deterministic demo book: customers and a year of orders, invoices, payments and more."""
