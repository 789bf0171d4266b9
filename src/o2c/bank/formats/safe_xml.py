"""Parsing untrusted XML safely and a piece at a time, keeping the line every element starts on.

``defusedxml`` guards the standard library's expat parser: a document type declaration is
refused outright (camt messages never carry one), which shuts out external entities (XXE),
entity expansion bombs ("billion laughs") and DTD retrieval alike. The tree builder notes the
parser's current line as each element opens, so a reader can name the line of a bad value and
not just the line of a syntax error.

A statement file can hold tens of thousands of entries: the document is fed to the parser in
chunks and the reader takes each entry as soon as it is complete, after which it leaves the
tree, so a whole document is never held as elements.

Elements are addressed by local name, ignoring namespaces, so one reader serves every
camt.053.001.xx version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from o2c.bank.errors import MalformedStatement


class XmlNode:
    """An element with its source line, navigated by local names (namespaces ignored)."""

    def __init__(self, element: Element, lines: dict[int, int]) -> None:
        self._element = element
        self._lines = lines

    @property
    def name(self) -> str:
        """The element's local name."""
        return self._element.tag.rpartition("}")[2]

    @property
    def namespace(self) -> str:
        """The element's namespace URI, ``""`` when it has none."""
        tag = self._element.tag
        return tag[1:].partition("}")[0] if tag.startswith("{") else ""

    @property
    def line(self) -> int:
        """The 1-based line the element's start tag is on."""
        return self._lines[id(self._element)]

    @property
    def text(self) -> str:
        """The element's own text, trimmed."""
        return (self._element.text or "").strip()

    def attribute(self, name: str) -> str | None:
        """The value of an attribute, or None."""
        return self._element.get(name)

    def children(self, name: str) -> Iterator[XmlNode]:
        """Direct children with the given local name, in document order."""
        qualified = "}" + name
        for child in self._element:
            tag = child.tag
            if isinstance(tag, str) and (tag == name or tag.endswith(qualified)):
                yield XmlNode(child, self._lines)

    def find(self, path: str) -> XmlNode | None:
        """The first element down a ``A/B/C`` path of local names, or None."""
        return next(self.find_all(path), None)

    def find_all(self, path: str) -> Iterator[XmlNode]:
        """Every element down a ``A/B/C`` path of local names, in document order."""
        head, _, rest = path.partition("/")
        for child in self.children(head):
            if rest:
                yield from child.find_all(rest)
            else:
                yield child

    def text_at(self, path: str) -> str | None:
        """The trimmed text at a path, None when the element is absent or empty."""
        node = self.find(path)
        if node is None:
            return None
        return node.text or None

    def serialized(self) -> bytes:
        """The element's XML, for digests of its content."""
        return tostring(self._element)


class _StreamingBuilder(TreeBuilder):
    """A tree builder that records each element's line and hands over chosen elements.

    ``reported`` holds ``Parent/Child`` pairs of local names: such an element is queued once its
    end tag is read. One whose pair is also in ``detached`` is taken out of the tree after the
    reader has seen it, so the tree only ever holds one of them at a time.
    """

    def __init__(self, reported: frozenset[str], detached: frozenset[str]) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.current_line: Callable[[], int] = lambda: 0
        self.root: Element | None = None
        self.ready: list[tuple[Element, Element | None, bool]] = []
        self._open: list[Element] = []
        self._reported = reported
        self._reported_names = frozenset(pair.rpartition("/")[2] for pair in reported)
        self._detached = detached

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        """Open an element and note the line its start tag is on."""
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.current_line()
        if self.root is None:
            self.root = element
        self._open.append(element)
        return element

    def end(self, tag: str) -> Element:
        """Close an element; queue it when it is one the reader asked for."""
        element = super().end(tag)
        self._open.pop()
        name = _local(element.tag)
        if name not in self._reported_names:
            return element
        parent = self._open[-1] if self._open else None
        pair = f"{_local(parent.tag) if parent is not None else ''}/{name}"
        if pair in self._reported:
            self.ready.append((element, parent, pair in self._detached))
        return element

    def forget(self, element: Element, parent: Element | None) -> None:
        """Take a handled element out of the tree, with the lines of everything in it."""
        if parent is not None:
            parent.remove(element)
        for inner in element.iter():
            self.lines.pop(id(inner), None)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def stream_untrusted_xml(
    data: bytes, *, reported: frozenset[str], detached: frozenset[str] = frozenset()
) -> Iterator[XmlNode]:
    """The document's root as soon as its start tag is read, then every element whose
    ``Parent/Child`` pair of local names is in ``reported``, each once its end tag is read.

    The input is parsed a chunk at a time, and an element whose pair is in ``detached`` leaves
    the tree when the next one is asked for: memory stays bounded by the largest such element,
    not by the document. Any syntax error or DTD raises ``MalformedStatement`` with its line.
    """
    builder = _StreamingBuilder(reported, detached)
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    expat = parser.parser
    builder.current_line = lambda: int(expat.CurrentLineNumber)
    root_given = False
    for offset in range(0, len(data) + 1, _CHUNK):
        _fed(parser, data, data[offset : offset + _CHUNK], final=offset + _CHUNK > len(data))
        if builder.root is not None and not root_given:
            root_given = True
            yield XmlNode(builder.root, builder.lines)
        ready, builder.ready = builder.ready, []
        for element, parent, detach in ready:
            yield XmlNode(element, builder.lines)
            if detach:
                builder.forget(element, parent)


# Bytes handed to the parser at once: large enough to be fast, small against a statement file.
_CHUNK = 1 << 20


def _fed(parser: DefusedXMLParser, data: bytes, chunk: bytes, *, final: bool) -> None:
    expat = parser.parser
    try:
        parser.feed(chunk)
        if final:
            parser.close()
    except ParseError as error:
        line, _column = error.position
        # At the end of the input expat counts the empty line after the final newline.
        line = min(line, _last_line(data))
        raise MalformedStatement(f"not well-formed XML: {error}", line) from None
    except DefusedXmlException as error:
        raise MalformedStatement(
            f"XML with a document type declaration or entities is refused ({type(error).__name__})",
            int(expat.CurrentLineNumber),
        ) from None


def _last_line(data: bytes) -> int:
    return max(1, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))
