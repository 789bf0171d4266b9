"""Event contracts over HTTP: the JSON Schema of every published event type, and AsyncAPI.

Schemas are not secrets: these answer without a token, so a consumer (or a schema registry)
can resolve every CloudEvent's ``dataschema`` and every ``$ref`` of the AsyncAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from typing_extensions import TypedDict

from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.contracts.asyncapi import asyncapi
from o2c.contracts.schemas import public_specs, schema_for
from o2c.events.envelope import schema_url

router = APIRouter(prefix="/v1", tags=["event contracts"])


class SchemaLink(TypedDict):
    """A published event type, its topic and where its schema is."""

    type: str
    event: str
    aggregate: str
    topic: str | None
    description: str
    schema_version: int
    href: str


class SchemaIndex(TypedDict):
    """Every published event type, and where the AsyncAPI document of the topics is."""

    schemas: list[SchemaLink]
    asyncapi: str


def _public_url(request: Request) -> str:
    return container(request).settings.public_url


@router.get("/schemas", summary="Index of event schemas")
def index(request: Request) -> SchemaIndex:
    """Every published event type with its topic and schema link (public)."""
    base = _public_url(request)
    return {
        "schemas": [
            {
                "type": s.cloud_type,
                "event": s.name,
                "aggregate": s.aggregate,
                "topic": s.public_topic,
                "description": s.description,
                "schema_version": s.schema_version,
                "href": schema_url(s.cloud_type, base),
            }
            for s in public_specs()
        ],
        "asyncapi": f"{base}/v1/schemas/asyncapi",
    }


@router.get("/schemas/asyncapi", summary="AsyncAPI 3 document of the topics")
def asyncapi_document(request: Request) -> dict[str, Any]:
    """Servers, channels (with Kafka bindings), messages and headers of the topics (public)."""
    settings = container(request).settings
    return asyncapi(settings.public_url, settings.kafka_bootstrap, settings.kafka_partitions)


@router.get("/schemas/{cloud_type}", summary="JSON Schema of one event type's data")
def schema(cloud_type: str, request: Request) -> dict[str, Any]:
    """JSON Schema (2020-12) of the CloudEvent `data` of one type, e.g. `o2c.invoice.issued.v1`;
    its `$id` is this URL (public)."""
    found = schema_for(cloud_type, _public_url(request))
    if found is None:
        raise Problem(404, "schema-not-found", f"no schema for {cloud_type!r}")
    return found
