"""kafka-python settings shared by the relay, the projector and the DLQ tools."""

from __future__ import annotations

from typing import Any

CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable_auto_commit": False,  # offsets live in the read database, with the rows
    "auto_offset_reset": "earliest",
    # Topics come from `o2c migrate` and the relay, with O2C_KAFKA_PARTITIONS. A consumer that
    # created one would get the broker's default partition count and an empty log the relay
    # takes for its own.
    "allow_auto_create_topics": False,
    # Short session/heartbeat: group joins take ~3 s instead of ~25 s (measured on tansu).
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 10000,
    "max_poll_records": 2000,
    # Longest a fetch is held open. Measured through tansu, a freshly relayed record reached the
    # projector after ~75 ms with the default 500 ms and ~10 ms with 20 ms: the broker does not
    # always answer a held fetch as soon as a record arrives. Costs ~50 empty fetches/s idle.
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
    # The relay creates its topics itself (with O2C_KAFKA_PARTITIONS) and must notice when they
    # are gone, not have a send recreate them empty with the broker's default partition count.
    "allow_auto_create_topics": False,
}


def servers(bootstrap: str) -> list[str]:
    """``"a:9092,b:9092"`` → list."""
    return [s.strip() for s in bootstrap.split(",") if s.strip()]


def forbid_topic_creation(client: Any) -> None:
    """Make ``allow_auto_create_topics=False`` take effect on a consumer or producer.

    kafka-python 3.0 accepts the option but builds its cluster metadata without it, so every
    metadata request for a named topic still asks the broker to create it (measured: a consumer
    subscribed to a missing topic created it on tansu). The flag is set on the metadata object
    the client actually uses; on versions that pass it through this changes nothing.
    """
    for owner, attr in ((client, "_cluster"), (client, "_metadata")):
        metadata = getattr(owner, attr, None)
        config = getattr(metadata, "config", None)
        if isinstance(config, dict) and "allow_auto_create_topics" in config:
            config["allow_auto_create_topics"] = False
    inner = getattr(getattr(client, "_client", None), "cluster", None)
    config = getattr(inner, "config", None)
    if isinstance(config, dict) and "allow_auto_create_topics" in config:
        config["allow_auto_create_topics"] = False
