"""The documents' texts per language: one dictionary module each, the same keys in all."""
