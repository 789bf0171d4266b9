"""Accounting rules: the chart of accounts and the posting rules that turn AR facts into
balanced journal entries. Pure (no web, SQL or messaging): the general-ledger read model, the
period close and the auditor's replay all apply them."""
