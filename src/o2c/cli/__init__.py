"""The ``o2c`` command line: one module per command group, each with ``register(subparsers)``."""
