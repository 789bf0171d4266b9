"""The public contract: JSON Schemas of every published event and the AsyncAPI document."""
