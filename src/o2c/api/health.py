"""What ``/readyz`` and ``/metrics`` say about the stores and the read models, per mode.

Embedded mode: the projections run in this process and record the position they applied; lag is
the event log's head minus that position. Kafka mode: the embedded checkpoint is never written;
progress is the relay's position against the log head and the projector group's stored offsets
against the journal's ends (``o2c.kafka.health``), and the broker's reachability is reported.

Customers parked because an event of theirs could not be projected (``o2c.projections.parking``)
are shown with their group, in both modes; they do not make the API unready, since every other
customer's read models keep up, but each one waits for an operator (``o2c dlq``).

Ready means: both databases answer and the read models are at most ``MAX_READY_LAG`` events
behind. An unreachable broker is reported but does not by itself make the API unready: commands
only write the event store and queries only read the read models, so both still work; if the
outage lasts, the growing relay lag makes the API unready, as in embedded mode.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from o2c.bootstrap import Container
from o2c.follow.parking import EMBEDDED_GROUP
from o2c.kafka.health import KafkaMonitor, KafkaProgress
from o2c.projections.parking import parked

MAX_READY_LAG = 10_000

_MONITOR_LOCK = threading.Lock()


@dataclass
class ReadSideHealth:
    """One measurement: readiness, its checks, and the lag of the read models."""

    ready: bool
    checks: dict[str, Any] = field(default_factory=dict)
    lag: int | None = None  # events not yet in the read models; None: could not be measured
    parked: int | None = None  # customers parked by the transport; None: could not be measured
    kafka: KafkaProgress | None = None


def _monitor(container: Container, state: Any) -> KafkaMonitor:
    """The app's Kafka monitor, created on first use and closed with the container."""
    with _MONITOR_LOCK:
        monitor: KafkaMonitor | None = getattr(state, "kafka_monitor", None)
        if monitor is None:
            settings = container.settings
            assert settings.kafka_bootstrap is not None
            monitor = KafkaMonitor(
                settings.kafka_bootstrap, settings.kafka_group, settings.event_store_url
            )
            state.kafka_monitor = monitor
            container.closers.append(monitor.close)
        return monitor


def read_side_health(container: Container, state: Any) -> ReadSideHealth:
    """Measure now (never raises: every failure is a reported check)."""
    health = ReadSideHealth(ready=True)
    checks = health.checks
    checks["mode"] = "embedded" if container.settings.embedded else "kafka"
    head: int | None = None
    try:
        head = container.store.last_position()
        checks["event_store"] = {"ok": True, "position": head}
    except Exception as exc:  # readiness reports, never raises
        health.ready = False
        checks["event_store"] = {"ok": False, "error": type(exc).__name__}
    read = container.read
    if read is None:
        return health
    try:
        with read.read_store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # readiness reports, never raises
        health.ready = False
        checks["read_store"] = {"ok": False, "error": type(exc).__name__}
        return health
    if head is None:
        checks["read_store"] = {"ok": True}
        return health
    try:
        if container.settings.embedded:
            applied = read.engine.position()
            health.lag = max(0, head - applied)
            checks["read_store"] = {"ok": True, "applied_position": applied, "lag": health.lag}
            behind = health.lag
        else:
            progress = _monitor(container, state).measure(head, read.engine)
            health.kafka = progress
            health.lag = progress.lag
            checks["read_store"] = {"ok": True, "lag": progress.lag}
            checks["kafka"] = progress.as_dict()
            behind = progress.lag if progress.lag is not None else progress.relay_lag
    except Exception as exc:  # readiness reports, never raises
        health.ready = False
        checks["read_store"] = {"ok": False, "error": type(exc).__name__}
        return health
    _parked(container, health)
    if behind > MAX_READY_LAG:
        health.ready = False
    return health


# Customers named in /readyz at most; the count is always whole.
PARKED_SHOWN = 20


def _parked(container: Container, health: ReadSideHealth) -> None:
    """Report the customers the read side's transport parked."""
    read = container.read
    assert read is not None
    settings = container.settings
    group = EMBEDDED_GROUP if settings.embedded else settings.kafka_group
    try:
        parks = parked(read.engine, group)
    except Exception as exc:  # readiness reports, never raises
        health.checks["parked_customers"] = {"ok": False, "error": type(exc).__name__}
        return
    health.parked = len(parks)
    health.checks["parked_customers"] = {
        "group": group,
        "count": len(parks),
        "customers": {
            customer: {"from_position": park.first_position, "error": park.reason}
            for customer, park in sorted(parks.items())[:PARKED_SHOWN]
        },
    }
