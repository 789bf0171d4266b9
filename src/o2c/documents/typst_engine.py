"""Typesetting with Typst: a template file of this package and the document's data as JSON.

Data reaches a template only through ``sys.inputs`` (one JSON string), so whatever a party
name or a line says is a string value in Typst, shown as text and never read as markup. Only
the fonts Typst ships are used (system fonts ignored), so a page looks the same on any machine.
A compiler is kept per thread and template: loading the fonts is the costly part.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import typst

TEMPLATES = Path(__file__).parent / "templates"
_compilers = threading.local()


def _compiler(template: str) -> typst.Compiler:
    cache: dict[str, typst.Compiler] | None = getattr(_compilers, "by_template", None)
    if cache is None:
        cache = _compilers.by_template = {}
    compiler = cache.get(template)
    if compiler is None:
        path = TEMPLATES / f"{template}.typ"
        compiler = cache[template] = typst.Compiler(
            str(path), root=str(TEMPLATES), ignore_system_fonts=True
        )
    return compiler


def compile_pdf(
    template: str, data: Mapping[str, object], *, created: date, pdf_a: bool = False
) -> bytes:
    """The PDF of ``template`` filled with ``data``; PDF/A-3b when ``pdf_a``.

    ``created`` is the creation date written into the PDF (the document's own date), so the
    same data gives the same bytes.
    """
    timestamp = datetime(created.year, created.month, created.day, tzinfo=UTC)
    pdf = _compiler(template).compile(
        format="pdf",
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        pdf_standards=["a-3b"] if pdf_a else [],
        timestamp=timestamp,
        pdf_tags=False,
    )
    if not isinstance(pdf, bytes):
        raise TypeError("Typst returned no PDF")
    return pdf
