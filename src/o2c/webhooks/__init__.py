"""Webhooks: the public CloudEvents POSTed to subscribers' URLs, signed per Standard Webhooks.

Subscriptions and their delivery positions live in the read store; a delivery worker per
subscription reads the event log directly, so delivery works the same in embedded and Kafka mode.
"""
