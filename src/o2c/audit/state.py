"""The state of an aggregate at a version or at a recorded time, rebuilt from its events."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from typing_extensions import TypedDict

from o2c.events.envelope import to_json_native
from o2c.eventstore.store import EventStore


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return to_json_native(value)


def state_at(
    store: EventStore, aggregate_id: UUID, *, version: int | None = None, at: datetime | None = None
) -> AggregateStateView | None:
    """Aggregate state after ``version`` events, or as recorded at time ``at``; ``None`` if none."""
    if at is not None:
        version = 0
        for env in store.read_stream(aggregate_id):
            if datetime.fromisoformat(env.recorded_at) <= at:
                version = env.version
        if version == 0:
            return None
    current = store.version_of(aggregate_id)
    if current is None:
        return None
    version = min(version, current) if version is not None else current
    if version < 1:
        return None
    return aggregate_view(store.app.repository.get(aggregate_id, version=version))


class AggregateStateView(TypedDict):
    """An aggregate's type, id and version, and its attributes (which depend on the type)."""

    aggregate_id: str
    aggregate_type: str
    version: int
    state: dict[str, Any]


def aggregate_view(agg: Any) -> AggregateStateView:
    """JSON view of an aggregate object: type, id, version and every attribute."""
    fields = {k.lstrip("_"): v for k, v in vars(agg).items() if k != "_pending_events"}
    return {
        "aggregate_id": str(agg.id),
        "aggregate_type": type(agg).__name__,
        "version": agg.version,
        "state": _jsonable(fields),
    }
