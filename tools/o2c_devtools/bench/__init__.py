"""``o2c bench``: the speed targets, each a ratio against a raw limit measured in the same run."""
