"""The format of a file is recognised from its content; a named format is used as given."""

from __future__ import annotations

import pytest

from o2c.bank import MalformedStatement, StatementFormat, detect_format, read_statements
from tests.bank.conftest import sample


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("camt053_handwritten_iso20022.xml", StatementFormat.CAMT053),
        ("mt940_betterplace_sepa.sta", StatementFormat.MT940),
        ("mt940_jejik_abnamro.sta", StatementFormat.MT940),
        ("bai2_citi_example.bai2", StatementFormat.BAI2),
        ("bai2_svb_us_example.bai2", StatementFormat.BAI2),
    ],
)
def test_format_is_detected_from_content(name: str, expected: StatementFormat) -> None:
    assert detect_format(sample(name)) is expected


def test_swift_envelope_before_the_statement_is_mt940() -> None:
    data = b"{1:F01BANKDEFFAXXX0000000000}{2:O940}{4:\r\n" + sample("mt940_jejik_abnamro.sta")

    assert detect_format(data) is StatementFormat.MT940
    assert len(read_statements(data)) == 2


def test_byte_order_mark_does_not_hide_the_format() -> None:
    assert detect_format(b"\xef\xbb\xbf" + sample("bai2_citi_example.bai2")) is StatementFormat.BAI2


def test_a_named_format_is_not_second_guessed() -> None:
    with pytest.raises(MalformedStatement):
        read_statements(sample("bai2_citi_example.bai2"), "mt940")


def test_an_unknown_format_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="ofx"):
        read_statements(sample("bai2_citi_example.bai2"), "ofx")
