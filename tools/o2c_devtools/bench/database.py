"""Fresh PostgreSQL databases for one benchmark run, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

HOST = os.environ.get("O2C_BENCH_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("O2C_BENCH_PG_PORT", "5432"))
USER = os.environ.get("O2C_BENCH_PG_USER", "postgres")


def url_for(dbname: str) -> str:
    """The o2c URL of a database on the benchmark server."""
    return f"postgresql://{USER}@{HOST}:{PORT}/{dbname}"


def connect(dbname: str) -> psycopg.Connection[tuple[object, ...]]:
    """A plain psycopg connection (the raw baselines use it)."""
    return psycopg.connect(host=HOST, port=PORT, user=USER, dbname=dbname)


@contextmanager
def temporary_database(prefix: str = "o2c_bench") -> Iterator[str]:
    """Create a database, yield its name, drop it (forcing out stray connections)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = dict(host=HOST, port=PORT, user=USER, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(**admin) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
