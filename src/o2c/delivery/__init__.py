"""Sending documents to customers: the queue table, the channels (SMTP, outbox files, Peppol
hand-off), the worker and the reading of bounces. The ``Delivery`` aggregate is the truth; what
is here is infrastructure around it."""
