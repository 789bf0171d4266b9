"""The portfolio aging and the collections worklist as CSV files, for a spreadsheet.

Each file is one request: the route walks the report's pages itself (1,000 rows a query) and
streams the rows as it goes. The figures are the JSON reports' own decimal strings, never
reformatted; a text cell a spreadsheet would run as a formula is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from o2c.api.auth import Reader
from o2c.api.reads import Currency, MinPosition, queries
from o2c.commands.base import IsoDate
from o2c.projections.queries.aging import PortfolioAging

router = APIRouter(prefix="/v1", tags=["reports"])

MEDIA_TYPE = "text/csv; charset=utf-8"
PAGE = 1000
_FILE = {"description": "CSV with a header row", "content": {"text/csv": {}}}
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

WORKLIST_COLUMNS = (
    "number",
    "invoice_id",
    "customer_name",
    "customer_id",
    "currency",
    "open_amount",
    "due_on",
    "days_past_due",
    "dunning_level",
    "disputed",
    "priority",
    "score",
)


def text(value: str | None) -> str:
    """A free-text cell that a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lines(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


def _attachment(lines: Iterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/aging.csv",
    summary="Portfolio aging as CSV",
    response_class=StreamingResponse,
    responses={200: _FILE},
)
def aging_csv(
    _: Reader,
    request: Request,
    as_of: IsoDate | None = None,
    basis: str = Query("due", pattern="^(due|invoice)$"),
    buckets: str = Query("30,60,90,120", max_length=100),
    currency: str | None = Currency,
    min_position: int | None = MinPosition,
) -> StreamingResponse:
    """One row per customer with open items (by name): `customer_id`, `name`, `currency`, a
    column per bucket (as `GET /v1/aging`) and `total`. The same parameters as `GET /v1/aging`."""
    q = queries(request, min_position)
    day = as_of or date.today()

    def page(after: str | None) -> PortfolioAging:
        return q.portfolio_aging(
            as_of=day,
            basis=basis,
            buckets=buckets,
            currency=currency,
            after=after,
            limit=PAGE,
            sort="name",
        )

    first = page(None)  # a bad parameter is refused (422) before the file starts
    labels = [
        b["label"] for b in (first["by_currency"][0]["totals"] if first["by_currency"] else [])
    ]
    if not labels and first["customers"]:
        labels = [b["label"] for b in first["customers"][0]["buckets"]]

    def rows() -> Iterator[list[str]]:
        current: PortfolioAging | None = first
        while current is not None:
            for line in current["customers"]:
                amounts = {b["label"]: b["amount"] for b in line["buckets"]}
                yield [
                    line["customer_id"],
                    text(line["name"]),
                    line["currency"],
                    *(amounts.get(label, "") for label in labels),
                    line["total"],
                ]
            current = page(current["next"]) if current["next"] else None

    header = ["customer_id", "name", "currency", *labels, "total"]
    return _attachment(_lines(header, rows()), f"aging-{day.isoformat()}-{basis}.csv")


def _component_names(items: Sequence[Mapping[str, Any]]) -> list[str]:
    names: set[str] = set()
    for item in items:
        components = item.get("components")
        if isinstance(components, Mapping):
            names.update(str(k) for k in components)
    return sorted(names)


@router.get(
    "/collections/worklist.csv",
    summary="Collections worklist as CSV",
    response_class=StreamingResponse,
    responses={200: _FILE},
)
def worklist_csv(
    _: Reader,
    request: Request,
    as_of: IsoDate | None = None,
    min_position: int | None = MinPosition,
) -> StreamingResponse:
    """Every row of `GET /v1/collections/worklist` as of `as_of`, in its order: the invoice,
    the customer, the open amount, due date, days past due, dunning level, dispute flag, its
    priority and, where the worklist states them, the score and one column per score
    component (`component.<name>`)."""
    q = queries(request, min_position)
    day = as_of or date.today()

    # The worklist's shape grows (score, components, promises): read as a mapping, by name.
    def page(after: str | None) -> Mapping[str, Any]:
        found: Mapping[str, Any] = q.worklist(as_of=day, after=after, limit=PAGE)
        return found

    first = page(None)
    present = [c for c in WORKLIST_COLUMNS if any(c in item for item in first["items"])] or list(
        WORKLIST_COLUMNS[:-1]
    )
    components = _component_names(first["items"])

    def rows() -> Iterator[list[str]]:
        current: Mapping[str, Any] | None = first
        while current is not None:
            for item in current["items"]:
                row: Mapping[str, Any] = item
                parts = row.get("components")
                parts = parts if isinstance(parts, Mapping) else {}
                yield [
                    *(
                        text(row.get(c)) if c == "customer_name" else _cell(row.get(c))
                        for c in present
                    ),
                    *(_cell(parts.get(name)) for name in components),
                ]
            current = page(current["next"]) if current["next"] else None

    header = [*present, *(f"component.{name}" for name in components)]
    return _attachment(_lines(header, rows()), f"worklist-{day.isoformat()}.csv")
