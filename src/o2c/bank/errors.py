"""The one error a statement reader raises for a file it cannot read completely."""

from __future__ import annotations


class MalformedStatement(ValueError):
    """The file is not a statement this reader can take whole; nothing of it was returned.

    ``line`` is the 1-based line of the file where reading failed, or ``None`` when the fault
    belongs to no line (an empty file, say).
    """

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.message = message
        self.line = line
