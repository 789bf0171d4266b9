"""The audit hash chain, recomputed from stored rows: each event names its predecessor's hash."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from uuid import UUID

from o2c.events.envelope import GENESIS_HASH
from o2c.eventstore.chain import chain_hash, unseal
from o2c.eventstore.store import EventStore


def assert_chain_intact(store: EventStore) -> int:
    """Check every aggregate's chain in the log; returns how many events were checked."""
    by_aggregate: dict[UUID, list[tuple[int, str, str, str]]] = defaultdict(list)
    checked = 0
    for n in store.notifications(0, 1_000_000):
        parts = unseal(n.state)
        assert parts is not None, f"event {n.id} has no hash seal"
        body, stored_hash = parts
        envelope = store.envelope(n, n.id)
        assert envelope.hash == stored_hash
        aggregate_id = UUID(str(n.originator_id))
        recomputed = chain_hash(
            envelope.prev_hash, aggregate_id, n.originator_version, n.topic, body
        )
        assert recomputed == stored_hash, f"event {n.id}: hash does not match its content"
        by_aggregate[aggregate_id].append(
            (n.originator_version, envelope.prev_hash, stored_hash, n.topic)
        )
        checked += 1
    for aggregate_id, events in by_aggregate.items():
        events.sort()
        assert [v for v, *_ in events] == list(range(1, len(events) + 1)), aggregate_id
        assert events[0][1] == GENESIS_HASH, f"{aggregate_id} v1 does not start the chain"
        for (version, _p, hash_n, _t), (_v, prev_next, _h, topic) in pairwise(events):
            assert prev_next == hash_n, f"{aggregate_id} v{version + 1} ({topic}) breaks the chain"
    return checked
