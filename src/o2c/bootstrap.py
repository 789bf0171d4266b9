"""The composition root: the one place that picks infrastructure from configuration.

Nothing connects at import time; ``build_*`` functions connect when called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import UUID

from o2c.application.billing_runs import BillingCandidatesPort, BillingRuns
from o2c.application.clock import BusinessDay
from o2c.application.deliveries import DeliveryService
from o2c.application.invoice_pdfs import InvoiceSending
from o2c.application.ports import DunningCustomersPort
from o2c.application.service import Follower, O2CService
from o2c.application.statement_letters import StatementRuns
from o2c.audit.ledger_replay import LogLedger
from o2c.billing.candidates import LogScanBillingCandidates, ReadModelBillingCandidates
from o2c.billing.run_log import SqlRunLog
from o2c.commands import Command
from o2c.config import Settings
from o2c.delivery.channels import Channel, EmailChannel, FileChannel, PeppolChannel, SmtpTarget
from o2c.delivery.letters import build_statement_runs, current_held_reason, letter_followers
from o2c.delivery.queue import DeliveryQueue
from o2c.delivery.worker import DeliveryWorker, SendPolicy
from o2c.events.catalog import topic
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore
from o2c.follow.embedded import EmbeddedRunner
from o2c.projections.engine import ProjectionEngine
from o2c.projections.queries import ReadQueries
from o2c.projections.readstore import ReadStore
from o2c.read_side import ReadModelBankBook, ReadModelDunningCustomers, ReadSideParts
from o2c.webhooks.subscriptions import SubscriptionStore
from o2c.webhooks.worker import DeliveryPolicy, WebhookDispatcher

_MIGRATE_LOCK = threading.Lock()


def build_event_store(settings: Settings, *, migrate: bool = True) -> EventStore:
    """Open the event store; ``migrate`` creates its tables first (one step, under a lock)."""
    if migrate:
        with _MIGRATE_LOCK:
            migrate_event_store(settings.event_store_url)
    return EventStore(
        settings.event_store_url,
        create_tables=False,
        snapshot_interval=settings.snapshot_interval,
        group_commit=settings.group_commit,
    )


class LogScanDunningCustomers:
    """Every customer ever opened, straight from the event log.

    Correct without any read model (each account picks its own overdue invoices), but it reads
    every account opening; the composition root swaps in the read model where one is running.
    """

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def __call__(self, as_of: date, min_position: int) -> Iterable[UUID]:
        opened = topic("AccountOpened")
        after = 0
        while True:
            page = self.store.app.recorder.select_notifications(
                start=after, limit=1000, inclusive_of_start=False, topics=[opened]
            )
            if not page:
                return
            for n in page:
                yield UUID(str(n.originator_id))
            after = page[-1].id


def follows_log_in_process(settings: Settings) -> bool:
    """True where this process applies the event log to the read models itself: embedded mode
    with in-process projections (otherwise ``o2c project`` or a Kafka consumer group does)."""
    return settings.embedded and settings.projections == "in-process"


def build_read_side(settings: Settings, store: EventStore) -> ReadSideParts:
    """Migrate the read store; where this process follows the event log, a runner (not started
    yet) that does."""
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    engine = ProjectionEngine(read_store)
    runner = EmbeddedRunner(store, engine) if follows_log_in_process(settings) else None
    group = None if settings.embedded else settings.kafka_group
    return ReadSideParts(read_store, engine, ReadQueries(read_store), runner, group)


def build_service(
    settings: Settings,
    store: EventStore,
    read: ReadSideParts | None = None,
    *,
    listeners: Sequence[Callable[[int], None]] = (),
    dunning_from_read_models: bool = True,
    followers: Mapping[type[Command], Follower] | None = None,
) -> O2CService:
    """The application service over ``store`` with the configured dunning policy; a period
    close replays the event log itself for its trial balance (never a read model).

    With ``read``, dunning lists customers from the read models (falling back to the log when
    they lag) unless ``dunning_from_read_models`` is off, and bank cash application matches
    against them; ``listeners`` hear each command's last stored position.
    """
    dunning: DunningCustomersPort = LogScanDunningCustomers(store)
    if read is not None and dunning_from_read_models:
        dunning = ReadModelDunningCustomers(read, dunning)
    return O2CService(
        store,
        today=BusinessDay(settings.timezone),
        dunning_policy=settings.dunning_policy,
        tax_policy=settings.tax_policy,
        dunning_customers=dunning,
        serialize=store.is_sqlite,
        ledger=LogLedger(store),
        bank_book=None if read is None else ReadModelBankBook(read),
        listeners=listeners,
        followers=followers,
    )


@dataclass
class Container:
    """Everything a process needs, built from configuration in one place."""

    settings: Settings
    store: EventStore
    service: O2CService
    read: ReadSideParts | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)
    webhooks: WebhookDispatcher | None = None
    delivery: DeliveryParts | None = None
    billing: BillingRuns | None = None
    billing_log: SqlRunLog | None = None

    def close(self) -> None:
        """Release everything in reverse order of construction."""
        if self.delivery is not None and self.delivery.worker is not None:
            self.delivery.worker.stop()
        if self.webhooks is not None:
            self.webhooks.stop()
        if self.read is not None:
            self.read.close()
        for closer in reversed(self.closers):
            closer()
        self.store.close()


def build_webhooks(
    settings: Settings,
    store: EventStore,
    read_store: ReadStore,
    policy: DeliveryPolicy | None = None,
) -> WebhookDispatcher:
    """The webhook delivery workers over the event log and the read store's subscriptions."""
    policy = policy or DeliveryPolicy()
    return WebhookDispatcher(
        store,
        SubscriptionStore(read_store.engine, keep_attempts=policy.keep_attempts),
        allow=settings.webhook_allow,
        public_url=settings.public_url,
        policy=policy,
    )


