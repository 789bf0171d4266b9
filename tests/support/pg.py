"""Throw-away PostgreSQL databases on the local server (127.0.0.1:5432, trust auth)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.support.needs import POSTGRES, require

PG_HOST = os.environ.get("O2C_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("O2C_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("O2C_TEST_PG_USER", "postgres")


def admin_connect() -> psycopg.Connection[tuple[object, ...]]:
    """Autocommit connection to the maintenance database."""
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )


def url_for(dbname: str) -> str:
    """The o2c URL of a database on the test server."""
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


@contextmanager
def temporary_database(prefix: str = "o2c_t") -> Iterator[str]:
    """Create a fresh database, yield its URL, drop it (forcing out stray connections)."""
    require(POSTGRES)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_for(name)
    finally:
        with admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
