"""Create the event store's tables in one migration step (never by every worker at start).

Several processes creating the library's tables at once fail with ``tuple concurrently
updated`` on PostgreSQL, so creation takes an advisory lock there.
"""

from __future__ import annotations

import logging

from o2c.database_url import is_sqlite
from o2c.eventstore.settings import library_env

log = logging.getLogger(__name__)

_ADVISORY_KEY = 0x02C0_0001


def migrate_event_store(url: str) -> None:
    """Create the events, snapshots and tracking tables if missing (idempotent)."""
    from o2c.eventstore.application import O2CEventStoreApp

    env = library_env(url, create_tables=True)
    if is_sqlite(url):
        O2CEventStoreApp(env=env).close()
        return
    import psycopg

    conninfo = psycopg.conninfo.make_conninfo(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_KEY,))
        try:
            O2CEventStoreApp(env=env).close()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_KEY,))
    log.info("event store tables ready")
