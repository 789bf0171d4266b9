"""Reading rendered PDFs back as a person or a bank app would: text, page images, QR codes.

Uses Debian's ``poppler-utils`` (``pdftotext``, ``pdftoppm``; ``make test`` installs them),
``pikepdf`` for the PDF structure and ``zxing-cpp`` to decode QR codes.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from PIL import Image


def require_poppler() -> None:
    """Skip when poppler-utils is missing (``make test`` installs it)."""
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("no pdftoppm/pdftotext: `apt-get install poppler-utils` (make test does)")


def text_of(pdf: bytes, *, layout: bool = False) -> str:
    """The PDF's text as ``pdftotext`` extracts it: in reading order, or as laid out (tables)."""
    require_poppler()
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    done = subprocess.run(command, input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def first_page(pdf: bytes, dpi: int = 150) -> Image.Image:
    """The first page rendered by ``pdftoppm``."""
    require_poppler()
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-f", "1", "-", str(out)],
            input=pdf,
            check=True,
        )
        with Image.open(out.with_suffix(".png")) as image:
            return image.convert("L")


def qr_codes(pdf: bytes) -> list[str]:
    """The texts of the QR codes on the first page."""
    return [result.text for result in zxingcpp.read_barcodes(first_page(pdf))]


def attachments(pdf: bytes) -> dict[str, bytes]:
    """The embedded files by name."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {name: spec.get_file().read_bytes() for name, spec in document.attachments.items()}


def pdfa_identification(pdf: bytes) -> tuple[str | None, str | None]:
    """``pdfaid:part`` and ``pdfaid:conformance`` from the XMP metadata."""
    with pikepdf.open(io.BytesIO(pdf)) as document, document.open_metadata() as meta:
        return meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
