"""The delivery tables in the read store (created by the Alembic migration ``0005``).

``dl_deliveries`` is the work queue and the list the API reads: one row per delivery, kept in
step with the event log by the feed (``dl_feed`` holds how far it read), plus what only workers
need: ``not_before`` (the back-off after a failed attempt) and the lease of the worker sending
it. ``dl_documents`` holds attachment bytes by SHA-256 digest, written before the delivery is
queued, so a worker in any process reads them. ``dl_held_addresses`` lists addresses that
bounced: letters to them are held, not sent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

DELIVERY = MetaData()

deliveries = Table(
    "dl_deliveries",
    DELIVERY,
    Column("delivery_id", String(36), primary_key=True),
    Column("customer_id", String(36), nullable=False),
    Column("document", String(128), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("to_address", String(320), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message_id", String(128)),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("queued_at", String(40), nullable=False),
    Column("not_before", BigInteger, nullable=False),
    Column("lease_owner", String(128)),
    Column("lease_expires", BigInteger, nullable=False),
)
Index("dl_deliveries_due", deliveries.c.status, deliveries.c.not_before)
Index("dl_deliveries_customer", deliveries.c.customer_id, deliveries.c.delivery_id)

documents = Table(
    "dl_documents",
    DELIVERY,
    Column("digest", String(64), primary_key=True),
    Column("content_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

held_addresses = Table(
    "dl_held_addresses",
    DELIVERY,
    Column("address", String(320), primary_key=True),
    Column("delivery_id", String(36), nullable=False),
    Column("reason", Text, nullable=False),
    Column("flagged_at", String(40), nullable=False),
)

feed = Table(
    "dl_feed",
    DELIVERY,
    Column("name", String(32), primary_key=True),
    Column("position", BigInteger, nullable=False),
)
