"""Reading a bounce: which of our messages came back, for which address, and why.

An MTA pipes the raw delivery-status notification (RFC 3464) it received. ``flufl.bounce``
finds the recipients that failed permanently (it also knows the looser formats of common
servers); the returned original message (or its headers) names the Message-ID we sent, which
identifies the delivery. The human-readable reason is the DSN's ``Diagnostic-Code`` or
``Status`` of the failed recipient.
"""

from __future__ import annotations

import email
from dataclasses import dataclass
from email.message import Message

from flufl.bounce import scan_message


@dataclass(frozen=True)
class Bounce:
    """What a bounce says: the failed addresses, the Message-IDs it quotes, a reason."""

    addresses: tuple[str, ...]
    message_ids: tuple[str, ...]
    reason: str


def read_bounce(raw: bytes) -> Bounce | None:
    """The bounce in ``raw``, or ``None`` when it reports no permanent failure."""
    msg = email.message_from_bytes(raw)
    try:
        recipients = scan_message(msg)
    except Exception:  # its heuristic detectors fail on some non-bounces (no From header)
        return None
    failed = sorted(
        a.decode(errors="replace") if isinstance(a, bytes) else str(a) for a in recipients
    )
    if not failed:
        return None
    return Bounce(tuple(failed), tuple(_quoted_message_ids(msg)), _reason(msg))


def _quoted_message_ids(msg: Message) -> list[str]:
    """Message-IDs of the returned message (``message/rfc822`` or ``text/rfc822-headers``)."""
    found: list[str] = []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            for quoted in inner if isinstance(inner, list) else [inner]:
                if isinstance(quoted, Message) and quoted.get("Message-ID"):
                    found.append(str(quoted["Message-ID"]).strip())
        elif kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            text = payload.decode(errors="replace") if isinstance(payload, bytes) else ""
            headers = email.message_from_string(text)
            if headers.get("Message-ID"):
                found.append(str(headers["Message-ID"]).strip())
    return list(dict.fromkeys(found))


def _reason(msg: Message) -> str:
    """The failed recipient's diagnostic code, else its status, else a plain statement."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            if not isinstance(block, Message) or block.get("Action", "").lower() != "failed":
                continue
            diagnostic = block.get("Diagnostic-Code") or block.get("Status")
            if diagnostic:
                return " ".join(str(diagnostic).split())[:1000]
    return "the message could not be delivered (permanent failure)"
