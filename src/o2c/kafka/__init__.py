"""Kafka transport: the outbox relay, the projection consumer group and the DLQ."""
