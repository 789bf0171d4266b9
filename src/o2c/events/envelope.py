"""The transport-neutral event envelope: one stored event with its audit metadata.

Projections, the Kafka relay and the audit API all speak envelopes, so one projection code path
serves the embedded runner and the Kafka consumer. ``data`` is JSON-native: amounts are
decimal strings, dates ISO strings, ids canonical UUID strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from o2c.events.catalog import BY_CLOUD_TYPE, BY_NAME

GENESIS_HASH = "0" * 64
CLOUDEVENTS_SOURCE = "urn:o2c"
# Where the service answers (``O2C_PUBLIC_URL``): CloudEvents require ``dataschema`` to be an
# absolute URI, and it equals the ``$id`` of the JSON Schema served there, without a token.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


# Every CloudEvents extension attribute o2c sends, with what it means (the AsyncAPI document and
# the README describe them from here).
EXTENSION_ATTRIBUTES: dict[str, str] = {
    "o2cposition": "global position in the event log (integer): orders every event; replay cursor",
    "o2ccustomer": "customer id, also the Kafka key; null for a fact about no one customer "
    "(a period close), whose key is then its aggregate id",
    "o2cversion": "version of the subject aggregate (1, 2, ...); (subject, o2cversion) is unique",
    "o2ccorrelation": "correlation id: the request that started this chain of facts",
    "o2ccausation": "causation id: the command (or event) that caused this one",
    "o2cactor": "who: a person ('sub (name, email)' from OpenID Connect), an API key's holder "
    "(or '<role>-key-<n>'), or 'system'; never a token",
    "o2ccommand": "id of the command that recorded the event",
    "o2cschemaversion": "version of the stored form it was recorded in (data is always upcast "
    "to the current schema)",
    "o2cprevhash": "hash of the previous event of the same aggregate (64 zeros for the first)",
    "o2chash": "SHA-256 hash chaining this event to o2cprevhash (tamper evidence, "
    "checked by /v1/audit/verify)",
}


def schema_url(cloud_type: str, public_url: str = DEFAULT_PUBLIC_URL) -> str:
    """The absolute URL (and ``$id``) of the JSON Schema of one event type's ``data``."""
    return f"{public_url.rstrip('/')}/v1/schemas/{cloud_type}"


@dataclass(frozen=True)
class EventEnvelope:
    """A stored event as every consumer sees it."""

    position: int
    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    version: int
    customer_id: str | None
    recorded_at: str
    actor: str
    command_id: str
    correlation_id: str
    causation_id: str
    schema_version: int
    prev_hash: str
    hash: str
    data: dict[str, Any]

    @property
    def internal(self) -> bool:
        """Bookkeeping events (numbering, idempotency records) that projections ignore."""
        spec = BY_NAME.get(self.event_type)
        return spec is None or spec.internal

    def to_cloudevent(self, public_url: str = DEFAULT_PUBLIC_URL) -> dict[str, Any]:
        """CloudEvents 1.0 structured JSON with the o2c extension attributes."""
        spec = BY_NAME[self.event_type]
        return {
            "specversion": "1.0",
            "id": self.event_id,
            "source": f"{CLOUDEVENTS_SOURCE}:{self.aggregate_type}",
            "type": spec.cloud_type,
            "subject": self.aggregate_id,
            "time": self.recorded_at,
            "datacontenttype": "application/json",
            "dataschema": schema_url(spec.cloud_type, public_url),
            "data": self.data,
            "o2cposition": self.position,
            "o2ccustomer": self.customer_id,
            "o2cversion": self.version,
            "o2ccorrelation": self.correlation_id,
            "o2ccausation": self.causation_id,
            "o2cactor": self.actor,
            "o2ccommand": self.command_id,
            "o2cschemaversion": self.schema_version,
            "o2cprevhash": self.prev_hash,
            "o2chash": self.hash,
        }

    @classmethod
    def from_cloudevent(cls, event: dict[str, Any]) -> EventEnvelope:
        """Inverse of ``to_cloudevent``."""
        spec = BY_CLOUD_TYPE[event["type"]]
        return cls(
            position=int(event["o2cposition"]),
            event_id=event["id"],
            event_type=spec.name,
            aggregate_type=spec.aggregate,
            aggregate_id=event["subject"],
            version=int(event["o2cversion"]),
            customer_id=event.get("o2ccustomer"),
            recorded_at=event["time"],
            actor=event.get("o2cactor", ""),
            command_id=event.get("o2ccommand", ""),
            correlation_id=event.get("o2ccorrelation", ""),
            causation_id=event.get("o2ccausation", ""),
            schema_version=int(event.get("o2cschemaversion", 1)),
            prev_hash=event.get("o2cprevhash", ""),
            hash=event.get("o2chash", ""),
            data=event["data"],
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON lines)."""
        return asdict(self)

    @property
    def partition_key(self) -> str:
        """Kafka key: the customer, so a customer's events stay in order in one partition."""
        return self.customer_id or self.aggregate_id

    def to_cloudevent_topic(self) -> str | None:
        """The public topic downstream services read this event from (``None`` if internal)."""
        spec = BY_NAME.get(self.event_type)
        return None if spec is None else spec.public_topic


def to_json_native(value: Any) -> Any:
    """Decimals, dates and UUIDs to strings, recursively, leaving JSON types alone."""
    if isinstance(value, dict):
        return {k: to_json_native(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_native(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
