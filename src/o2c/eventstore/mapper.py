"""A mapper that stamps audit metadata and the hash chain onto every stored domain event.

The metadata of the save in progress comes from a context variable the event store sets around
``Application.save`` (one per thread or task), so aggregates stay free of it. The previous hash
of an aggregate is remembered when its events are read (every command loads its aggregates
first); on a miss it is read back from the store. Hashes computed by a save enter that shared
memory only after the save committed: a save that lost a version race must not leave a hash
behind that a later event would chain to.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, cast
from uuid import UUID, uuid4

import orjson
from eventsourcing.domain import DomainEventProtocol, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from o2c.application.context import EventMetadata
from o2c.events.envelope import GENESIS_HASH
from o2c.eventstore.chain import chain_hash, seal, unseal


class SaveInProgress:
    """Metadata of one save and the chain hashes it computed, confirmed only once stored."""

    def __init__(self, meta: EventMetadata) -> None:
        self.meta = meta
        self.pending: dict[tuple[UUID, int], str] = {}
        # The same on every event of the save: rendered once, not once per event.
        self.stamp = {
            "actor": meta.actor,
            "command_id": str(meta.command_id),
            "correlation_id": str(meta.correlation_id),
            "causation_id": str(meta.causation_id),
        }
        self._customers: dict[UUID, str | None] = {}

    def customer_of(self, aggregate_id: UUID) -> str | None:
        """The customer an aggregate's events belong to, as text."""
        try:
            return self._customers[aggregate_id]
        except KeyError:
            customer = self.meta.customer_of.get(aggregate_id)
            text = None if customer is None else str(customer)
            self._customers[aggregate_id] = text
            return text


CURRENT_SAVE: ContextVar[SaveInProgress | None] = ContextVar("o2c_current_save", default=None)

HeadLookup = Callable[[UUID, int], str | None]


class _NotNative(Exception):
    """A stored value whose JSON-native form only its transcoding knows."""


# The library's transcodings whose stored ``_data_`` already is what ``to_json_native`` makes of
# the decoded value: str(Decimal(s)) == s, datetime/date isoformat round-trips.
_STORED_AS_NATIVE = frozenset({"decimal_str", "datetime_iso", "date_iso"})


def _json_native(d: dict[str, Any]) -> Any:
    if len(d) == 2 and "_type_" in d and "_data_" in d:
        kind, data = d["_type_"], d["_data_"]
        if kind == "uuid_hex":
            return f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
        if kind in _STORED_AS_NATIVE:
            return data
        raise _NotNative(kind)
    return d


_NATIVE_DECODER = json.JSONDecoder(object_hook=_json_native)


