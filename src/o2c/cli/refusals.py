"""What the command line says when a command is refused: one line on stderr, never a traceback.

The API answers a refused command with a problem+json; the command line answers the same
errors with the problem's text on one line and a non-zero exit status. A bug still ends in a
traceback: only errors raised on purpose (the domain's rules, bad input, a database that cannot
be reached) are refusals.
"""

from __future__ import annotations

from pydantic import ValidationError

from o2c.application.errors import BackendUnavailable
from o2c.domain.errors import DomainError

# Every error a command may be refused with; anything else is a bug.
REFUSALS = (DomainError, ValidationError, BackendUnavailable)


def refusal_line(error: Exception) -> str:
    """The one line that tells the user why the command was refused."""
    if isinstance(error, DomainError):
        return f"{_one_line(error.detail)} ({error.code})"
    if isinstance(error, ValidationError):
        problems = (
            f"{'.'.join(str(p) for p in e['loc']) or error.title}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        return f"invalid input: {_one_line('; '.join(problems))}"
    if isinstance(error, BackendUnavailable):
        return "the database is unavailable (backend-unavailable)"
    raise TypeError(f"not a refusal: {type(error).__name__}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
