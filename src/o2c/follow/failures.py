"""Which failures are the infrastructure's (wait and retry) and which are the message's (park it).

A projector that parks a customer because the database restarted, or because two transactions
deadlocked, moves a healthy customer's events into the DLQ for an operator to replay: the error
had nothing to do with them. So only an error that the same message would hit again on a healthy
database parks; everything that says "not now" — no connection, a transaction the server rolled
back to break a deadlock or a serialization conflict, a lock that timed out, a server shutting
down or out of resources, the broker away — is retried after a pause, for as long as it lasts.
"""

from __future__ import annotations

import sqlite3

import psycopg
from kafka.errors import KafkaError
from sqlalchemy import exc as sa

from o2c.application.errors import BackendUnavailable

# SQLSTATE classes that describe the server or the moment, never the statement: 08 connection
# exception, 40 transaction rollback (40001 serialization failure, 40P01 deadlock), 53 insufficient
# resources, 57 operator intervention (shutdown, cancelled by a timeout), 58 system error (I/O).
_TRANSIENT_CLASSES = ("08", "40", "53", "57", "58")
# 40002 is a deferred constraint failing at commit: the data's fault, not the moment's.
_PERMANENT_STATES = {"40002"}
_TRANSIENT_STATES = {"55P03", "55006"}  # lock not available, object in use

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """True when retrying the same work later can succeed without anyone changing anything."""
    for cause in _chain(exc):
        if isinstance(cause, KafkaError | BackendUnavailable | ConnectionError | TimeoutError):
            return True
        if isinstance(cause, sa.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, sa.DisconnectionError | sa.TimeoutError):
            return True  # the pool could not hand out a working connection
        if isinstance(cause, psycopg.Error):
            return _transient_sqlstate(cause)
        if isinstance(cause, sqlite3.OperationalError):
            return any(text in str(cause).lower() for text in _SQLITE_BUSY)
    return False


def _transient_sqlstate(error: psycopg.Error) -> bool:
    state = error.sqlstate
    if state is None:
        # No SQLSTATE: the client lost (or never had) its connection.
        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
    if state in _PERMANENT_STATES:
        return False
    return state in _TRANSIENT_STATES or state[:2] in _TRANSIENT_CLASSES


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc``, then what it wraps (SQLAlchemy's ``orig``, ``__cause__``), outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return seen


def describe(exc: BaseException) -> str:
    """One line for logs and DLQ headers."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:2000]
