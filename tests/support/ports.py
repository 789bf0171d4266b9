"""Loopback ports for the servers tests start (the shared implementation lives beside the
benchmark's, which starts servers the same way)."""

from __future__ import annotations

from o2c_devtools.ports import free_port

__all__ = ["free_port"]
