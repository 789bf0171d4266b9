"""The AsyncAPI document of o2c's topics: journal, public topics and the dead-letter queue."""

from __future__ import annotations

from typing import Any

from o2c.contracts.schemas import public_specs
from o2c.events.catalog import BANK_TOPIC, DLQ_TOPIC, JOURNAL_TOPIC, LEDGER_TOPIC, PUBLIC_TOPICS
from o2c.events.envelope import DEFAULT_PUBLIC_URL, EXTENSION_ATTRIBUTES, schema_url

DEFAULT_SERVER = "localhost:9092"
DEFAULT_PARTITIONS = 6
_EXTENSION_TYPES: dict[str, str | list[str]] = {
    "o2cposition": "integer",
    "o2cversion": "integer",
    "o2cschemaversion": "integer",
    # A period close and the seller's profile are about the books as a whole, not one customer.
    "o2ccustomer": ["string", "null"],
}


# What keys the messages of a public topic, where it is not the customer.
_KEYS = {
    LEDGER_TOPIC: "aggregate id (the period lock, the company: each one partition, in order)",
    BANK_TOPIC: "aggregate id (the statement: its lines in order, in one partition)",
}


# Invoice issued: its e-invoice is fetched by the event's ``subject`` (the invoice id); the link
# is documentation of the message, the event's payload stays as it is.
INVOICE_ISSUED = "o2c.invoice.issued.v1"
EINVOICE_PATH = "/v1/invoices/{subject}/einvoice?syntax=ubl|cii&profile=en16931|peppol|xrechnung"


def _links(cloud_type: str, public_url: str) -> dict[str, Any]:
    if cloud_type != INVOICE_ISSUED:
        return {}
    return {
        "externalDocs": {
            "description": "The invoice as EN 16931 e-invoice (UBL or CII, any reader role): "
            f"GET {public_url}{EINVOICE_PATH}, `subject` being the event's subject",
            "url": f"{public_url}/docs#/invoices/invoice_v1_invoices__invoice_id__einvoice_get",
        }
    }


def _kafka_channel(topic: str, partitions: int) -> dict[str, Any]:
    return {"kafka": {"topic": topic, "partitions": partitions, "bindingVersion": "0.5.0"}}


def asyncapi(
    public_url: str = DEFAULT_PUBLIC_URL,
    bootstrap: str | None = None,
    partitions: int = DEFAULT_PARTITIONS,
) -> dict[str, Any]:
    """AsyncAPI 3.0 document of the journal, public and DLQ topics.

    Every message's ``data`` refers to the JSON Schema served (without a token) under
    ``public_url``, so each ``$ref`` of the served copy resolves; ``bootstrap`` names the Kafka
    servers (``O2C_KAFKA_BOOTSTRAP``), ``partitions`` the topics' partition count.
    """
    messages = {
        s.name: {
            "name": s.cloud_type,
            "title": s.name,
            "summary": s.description,
            "contentType": "application/cloudevents+json",
            "headers": {"$ref": "#/components/schemas/KafkaHeaders"},
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": "customer id (the aggregate id for a fact about no "
                        "one customer)",
                    },
                    "bindingVersion": "0.5.0",
                }
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": s.cloud_type},
                            "data": {"$ref": schema_url(s.cloud_type, public_url)},
                        },
                    },
                ]
            },
            **_links(s.cloud_type, public_url),
        }
        for s in public_specs()
    }
    refs = {n: {"$ref": f"#/components/messages/{n}"} for n in messages}
    channels: dict[str, Any] = {
        "journal": {
            "address": JOURNAL_TOPIC,
            "bindings": _kafka_channel(JOURNAL_TOPIC, partitions),
            "description": "Every domain event, keyed by customer id, in global order "
            "per customer. For o2c's own projection consumers.",
            "messages": dict(refs),
        },
        "dlq": {
            "address": DLQ_TOPIC,
            "bindings": _kafka_channel(DLQ_TOPIC, partitions),
            "messages": dict(refs),
            "description": "Journal messages a projection could not apply (and every later "
            "message of the same customer); headers o2c_error, "
            "o2c_source_topic/partition/offset, o2c_group.",
        },
    }
    for topic in PUBLIC_TOPICS:
        names = [s.name for s in public_specs() if s.public_topic == topic]
        channels[topic.split(".")[1]] = {
            "address": topic,
            "bindings": _kafka_channel(topic, partitions),
            "description": f"Public {topic.split('.')[1]} events for downstream services; "
            f"key = {_KEYS.get(topic, 'customer id')}; at-least-once, dedupe by CloudEvent id.",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "o2c events",
            "version": "1.0.0",
            "description": "Order-to-cash domain events as CloudEvents 1.0 (structured "
            "JSON). Kafka key: customer id. Delivery: at least once; "
            "dedupe by `id`; order per customer is preserved.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "kafka": {
                "host": bootstrap or DEFAULT_SERVER,
                "protocol": "kafka",
                "description": "the Kafka cluster o2c publishes to (O2C_KAFKA_BOOTSTRAP)",
            }
        },
        "channels": channels,
        "operations": {
            f"receive_{name}": {"action": "receive", "channel": {"$ref": f"#/channels/{name}"}}
            for name in channels
        },
        "components": {
            "messages": messages,
            "schemas": {
                "KafkaHeaders": {
                    "type": "object",
                    "description": (
                        "Structured-mode CloudEvents: the whole event is the value, so no header "
                        "is named ce_* (SDKs would read the message as binary mode). These repeat "
                        "what the value holds, for routing and dedupe without parsing it."
                    ),
                    "properties": {
                        "content-type": {"const": "application/cloudevents+json; charset=utf-8"},
                        "o2c_id": {"type": "string", "description": "event id (dedupe key)"},
                        "o2c_type": {"type": "string", "description": "CloudEvents type"},
                        "o2c_position": {"type": "string", "description": "global position"},
                        "o2c_aggregate": {"type": "string", "description": "aggregate id"},
                        "o2c_version": {"type": "string", "description": "aggregate version"},
                    },
                },
                "CloudEvent": {
                    "type": "object",
                    "required": [
                        "specversion",
                        "id",
                        "source",
                        "type",
                        "subject",
                        "time",
                        "data",
                        "o2cposition",
                        "o2ccustomer",
                        "o2cversion",
                    ],
                    "properties": {
                        "specversion": {"const": "1.0"},
                        "id": {"type": "string"},
                        "source": {"type": "string"},
                        "type": {"type": "string"},
                        "subject": {"type": "string", "description": "aggregate id"},
                        "time": {"type": "string", "format": "date-time"},
                        "datacontenttype": {"const": "application/json"},
                        "dataschema": {"type": "string"},
                        **{
                            name: {"type": _EXTENSION_TYPES.get(name, "string"), "description": d}
                            for name, d in EXTENSION_ATTRIBUTES.items()
                        },
                        "data": {"type": "object"},
                    },
                },
            },
        },
    }
