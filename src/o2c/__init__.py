"""o2c: an event-sourced order-to-cash (accounts receivable) backend with CQRS read models."""

__version__ = "0.1.0"
