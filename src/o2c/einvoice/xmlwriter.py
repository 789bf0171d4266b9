"""A minimal XML element tree that serialises to the same bytes every time.

The renderers need exact control over what a document's bytes are: their SHA-256 is what a
delivery records. Elements keep their children and attributes in insertion order, namespace
prefixes are fixed by the caller and declared once on the root, text is escaped the same way
every time and nothing is added (no timestamps, no pretty-printing whitespace to drift).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# XML 1.0 cannot carry C0 control characters other than tab, line feed and carriage return, not
# even escaped: they are dropped rather than making the whole document unreadable.
_FORBIDDEN: dict[int, str | None] = {
    code: None for code in range(0x20) if chr(code) not in "\t\n\r"
}
_TEXT_ESCAPES = str.maketrans(
    {**_FORBIDDEN, ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"}
)
_ATTR_ESCAPES = str.maketrans(
    {
        **_FORBIDDEN,
        ord("&"): "&amp;",
        ord("<"): "&lt;",
        ord(">"): "&gt;",
        ord('"'): "&quot;",
        ord("\n"): "&#10;",
        ord("\r"): "&#13;",
        ord("\t"): "&#9;",
    }
)


class Element:
    """An element named ``prefix:local`` with ordered attributes, text and children."""

    __slots__ = ("attributes", "children", "tag", "text")

    def __init__(self, tag: str, text: str | None = None, **attributes: str) -> None:
        self.tag = tag
        self.text = text
        self.attributes: dict[str, str] = attributes
        self.children: list[Element] = []

    def add(self, tag: str, text: str | None = None, **attributes: str) -> Element:
        """Append a child and return it."""
        child = Element(tag, text, **attributes)
        self.children.append(child)
        return child

    def add_if(self, tag: str, text: str | None, **attributes: str) -> None:
        """Append a text child only when there is text: EN 16931 forbids empty elements."""
        if text:
            self.add(tag, text, **attributes)

    def extend(self, children: Iterable[Element]) -> None:
        """Append ready-made children in order."""
        self.children.extend(children)

    def write(self, out: list[str]) -> None:
        """Append this element's serialisation to ``out``."""
        out.append("<" + self.tag)
        for name, value in self.attributes.items():
            out.append(f' {name}="{value.translate(_ATTR_ESCAPES)}"')
        if not self.children and self.text is None:
            out.append("/>")
            return
        out.append(">")
        if self.text is not None:
            out.append(self.text.translate(_TEXT_ESCAPES))
        for child in self.children:
            child.write(out)
        out.append(f"</{self.tag}>")


def serialise(root: Element, namespaces: Mapping[str, str]) -> bytes:
    """UTF-8 bytes of ``root`` with an XML declaration and ``namespaces`` declared on it.

    ``namespaces`` maps prefix to URI; the empty prefix is the default namespace.
    """
    declared = Element(root.tag, root.text)
    declared.attributes = {
        **{
            ("xmlns" if not prefix else f"xmlns:{prefix}"): uri
            for prefix, uri in namespaces.items()
        },
        **root.attributes,
    }
    declared.children = root.children
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    declared.write(out)
    out.append("\n")
    return "".join(out).encode("utf-8")
