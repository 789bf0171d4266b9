"""Readers of the bank statement formats, one module each, all returning ``BankStatement``s."""
