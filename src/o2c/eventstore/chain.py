"""The hash chain: each stored event is hashed together with the hash of its predecessor.

Stored state is the library's JSON with two additions: ``_meta`` (event id, customer, actor,
command, correlation and causation ids, schema version, previous hash) inside the body, and
``"_hash"`` appended as the last key. The hash covers the previous hash, the aggregate id, the
version, the stored topic and the exact body bytes, so changing any byte, removing an event or
swapping two events breaks the chain at a point an auditor can name.
"""

from __future__ import annotations

import hashlib
import re
from uuid import UUID

_HASH_SUFFIX = re.compile(rb',"_hash":"([0-9a-f]{64})"\}$')


def chain_hash(
    prev_hash: str, aggregate_id: UUID | str, version: int, topic: str, body: bytes
) -> str:
    """SHA-256 over the predecessor's hash, identity, topic and body."""
    digest = hashlib.sha256()
    digest.update(f"{prev_hash}|{aggregate_id}|{version}|{topic}|".encode())
    digest.update(body)
    return digest.hexdigest()


def seal(body: bytes, hash_hex: str) -> bytes:
    """Append the hash to a JSON object body as its last key."""
    if not body.endswith(b"}"):
        raise ValueError("event body must be a JSON object")
    return body[:-1] + b',"_hash":"' + hash_hex.encode() + b'"}'


def unseal(state: bytes) -> tuple[bytes, str] | None:
    """Split stored state into (body, hash); ``None`` for unsealed state (snapshots)."""
    match = _HASH_SUFFIX.search(state)
    if match is None:
        return None
    return state[: match.start()] + b"}", match.group(1).decode()
