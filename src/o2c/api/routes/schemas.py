"""Event contracts over HTTP: the JSON Schema of every published event type."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from o2c.api.auth import Principal, reader
from o2c.api.problems import Problem
from o2c.contracts.asyncapi import asyncapi
from o2c.contracts.schemas import public_specs, schema_for

router = APIRouter(prefix="/v1", tags=["event contracts"])


@router.get("/schemas", summary="Index of event schemas")
def index(_: Principal = Depends(reader)) -> dict[str, Any]:
    """Every published event type with its topic and schema link."""
    return {
        "schemas": [
            {
                "type": s.cloud_type,
                "event": s.name,
                "aggregate": s.aggregate,
                "topic": s.public_topic,
                "description": s.description,
                "href": f"/v1/schemas/{s.cloud_type}",
            }
            for s in public_specs()
        ],
        "asyncapi": "/v1/schemas/asyncapi",
    }


@router.get("/schemas/asyncapi", summary="AsyncAPI 3 document of the topics")
def asyncapi_document(_: Principal = Depends(reader)) -> dict[str, Any]:
    """Channels, messages and headers of the Kafka topics."""
    return asyncapi()


@router.get("/schemas/{cloud_type}", summary="JSON Schema of one event type's data")
def schema(cloud_type: str, _: Principal = Depends(reader)) -> dict[str, Any]:
    """JSON Schema (2020-12) of the CloudEvent `data` of one type, e.g. `o2c.invoice.issued.v1`."""
    found = schema_for(cloud_type)
    if found is None:
        raise Problem(404, "schema-not-found", f"no schema for {cloud_type!r}")
    return found
