"""The general-ledger export file: CSV or JSON lines, one journal line per record.

One writer for ``GET /v1/gl/export`` and ``o2c gl export``, so the file is the same byte for byte
whichever way it is fetched. Pages of lines (``LedgerQueries.gl_export``) are rendered one page
per text chunk: memory holds one page, and an HTTP response sends one body message per page
rather than one per line.

CSV (RFC 4180: UTF-8, comma separated, CRLF line ends, a header row) has the columns of
``COLUMNS`` in that order; JSON lines holds one object per line with the same keys.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import TextIO

from o2c.domain.errors import InvalidInput
from o2c.projections.queries.ledger import GlLine

COLUMNS: tuple[str, ...] = (
    "posting_date",
    "entry_id",
    "line",
    "event_id",
    "fact",
    "currency",
    "account",
    "account_name",
    "debit",
    "credit",
    "customer_id",
    "document_id",
    "document_number",
    "tax_category",
    "tax_rate",
)

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
}

Pages = Iterable[list[GlLine]]


def checked_format(name: str) -> str:
    """``name`` if it is an export format, else ``InvalidInput`` (``invalid-format``)."""
    if name not in MEDIA_TYPES:
        known = ", ".join(MEDIA_TYPES)
        raise InvalidInput(f"unknown export format {name!r}: use {known}", code="invalid-format")
    return name


def filename(start: date, end: date, fmt: str) -> str:
    """``gl-2026-01-01-2026-03-31.csv``: the period and the format, nothing else."""
    return f"gl-{start.isoformat()}-{end.isoformat()}.{fmt}"


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    # The csv module's default dialect is RFC 4180's: CRLF, quotes only where needed.
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _values(line: Mapping[str, object]) -> list[object]:
    return [line[c] for c in COLUMNS]


def _page_text(page: list[GlLine], fmt: str) -> str:
    if fmt == "csv":
        return _csv([_values(line) for line in page])
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in page)


def rendered(pages: Pages, fmt: str) -> Iterator[tuple[str, int]]:
    """(text, lines in it) chunks of the file: the CSV header, then one chunk per page."""
    fmt = checked_format(fmt)
    if fmt == "csv":
        yield _csv([list(COLUMNS)]), 0
    for page in pages:
        yield _page_text(page, fmt), len(page)


def render(pages: Pages, fmt: str) -> Iterator[bytes]:
    """The file as UTF-8 chunks, for a streamed HTTP response."""
    return (text.encode() for text, _ in rendered(pages, fmt))


def write(
    pages: Pages, fmt: str, out: TextIO, progress: Callable[[int], None] | None = None
) -> int:
    """Write the file to ``out`` (opened with ``newline=""``); returns the lines written and
    reports their running count to ``progress`` after each page."""
    written = 0
    for text, lines in rendered(pages, fmt):
        out.write(text)
        written += lines
        if progress is not None:
            progress(written)
    return written
