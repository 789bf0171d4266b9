"""Parsing untrusted XML safely, keeping the line every element starts on.

``defusedxml`` guards the standard library's expat parser: a document type declaration is
refused outright (camt messages never carry one), which shuts out external entities (XXE),
entity expansion bombs ("billion laughs") and DTD retrieval alike. The tree builder notes the
parser's current line as each element opens, so a reader can name the line of a bad value and
not just the line of a syntax error.

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


class _LineNumberingBuilder(TreeBuilder):
    """A tree builder that records the parser's line for each element it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.current_line: Callable[[], int] = lambda: 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        """Open an element and note the line its start tag is on."""
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.current_line()
        return element


def parse_untrusted_xml(data: bytes) -> XmlNode:
    """The document's root; any syntax error or DTD raises ``MalformedStatement`` with its line."""
    builder = _LineNumberingBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    expat = parser.parser
    builder.current_line = lambda: int(expat.CurrentLineNumber)
    try:
        parser.feed(data)
        root = parser.close()
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
    return XmlNode(root, builder.lines)


def _last_line(data: bytes) -> int:
    return max(1, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))
