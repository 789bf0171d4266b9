"""The event log transport: follows the event store's log into the projection engine in-process
(the embedded runner, ``o2c project`` without Kafka, rebuilds), and what both transports share to
apply batches safely (which failures are transient, finding and parking the customer a batch
fails for). The Kafka transport (``o2c.kafka``) builds on it."""