def _native_in_place(value: dict[str, Any] | list[Any]) -> None:
    """Replace every ``{"_type_", "_data_"}`` object below ``value`` by its JSON-native form."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        kind = type(item)
        if kind is dict:
            if len(item) == 2 and "_type_" in item and "_data_" in item:
                value[key] = _json_native(item)  # type: ignore[index]
            else:
                _native_in_place(item)
        elif kind is list:
            _native_in_place(item)


def _decode_native_json(body: bytes) -> dict[str, Any]:
    """The stored JSON with transcoded values in their JSON-native form.

    orjson parses, then one pass replaces the transcoded objects: a third of the time of the
    standard parser calling a Python hook for every object. What orjson does not take (an
    integer over 64 bits, ``NaN``) goes through the standard parser.
    """
    try:
        state = orjson.loads(body)
    except orjson.JSONDecodeError:
        decoded: dict[str, Any] = _NATIVE_DECODER.decode(body.decode("utf8"))
        return decoded
    _native_in_place(state)
    return cast(dict[str, Any], state)


class MetadataMissing(RuntimeError):
    """An event was saved outside of a command (no actor, no command id): refused."""


class AuditMapper(Mapper[UUID]):
    """Mapper adding ``_meta`` and ``_hash`` to stored events and stripping them on read."""

    def __init__(self, transcoder: Transcoder, *args: Any, **kwargs: Any) -> None:
        super().__init__(transcoder, *args, **kwargs)
        self._heads: OrderedDict[tuple[UUID, int], str] = OrderedDict()
        self._heads_max = 200_000
        self._heads_lock = threading.Lock()
        self.head_lookup: HeadLookup | None = None

    # ---- chain heads ----------------------------------------------------------------------

    def _remember(self, aggregate_id: UUID, version: int, hash_hex: str) -> None:
        key = (aggregate_id, version)
        with self._heads_lock:
            self._heads[key] = hash_hex
            self._heads.move_to_end(key)
            if len(self._heads) > self._heads_max:
                self._heads.popitem(last=False)

    def confirm(self, save: SaveInProgress) -> None:
        """The save committed: its hashes are now facts."""
        for (aggregate_id, version), hash_hex in save.pending.items():
            self._remember(aggregate_id, version, hash_hex)

    def _previous_hash(self, save: SaveInProgress, aggregate_id: UUID, version: int) -> str:
        if version == 1:
            return GENESIS_HASH
        key = (aggregate_id, version - 1)
        cached = save.pending.get(key) or self._heads.get(key)
        if cached is not None:
            return cached
        found = self.head_lookup(aggregate_id, version - 1) if self.head_lookup else None
        if found is None:
            raise MetadataMissing(f"no stored predecessor for {aggregate_id} v{version}")
        return found

    # ---- write ----------------------------------------------------------------------------

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if isinstance(domain_event, Snapshot):
            return super().to_stored_event(domain_event)
        save = CURRENT_SAVE.get()
        if save is None:
            raise MetadataMissing("events can only be saved by a command (no metadata set)")
        topic = get_topic(domain_event.__class__)
        state = dict(vars(domain_event))
        aggregate_id: UUID = state.pop("originator_id")
        version: int = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        prev = self._previous_hash(save, aggregate_id, version)
        state["_meta"] = {
            "event_id": str(uuid4()),
            "customer_id": save.customer_of(aggregate_id),
            **save.stamp,
            "schema_version": class_version,
            "prev_hash": prev,
        }
        body = self.transcoder.encode(state)
        hash_hex = chain_hash(prev, aggregate_id, version, topic, body)
        save.pending[(aggregate_id, version)] = hash_hex
        return StoredEvent(
            originator_id=aggregate_id,
            originator_version=version,
            topic=topic,
            state=seal(body, hash_hex),
        )

    # ---- read -----------------------------------------------------------------------------

    def decode_state(self, stored: StoredEvent) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(event state upcast to the current class version, metadata, hash)."""
        parts = unseal(stored.state)
        if parts is None:
            raise ValueError("stored event has no hash seal")
        body, hash_hex = parts
        state: dict[str, Any] = self.transcoder.decode(body)
        meta = state.pop("_meta", {})
        cls = resolve_topic(stored.topic)
        class_version = getattr(cls, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        return state, meta, hash_hex

    def decode_native(
        self, stored: StoredEvent
    ) -> tuple[dict[str, Any], dict[str, Any], str] | None:
        """(event state as JSON-native values, metadata, hash), straight from the stored JSON;
        ``None`` when the event needs an upcaster (or holds a value only its transcoding can
        render): decode it with ``decode_state`` then.

        What the relay and the projections read is JSON anyway: decoding to UUIDs, Decimals and
        dates only to turn them back into strings was most of the cost of reading the log.
        """
        parts = unseal(stored.state)
        if parts is None:
            return None
        body, hash_hex = parts
        try:
            state = _decode_native_json(body)
        except _NotNative:
            return None
        if state.get("class_version", 1) != getattr(
            resolve_topic(stored.topic), "class_version", 1
        ):
            return None
        state.pop("class_version", None)
        meta = state.pop("_meta", {})
        return state, meta, hash_hex

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        if unseal(stored_event.state) is None:
            return super().to_domain_event(stored_event)
        state, _meta, hash_hex = self.decode_state(stored_event)
        aggregate_id = stored_event.originator_id
        if not isinstance(aggregate_id, UUID):
            aggregate_id = UUID(str(aggregate_id))
        self._remember(aggregate_id, stored_event.originator_version, hash_hex)
        state["originator_id"] = aggregate_id
        state["originator_version"] = stored_event.originator_version
        cls = resolve_topic(stored_event.topic)
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return cast(DomainEventProtocol[UUID], domain_event)
