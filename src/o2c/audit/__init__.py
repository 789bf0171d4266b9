"""Audit: hash-chain verification, history, state at any point and replay recomputations."""
