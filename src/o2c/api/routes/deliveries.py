"""Deliveries: the letters o2c sent (or holds back), their bounces and their documents.

Letters are queued by the features that send them (invoice issue, dunning, statements); here
they are listed and looked at, a bounce an MTA pipes in is recorded, and a Peppol access point
fetches the document a ``document.ready`` event announced.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from typing_extensions import TypedDict

from o2c.aggregates.delivery import delivery_id_from_message_id
from o2c.api.auth import Clerk, Reader
from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit
from o2c.bootstrap import DeliveryParts
from o2c.delivery.bounces import Bounce, read_bounce
from o2c.delivery.queue import DeliveryPage, DeliveryView

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

Status = Literal["queued", "sent", "failed", "bounced", "held"]


class BounceRecorded(TypedDict):
    """The delivery a bounce was recorded on, its failed address and the reason given."""

    delivery_id: str
    address: str
    status: str
    reason: str


def _parts(request: Request) -> DeliveryParts:
    parts = container(request).delivery
    if parts is None:
        raise Problem(503, "read-side-unavailable", "no delivery queue in this process")
    return parts


def _not_found(delivery_id: UUID) -> Problem:
    return Problem(404, "delivery-not-found", f"delivery {delivery_id} not found")


@router.get("", summary="Deliveries")
def find(
    _: Reader,
    request: Request,
    customer_id: UUID | None = None,
    status: Annotated[list[Status] | None, Query(description="any of these statuses")] = None,
    after: str | None = After,
    limit: int = Limit,
) -> DeliveryPage:
    """Deliveries oldest first, paged, optionally of one customer and in some statuses."""
    parts = _parts(request)
    parts.queue.catch_up(container(request).store)
    return parts.queue.page(
        customer_id=None if customer_id is None else str(customer_id),
        statuses=status or [],
        after=after,
        limit=limit,
    )


@router.get("/{delivery_id}", summary="A delivery")
def get(delivery_id: UUID, request: Request, _: Reader) -> DeliveryView:
    """Document, channel, recipient, status (queued, sent, failed, bounced, held), the
    Message-ID it was sent with, attempts and the attachment's SHA-256 digest."""
    parts = _parts(request)
    found = parts.queue.find(str(delivery_id))
    if found is None:
        parts.queue.catch_up(container(request).store)
        found = parts.queue.find(str(delivery_id))
    if found is None:
        raise _not_found(delivery_id)
    return found


@router.get(
    "/{delivery_id}/document",
    summary="The document a delivery sends",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "application/xml": {}}}},
)
def document(delivery_id: UUID, request: Request, _: Reader) -> Response:
    """The attachment's bytes, exactly those whose SHA-256 the delivery names (what a Peppol
    access point fetches after `o2c.document.ready.v1`)."""
    parts = _parts(request)
    found = parts.queue.find(str(delivery_id))
    if found is None:
        parts.queue.catch_up(container(request).store)
        found = parts.queue.find(str(delivery_id))
    stored = None if found is None else parts.queue.document(found["digest"])
    if found is None or stored is None:
        raise _not_found(delivery_id)
    content, content_type = stored
    return Response(content, media_type=content_type, headers={"X-Content-SHA256": found["digest"]})


@router.post(
    "/bounces",
    summary="Record a bounce",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "a delivery-status notification (RFC 3464) as the MTA received it",
            "content": {
                "message/rfc822": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def bounce(request: Request, _: Clerk) -> BounceRecorded:
    """Find the delivery the bounce is about (by the Message-ID of the returned message, else
    the latest sent to the failed address), mark it bounced and flag its address: further
    letters to it are held, not sent. 422 `not-a-bounce` when it reports no permanent failure;
    404 when no delivery matches."""
    raw = await request.body()
    return await run_in_threadpool(_record_bounce, request, raw)


def _record_bounce(request: Request, raw: bytes) -> BounceRecorded:
    parts = _parts(request)
    found = read_bounce(raw)
    if found is None:
        raise Problem(422, "not-a-bounce", "no permanently failed recipient found in this message")
    parts.queue.catch_up(container(request).store)
    delivery_id = _delivery_of(parts, found)
    if delivery_id is None:
        raise Problem(
            404,
            "delivery-not-found",
            "no delivery matches the bounce's Message-ID or failed address",
            addresses=list(found.addresses),
        )
    delivery = parts.service.record_bounced(delivery_id, found.reason)
    parts.queue.catch_up(container(request).store)
    return {
        "delivery_id": str(delivery_id),
        "address": delivery.to,
        "status": delivery.status,
        "reason": found.reason,
    }


def _delivery_of(parts: DeliveryParts, found: Bounce) -> UUID | None:
    for message_id in found.message_ids:
        delivery_id = delivery_id_from_message_id(message_id)
        if delivery_id is not None and parts.queue.find(str(delivery_id)) is not None:
            return delivery_id
    for address in found.addresses:
        latest = parts.queue.sent_to(address)
        if latest is not None:
            return UUID(latest)
    return None
