"""Billing automation's infrastructure: who a billing run looks at (from the read models or the
event log) and the run log (progress and outcomes) in the read store's control tables."""