# ---- delivery of documents (e-mail, outbox files, Peppol hand-off) ----------------------------


@dataclass
class DeliveryParts:
    """Queueing letters (``service.queue_delivery``), the queue table and the worker (running
    only where this process sends)."""

    service: DeliveryService
    queue: DeliveryQueue
    worker: DeliveryWorker | None = None
    statements: StatementRuns | None = None
    invoices: InvoiceSending | None = None


def delivery_channels(settings: Settings) -> dict[str, Callable[[], Channel]]:
    """Channel factories (one instance per worker): SMTP only where ``O2C_SMTP_URL`` is set."""
    outbox = Path(settings.outbox_dir)
    channels: dict[str, Callable[[], Channel]] = {
        "file": lambda: FileChannel(outbox, settings.mail_from),
        "peppol": PeppolChannel,
    }
    if settings.smtp_url is not None:
        target = SmtpTarget.parse(settings.smtp_url.get_secret_value())
        channels["email"] = lambda: EmailChannel(target, settings.mail_from)
    return channels


def build_delivery(
    settings: Settings,
    store: EventStore,
    listeners: list[Callable[[int], None]],
    read_store: ReadStore,
) -> DeliveryParts:
    """The delivery service over the read store's queue, and a (not started) worker; letters it
    records are announced to ``listeners`` (the same list the application service is given)."""
    queue = DeliveryQueue(read_store.engine)
    email = "email" if settings.smtp_url is not None else "file"
    deliveries = DeliveryService(
        store,
        queue,
        listeners,
        email_channel=email,
        held_reason=current_held_reason(store, queue),
    )
    public_url = settings.public_url
    worker = DeliveryWorker(
        store,
        deliveries,
        queue,
        delivery_channels(settings),
        document_url=lambda delivery_id: f"{public_url}/v1/deliveries/{delivery_id}/document",
        policy=SendPolicy(
            max_attempts=settings.delivery_max_attempts,
            retry_base=settings.delivery_retry_base,
            retry_cap=settings.delivery_retry_cap,
            lease=settings.delivery_lease,
        ),
    )
    return DeliveryParts(deliveries, queue, worker, invoices=InvoiceSending(deliveries))


def build_billing(
    store: EventStore, service: O2CService, read: ReadSideParts | None
) -> tuple[BillingRuns, SqlRunLog | None]:
    """Billing runs over ``service``: customers listed from the billing read model where this
    process has one (the event log otherwise), progress kept in the read store's run log."""
    candidates: BillingCandidatesPort = LogScanBillingCandidates(store)
    log = None
    if read is not None:
        candidates = ReadModelBillingCandidates(read, candidates)
        log = SqlRunLog(read.read_store.engine)
    return BillingRuns(service, candidates, log), log


def build_container(
    settings: Settings | None = None,
    *,
    with_read_side: bool = True,
    start_runner: bool = True,
    start_webhooks: bool | None = None,
    webhook_policy: DeliveryPolicy | None = None,
    start_delivery: bool | None = None,
    dunning_from_read_models: bool = True,
) -> Container:
    """Build the store, the read side (optionally) and the service for ``settings``, each once.

    With the read side, a long-running process (``start_runner``, unless ``start_webhooks``
    says otherwise) also delivers webhooks, in embedded and in Kafka mode alike: delivery reads
    the event log itself. One-shot commands pass ``start_runner=False`` and deliver nothing.
    In embedded mode a long-running process also sends letters (``start_delivery``); with
    Kafka, ``o2c deliver`` does. The runner, the webhook workers and the letter worker are built
    before the service, which is handed them as listeners, and started last.
    """
    settings = settings or Settings.from_env()
    store = build_event_store(settings)
    read = build_read_side(settings, store) if with_read_side else None
    webhooks = None
    if read is not None and (start_runner if start_webhooks is None else start_webhooks):
        webhooks = build_webhooks(settings, store, read.read_store, webhook_policy)
    listeners: list[Callable[[int], None]] = [
        follower.notify
        for follower in (read.runner if read else None, webhooks)
        if follower is not None
    ]
    delivery = None if read is None else build_delivery(settings, store, listeners, read.read_store)
    if delivery is not None and read is not None:
        delivery.statements = build_statement_runs(settings, store, delivery.service, read)
    sending = start_runner and settings.embedded if start_delivery is None else start_delivery
    if delivery is not None and sending and delivery.worker is not None:
        listeners.append(delivery.worker.notify)
    service = build_service(
        settings,
        store,
        read,
        listeners=listeners,
        dunning_from_read_models=dunning_from_read_models,
        followers=None if delivery is None else letter_followers(delivery.service),
    )
    container = Container(settings, store, service, read, webhooks=webhooks, delivery=delivery)
    container.billing, container.billing_log = build_billing(store, service, read)
    if read is not None and read.runner is not None and start_runner:
        read.runner.start()
    if webhooks is not None:
        webhooks.start()
    if delivery is not None and sending and delivery.worker is not None:
        delivery.worker.start()
    return container
