"""Prometheus metrics: request latency, commands by type and outcome, events, projection lag."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


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
        lag_gauge = Gauge(
            "o2c_projection_lag_events", "Events not yet in the read models", registry=self.registry
        )
        lag_gauge.set_function(lambda: float(lag()))

    def command(self, name: str, outcome: str) -> None:
        """Count a command outcome."""
        self.commands.labels(name, outcome).inc()

    def render(self) -> bytes:
        """Text exposition format."""
        return generate_latest(self.registry)
