"""Turn ``O2C_EVENT_STORE_URL`` into the eventsourcing library's persistence settings."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from o2c.database_url import is_sqlite
from o2c.domain.errors import InvalidInput

# Aggregates kept in memory between commands. The library fast-forwards a cached aggregate with
# one query for events newer than its version (so other processes' writes are seen) and hands out
# a deep copy (so a rejected command cannot corrupt it); without it every load costs a snapshot
# query, an events query and a replay of the whole stream.
AGGREGATE_CACHE_SIZE = 20_000


def library_env(url: str, *, create_tables: bool) -> dict[str, str]:
    """Settings for ``Application(env=…)``: SQLite file (default) or PostgreSQL."""
    return {**_persistence_env(url, create_tables), **_cache_env()}


def _cache_env() -> dict[str, str]:
    return {
        "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }


def _persistence_env(url: str, create_tables: bool) -> dict[str, str]:
    create = "y" if create_tables else "n"
    if is_sqlite(url):
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if path in ("", ":memory:"):
            dbname = "file:o2c-memory?mode=memory&cache=shared"
        else:
            Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            dbname = str(Path(path).expanduser())
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": (
                "o2c.eventstore.sqlite_recorder:ConditionalSQLiteRecorder"
            ),
            "SQLITE_DBNAME": dbname,
            "CREATE_TABLE": create,
        }
    if url.startswith(("postgresql:", "postgres:", "postgresql+psycopg:")):
        pg = postgres_params(url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "o2c.eventstore.postgres_recorder:LargeSaveSafeRecorder",
            "POSTGRES_DBNAME": pg["dbname"],
            "POSTGRES_HOST": pg["host"],
            "POSTGRES_PORT": pg["port"],
            "POSTGRES_USER": pg["user"],
            "POSTGRES_PASSWORD": pg["password"],
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_LOCK_TIMEOUT": "10",
            "CREATE_TABLE": create,
        }
    raise InvalidInput(f"unsupported event store URL {url!r}", code="invalid-config")


def postgres_params(url: str) -> dict[str, str]:
    """Connection parameters (psycopg keyword names) of a ``postgresql://`` URL."""
    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": str(parsed.port or 5432),
        "user": unquote(parsed.username or "postgres"),
        "password": unquote(parsed.password or ""),
        "dbname": parsed.path.lstrip("/") or "postgres",
    }


def events_table(url: str) -> str:
    """Name of the events table the library uses for this URL."""
    return "stored_events" if is_sqlite(url) else "o2c_events"
