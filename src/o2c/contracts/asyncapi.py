"""The AsyncAPI document of o2c's topics: journal, public topics and the dead-letter queue."""

from __future__ import annotations

from typing import Any

from o2c.contracts.schemas import public_specs
from o2c.events.catalog import PUBLIC_TOPICS


def asyncapi() -> dict[str, Any]:
    """AsyncAPI 3.0 document of the journal, public and DLQ topics."""
    messages = {
        s.name: {
            "name": s.cloud_type,
            "title": s.name,
            "summary": s.description,
            "contentType": "application/cloudevents+json",
            "headers": {"$ref": "#/components/schemas/KafkaHeaders"},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": s.cloud_type},
                            "data": {"$ref": f"{s.cloud_type}.json"},
                        },
                    },
                ]
            },
        }
        for s in public_specs()
    }
    channels: dict[str, Any] = {
        "journal": {
            "address": "o2c.journal.v1",
            "description": "Every domain event, keyed by customer id, in global order "
            "per customer. For o2c's own projection consumers.",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in messages},
        },
        "dlq": {
            "address": "o2c.journal.v1.dlq",
            "description": "Journal messages a projection could not apply (and every later "
            "message of the same customer); headers o2c_error, "
            "o2c_source_topic/partition/offset, o2c_group.",
        },
    }
    for topic in PUBLIC_TOPICS:
        names = [s.name for s in public_specs() if s.public_topic == topic]
        channels[topic.split(".")[1]] = {
            "address": topic,
            "description": f"Public {topic.split('.')[1]} events for downstream services; "
            "key = customer id; at-least-once, dedupe by CloudEvent id.",
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
                    "properties": {
                        "ce_id": {"type": "string", "description": "event id (dedupe key)"},
                        "ce_type": {"type": "string"},
                        "o2c_position": {"type": "string", "description": "global position"},
                        "o2c_aggregate": {"type": "string"},
                        "o2c_version": {"type": "string"},
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
                        "o2cposition": {"type": "integer"},
                        "o2ccustomer": {"type": "string"},
                        "o2cversion": {"type": "integer"},
                        "o2ccorrelation": {"type": "string"},
                        "o2ccausation": {"type": "string"},
                        "o2cactor": {"type": "string"},
                        "o2ccommand": {"type": "string"},
                        "o2cschemaversion": {"type": "integer"},
                        "o2cprevhash": {"type": "string"},
                        "o2chash": {"type": "string"},
                        "data": {"type": "object"},
                    },
                },
            },
        },
    }
