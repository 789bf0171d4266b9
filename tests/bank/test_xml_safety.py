"""camt.053 comes from outside: entity tricks and DTDs are refused before anything is read."""

from __future__ import annotations

import pytest

from o2c.bank import MalformedStatement, read_statement

_CAMT = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'

XXE_FILE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + _CAMT
    + b"<BkToCstmrStmt><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></BkToCstmrStmt></Document>\n"
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    + _CAMT
    + b"<BkToCstmrStmt><GrpHdr><MsgId>&lol3;</MsgId></GrpHdr></BkToCstmrStmt></Document>\n"
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">\n' + _CAMT + b"</Document>\n"
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE Document [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>\n'
    + _CAMT
    + b"</Document>\n"
)


@pytest.mark.parametrize(
    "document",
    [XXE_FILE, BILLION_LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["xxe-file", "billion-laughs", "external-dtd", "parameter-entity"],
)
@pytest.mark.parametrize("format", [None, "camt.053"])
def test_document_type_declarations_are_refused(document: bytes, format: str | None) -> None:
    with pytest.raises(MalformedStatement) as raised:
        read_statement(document, format)

    assert raised.value.line == 2
    assert "document type declaration" in raised.value.message
    # Nothing of /etc/passwd (whose first entry is root) leaks into the error.
    assert "root:" not in str(raised.value)
