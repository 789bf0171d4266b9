"""Typed domain errors.

Each error carries a stable ``code`` (the problem ``type`` slug at the HTTP edge). The class says
which kind of failure it is, so the edge can map it to a status without string matching:
``InvalidInput`` is bad input (422), ``RuleViolation`` a rule the current state forbids (409),
``NotFound`` an unknown id (404).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""

    default_code = "domain-error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code


class InvalidInput(DomainError):
    """The command itself is malformed: wrong currency, too many decimals, negative amount…"""

    default_code = "invalid-input"


class RuleViolation(DomainError):
    """The command is well-formed but the aggregate's current state forbids it."""

    default_code = "rule-violation"


class NotFound(DomainError):
    """The command names an aggregate that does not exist."""

    default_code = "not-found"
