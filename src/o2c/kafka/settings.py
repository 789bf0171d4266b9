"""kafka-python settings shared by the relay, the projector and the DLQ tools."""

from __future__ import annotations

from typing import Any

CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable_auto_commit": False,  # offsets live in the read database, with the rows
    "auto_offset_reset": "earliest",
    # Short session/heartbeat: group joins take ~3 s instead of ~25 s (measured on tansu).
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 10000,
    "max_poll_records": 2000,
    # A fetch returns after this long even with nothing new; tansu answers a fetch only then
    # (not as soon as one record arrives), so the default 500 ms was added to every event's
    # end-to-end lag. 20 ms costs ~50 empty fetches/s per idle consumer.
    "fetch_max_wait_ms": 20,
    "request_timeout_ms": 31000,
}

PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "batch_size": 256 * 1024,
    "compression_type": "gzip",
    "request_timeout_ms": 10000,
    "max_block_ms": 10000,
    "retries": 5,
}


def servers(bootstrap: str) -> list[str]:
    """``"a:9092,b:9092"`` → list."""
    return [s.strip() for s in bootstrap.split(",") if s.strip()]
