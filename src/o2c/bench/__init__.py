"""``o2c bench``: SPEC §10 figures, each a ratio against a raw limit measured in the same run."""
