"""Channels: how a delivery leaves o2c — an SMTP server, an outbox directory, a Peppol hand-off.

Every channel sends the same MIME message for a delivery (``build_message``): its Message-ID is
the delivery's own, so an attempt repeated after a crash is recognisably the same message. A
channel raises ``SendError`` when the attempt failed; ``permanent`` when retrying cannot help
(the server refused the recipient for good).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Letter:
    """Everything one attempt sends."""

    delivery_id: str
    message_id: str
    to: str
    subject: str
    body: str
    filename: str
    content_type: str
    content: bytes


class SendError(Exception):
    """An attempt failed; ``permanent`` when no retry can succeed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    """Sends letters; one instance per worker thread."""

    def send(self, letter: Letter) -> None:
        """Hand the letter over or raise ``SendError``."""

    def close(self) -> None:
        """Release connections."""


def build_message(letter: Letter, sender: str) -> EmailMessage:
    """The MIME message of a letter: text body and the document attached."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = letter.to
    msg["Subject"] = letter.subject
    msg["Message-ID"] = letter.message_id
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg.set_content(letter.body or letter.subject)
    maintype, _, subtype = letter.content_type.partition("/")
    msg.add_attachment(
        letter.content,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        filename=letter.filename,
    )
    return msg


@dataclass(frozen=True)
class SmtpTarget:
    """Where ``O2C_SMTP_URL`` points: ``smtp://user:pass@host:587?starttls=true`` (or
    ``smtps://`` for TLS from the first byte)."""

    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    implicit_tls: bool
    timeout: float = 30.0

    @classmethod
    def parse(cls, url: str, timeout: float = 30.0) -> SmtpTarget:
        """Read an SMTP URL; ``ValueError`` names what is wrong (never the password)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("the SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("the SMTP URL names no host")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["false"])[-1].lower() in ("1", "true", "yes")
        implicit = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if implicit else 25)
        except ValueError as exc:
            raise ValueError("the SMTP URL has a bad port") from exc
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=starttls,
            implicit_tls=implicit,
            timeout=timeout,
        )


class EmailChannel:
    """Sends over SMTP, keeping one connection open between letters."""

    def __init__(self, target: SmtpTarget, sender: str) -> None:
        self.target = target
        self.sender = sender
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        smtp: smtplib.SMTP
        if t.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                t.host, t.port, timeout=t.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
            if t.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if t.username:
            smtp.login(t.username, t.password or "")
        return smtp

    def send(self, letter: Letter) -> None:
        msg = build_message(letter, self.sender)
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(msg, from_addr=self.sender, to_addrs=[letter.to])
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            raise SendError(
                f"recipient refused: {_reply(exc.recipients)}",
                permanent=all(500 <= code < 600 for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise SendError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                permanent=500 <= exc.smtp_code < 600 and exc.smtp_code != 530,
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendError(f"SMTP: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else raw


def _reply(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{who}: {code} {_text(text)}" for who, (code, text) in recipients.items())


class FileChannel:
    """Writes each letter as ``<delivery id>.eml`` into the outbox (the embedded default)."""

    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender

    def send(self, letter: Letter) -> None:
        data = build_message(letter, self.sender).as_bytes()
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a reader never sees half a message, and a repeated
            # attempt replaces the file with the same message.
            fd, tmp = tempfile.mkstemp(dir=self.outbox, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self.outbox / f"{letter.delivery_id}.eml")
        except OSError as exc:
            raise SendError(f"outbox: {exc}") from exc

    def close(self) -> None:
        pass


class PeppolChannel:
    """The hand-off to an access point is the ``DocumentReady`` event recorded with the send:
    nothing leaves the process here."""

    def send(self, letter: Letter) -> None:
        pass

    def close(self) -> None:
        pass
