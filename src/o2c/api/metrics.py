"""Prometheus metrics: request latency, commands by type and outcome, events, projection lag.

``o2c_projection_lag_events`` is what ``/readyz`` measures for the process's mode (see
``o2c.api.health``): in Kafka mode the relay's lag plus the projector group's unread journal
messages, with per-hop gauges beside it; -1 when it could not be measured.
``o2c_projection_parked_customers`` counts the customers the transport parked (``o2c dlq``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from o2c.api.health import ReadSideHealth


class Metrics:
    """One registry per app, so several apps (tests) never clash."""

    def __init__(self, position: Callable[[], int], lag: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "o2c_http_request_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.commands = Counter(
            "o2c_commands_total",
            "Commands by type and outcome",
            ["command", "outcome"],
            registry=self.registry,
        )
        events = Gauge(
            "o2c_event_log_position",
            "Highest global position in the event log",
            registry=self.registry,
        )
        events.set_function(lambda: float(position()))
        self._lag = lag
        self._measured: float | None = None
        lag_gauge = Gauge(
            "o2c_projection_lag_events",
            "Events not yet in the read models (-1: could not be measured)",
            registry=self.registry,
        )
        lag_gauge.set_function(self._projection_lag)
        self._parked = Gauge(
            "o2c_projection_parked_customers",
            "Customers whose events wait because one could not be projected (-1: not measured)",
            registry=self.registry,
        )
        self._parked.set(-1)
        self._kafka: dict[str, Gauge] = {}

    def _projection_lag(self) -> float:
        # A scrape measures first (``observe``); the callable serves any other reader.
        return self._measured if self._measured is not None else float(self._lag())

    def _kafka_gauges(self) -> dict[str, Gauge]:
        """Created on the first Kafka-mode measurement: embedded mode does not show them."""
        if not self._kafka:
            self._kafka = {
                "up": Gauge(
                    "o2c_kafka_broker_up", "1 if the broker answered", registry=self.registry
                ),
                "relay": Gauge(
                    "o2c_relay_lag_events",
                    "Event-log entries the relay has not published",
                    registry=self.registry,
                ),
                "consumer": Gauge(
                    "o2c_projector_lag_messages",
                    "Journal messages the projector group has not handled, per partition",
                    ["partition"],
                    registry=self.registry,
                ),
                "applied": Gauge(
                    "o2c_projector_applied_position",
                    "Highest event-log position the projector group applied",
                    registry=self.registry,
                ),
            }
        return self._kafka

    def observe(self, health: ReadSideHealth) -> None:
        """Record a read-side measurement for the next render."""
        self._measured = -1.0 if health.lag is None else float(health.lag)
        self._parked.set(-1 if health.parked is None else health.parked)
        progress = health.kafka
        if progress is None:
            return
        gauges = self._kafka_gauges()
        gauges["up"].set(1 if progress.broker_reachable else 0)
        gauges["relay"].set(progress.relay_lag)
        gauges["applied"].set(progress.group_applied_position)
        for p in progress.partitions:
            gauges["consumer"].labels(str(p.partition)).set(p.lag)

    def command(self, name: str, outcome: str) -> None:
        """Count a command outcome."""
        self.commands.labels(name, outcome).inc()

    def render(self) -> bytes:
        """Text exposition format."""
        return generate_latest(self.registry)
