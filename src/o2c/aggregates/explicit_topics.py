"""Registering the explicit topics of nested classes, for processes that wrote nothing.

The library registers an aggregate's own ``TOPIC`` and those of its nested event classes when the
class is defined, but not those of other nested classes that name one (a ``Snapshot``). Such a
topic resolves only in a process that has itself called ``get_topic`` on the class, that is one
that wrote such an object: a restarted server, a second instance or a CLI command reading a
snapshot another process wrote would fail with ``TopicError``.
"""

from __future__ import annotations

from eventsourcing.utils import register_topic


def register_nested_topics(aggregate_class: type) -> None:
    """Register each nested class of ``aggregate_class`` that defines its own ``TOPIC``."""
    for value in vars(aggregate_class).values():
        if isinstance(value, type) and isinstance(vars(value).get("TOPIC"), str):
            # Registering the same class again is a no-op; another class under the same
            # topic raises, as two classes sharing a stored name must.
            register_topic(vars(value)["TOPIC"], value)
