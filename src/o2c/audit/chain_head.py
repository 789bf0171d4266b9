"""The head of the hash chains: one digest over every stream's last version and hash.

``o2c audit verify`` reports it for the whole log, and a period close records it for the events
its trial balance covered; both compute it here, so the two always agree. The verifier also
needs the head as it was a little earlier (a close records the head at the position its replay
ended, and other processes may have written before the close was saved): ``ChainHeads`` keeps
an undo log of the last events to rewind to it.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

# Events a head can be rewound over: far more than can be stored between a close's replay and
# its save, small enough to keep in memory while a whole log streams past.
DEFAULT_WINDOW = 100_000


@dataclass(frozen=True)
class StreamHead:
    """The last event seen of one stream: its version, stored hash and global position."""

    version: int
    hash: str
    position: int


def head_digest(streams: Mapping[str, StreamHead]) -> str:
    """SHA-256 over ``aggregate id:version:hash`` of every stream, in aggregate id order."""
    digest = hashlib.sha256()
    for agg_id in sorted(streams):
        head = streams[agg_id]
        digest.update(f"{agg_id}:{head.version}:{head.hash}\n".encode())
    return digest.hexdigest()


class ChainHeads:
    """Every stream's last event as the log streams past, in position order."""

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        self.streams: dict[str, StreamHead] = {}
        self.window = window
        # (aggregate id, the stream's head before the event) per event, newest last.
        self._undo: deque[tuple[str, StreamHead | None, int]] = deque()
        self._forgotten_upto = 0
        self.last_position = 0

    def advance(self, aggregate_id: str, head: StreamHead) -> None:
        """The log's next event: ``head`` becomes its stream's last."""
        if self.window:
            self._undo.append((aggregate_id, self.streams.get(aggregate_id), head.position))
            if len(self._undo) > self.window:
                self._forgotten_upto = self._undo.popleft()[2]
        self.streams[aggregate_id] = head
        self.last_position = max(self.last_position, head.position)

    def digest(self) -> str:
        """The head over everything seen so far."""
        return head_digest(self.streams)

    def digest_at(self, position: int) -> str | None:
        """The head over the events up to ``position``; ``None`` when the events after it are
        more than the window remembers."""
        if position >= self.last_position:
            return self.digest()
        if not self.window or position < self._forgotten_upto:
            return None
        streams = dict(self.streams)
        for agg_id, before, at in reversed(self._undo):
            if at <= position:
                break
            if before is None:
                del streams[agg_id]
            else:
                streams[agg_id] = before
        return head_digest(streams)
