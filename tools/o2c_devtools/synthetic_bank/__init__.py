"""Synthetic bank statements with the right answer kept aside, for tests and the benchmark.

``generator.generate_statements`` makes one day's realistic statement of payments against open
invoices, with the expected match of every line; ``writers`` lays a ``BankStatement`` out as
camt.053, MT940 or BAI2 bytes for the product's readers to parse.
"""
