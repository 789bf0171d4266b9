"""Renders the sample documents to PDF and PNG for a person to look at.

``python -m tests.documents.render_samples [DIR]`` (default ``/tmp/o2c-documents``) writes an
invoice (de), a credit note (en), a statement (de) and a reminder (fr); each PDF's first page
is turned into a PNG with ``pdftoppm`` (Debian's ``poppler-utils``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from o2c.documents import (
    Language,
    RenderedPdf,
    render_invoice_pdf,
    render_reminder_pdf,
    render_statement_pdf,
)
from o2c.einvoice import DocumentKind
from tests.documents.samples import LOGO_SVG, invoice, reminder, statement


def samples() -> dict[str, RenderedPdf]:
    """The sample documents by file name."""
    return {
        "invoice-de": render_invoice_pdf(invoice(), Language.DE, LOGO_SVG),
        "credit-note-en": render_invoice_pdf(
            invoice(kind=DocumentKind.CREDIT_NOTE), Language.EN, LOGO_SVG
        ),
        "statement-de": render_statement_pdf(statement(), Language.DE),
        "reminder-fr": render_reminder_pdf(reminder(), Language.FR),
    }


def to_png(pdf: Path, dpi: int = 100) -> Path:
    """The first page of ``pdf`` as ``<name>-1.png`` beside it."""
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(pdf.with_suffix("")),
        ],
        check=True,
    )
    return pdf.with_name(f"{pdf.stem}-1.png")


def main(directory: str = "/tmp/o2c-documents") -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, rendered in samples().items():
        pdf = out / f"{name}.pdf"
        pdf.write_bytes(rendered.pdf)
        print(to_png(pdf))


if __name__ == "__main__":
    main(*sys.argv[1:])
