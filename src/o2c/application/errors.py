"""Errors the application layer adds on top of the domain's."""

from __future__ import annotations

from o2c.domain.errors import InvalidInput, RuleViolation


class ConcurrencyConflict(RuleViolation):
    """Another command changed the same aggregate first and retries did not get through."""

    default_code = "version-conflict"


class IdempotencyKeyReused(InvalidInput):
    """The idempotency key was already used with a different request."""

    default_code = "idempotency-key-reused"


class BackendUnavailable(Exception):
    """The event store cannot be reached (mapped to 503 at the edge)."""
