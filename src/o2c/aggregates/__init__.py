"""Event-sourced aggregates: accounts, orders, invoices, numbering, period lock, command records.

Each public method checks a rule and then calls one private ``@event`` method, which both records
the fact and applies it; the ``@event`` bodies only change state, so replaying history never
re-runs a check that may since have changed.
"""
