"""Webhooks: subscribe a URL to public events, inspect its deliveries, replay, unsubscribe.

Creating, replaying and ending a subscription is the admin's; every reader role may look, but
only the admin sees a URL whole: others see its credentials and query values masked, since
receivers often take a token there.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, Strict

from o2c.api.auth import Admin, Reader
from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit
from o2c.commands.base import SingleLine
from o2c.identity.principal import Principal
from o2c.webhooks.rules import public_types, unknown_patterns, url_refusal
from o2c.webhooks.subscriptions import (
    AttemptPage,
    ReplayWouldSkip,
    SubscriptionStore,
    WebhookPage,
    WebhookView,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


TypePattern = Annotated[SingleLine, Field(min_length=1, max_length=200, examples=["o2c.invoice.*"])]


class WebhookIn(BaseModel):
    """Where to POST and which events: CloudEvents type patterns, optionally one customer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[
        SingleLine, Field(min_length=1, max_length=2000, examples=["https://erp.example.com/o2c"])
    ]
    types: Annotated[list[TypePattern], Field(min_length=1, max_length=100)]
    customer_id: UUID | None = None


class ReplayIn(BaseModel):
    """Deliver again every event from this log position on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_position: Annotated[int, Strict(), Field(ge=1)]


class CreatedWebhook(WebhookView):
    """A new subscription with its signing secret (shown only in this answer)."""

    secret: str


class AttemptLog(AttemptPage):
    """A subscription's delivery attempts and the position it has acknowledged."""

    webhook_id: str
    position: int


def _subscriptions(request: Request) -> SubscriptionStore:
    c = container(request)
    if c.read is None:
        raise Problem(503, "read-side-unavailable", "no read store in this process")
    if c.webhooks is not None:
        return c.webhooks.subs
    return SubscriptionStore(c.read.read_store.engine)


def _changed(request: Request) -> None:
    """Let this process's delivery workers see a change now rather than on their next look."""
    dispatcher = container(request).webhooks
    if dispatcher is not None:
        dispatcher.sync()


def _full_urls(who: Principal) -> bool:
    return "admin" in who.roles


def _not_found(webhook_id: UUID) -> Problem:
    return Problem(404, "webhook-not-found", f"webhook {webhook_id} not found")


@router.post("", status_code=201, summary="Subscribe a URL to events")
def create(body: WebhookIn, request: Request, _: Admin) -> CreatedWebhook:
    """Deliver the public events after the current end of the log whose CloudEvents type matches
    one of `types` (fnmatch patterns, e.g. `o2c.invoice.*`) and, if given, of one customer. The
    answer carries the signing `secret` (`whsec_…`); it is shown only here."""
    c = container(request)
    refusal = url_refusal(body.url, c.settings.webhook_allow)
    if refusal is not None:
        raise Problem(422, "webhook-url-not-allowed", refusal)
    unknown = unknown_patterns(body.types)
    if unknown:
        raise Problem(
            422,
            "unknown-event-type",
            f"no public event type matches {', '.join(map(repr, unknown))}",
            known_types=public_types(),
        )
    if body.customer_id is not None and c.store.version_of(body.customer_id) is None:
        raise Problem(404, "customer-not-found", f"customer {body.customer_id} not found")
    sub = _subscriptions(request).create(
        body.url,
        list(dict.fromkeys(body.types)),
        None if body.customer_id is None else str(body.customer_id),
        c.store.last_position(),
    )
    _changed(request)
    return {**sub.view(full_url=True), "secret": sub.secret}


@router.get("", summary="Webhook subscriptions")
def find(
    who: Reader,
    request: Request,
    after: str | None = After,
    limit: int = Limit,
) -> WebhookPage:
    """Every subscription by id (without secrets), paged; the URL whole for the admin only."""
    return _subscriptions(request).page(after, limit, full_urls=_full_urls(who))


@router.get("/{webhook_id}", summary="A webhook subscription")
def get(webhook_id: UUID, request: Request, who: Reader) -> WebhookView:
    """The subscription and its acknowledged `position` (without the secret; the URL whole for
    the admin only)."""
    sub = _subscriptions(request).get(str(webhook_id))
    if sub is None:
        raise _not_found(webhook_id)
    return sub.view(full_url=_full_urls(who))


@router.get("/{webhook_id}/deliveries", summary="Delivery attempts")
def deliveries(
    _: Reader,
    webhook_id: UUID,
    request: Request,
    after: str | None = After,
    limit: int = Limit,
) -> AttemptLog:
    """Every attempt, newest first: position, event id and type, status code or error,
    duration and time. The newest 1,000 attempts per subscription are kept."""
    subs = _subscriptions(request)
    sub = subs.get(str(webhook_id))
    if sub is None:
        raise _not_found(webhook_id)
    log = subs.deliveries(sub.webhook_id, after, limit)
    return {
        "webhook_id": sub.webhook_id,
        "position": sub.position,
        "items": log["items"],
        "next": log["next"],
    }


@router.post("/{webhook_id}/replay", summary="Deliver again from a position")
def replay(webhook_id: UUID, body: ReplayIn, request: Request, _: Admin) -> WebhookView:
    """Resend every matching event from `from_position` on (at most the next undelivered one:
    a replay never skips an event the endpoint has not acknowledged)."""
    c = container(request)
    if body.from_position > c.store.last_position() + 1:
        raise Problem(
            422,
            "unknown-position",
            f"position {body.from_position} is beyond the end of the event log",
        )
    try:
        sub = _subscriptions(request).replay(str(webhook_id), body.from_position)
    except ReplayWouldSkip as exc:
        raise Problem(409, "replay-would-skip", str(exc)) from exc
    if sub is None:
        raise _not_found(webhook_id)
    _changed(request)
    return sub.view(full_url=True)


@router.delete("/{webhook_id}", status_code=204, summary="End a subscription")
def end(webhook_id: UUID, request: Request, _: Admin) -> Response:
    """Stop deliveries and drop the delivery log (an attempt already in flight completes)."""
    if not _subscriptions(request).delete(str(webhook_id)):
        raise _not_found(webhook_id)
    _changed(request)
    return Response(status_code=204)
