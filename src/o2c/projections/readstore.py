"""The read store: a SQLAlchemy engine, Alembic-managed control tables and generation tables."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, select, update
from sqlalchemy.schema import CreateIndex, CreateTable

from o2c.database_url import is_sqlite
from o2c.projections.checkpoints import store_position
from o2c.projections.registry import BY_NAME, PROJECTIONS
from o2c.projections.schema import generations, layouts

_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATE_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def sqlalchemy_url(url: str) -> str:
    """o2c URLs (``postgresql://…``) to SQLAlchemy's psycopg 3 dialect."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class ReadStore:
    """Connection to the read-model database and the table set of each active generation."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        if self.is_sqlite and ":///" in url:
            path = url.split(":///", 1)[1]
            if path and path != ":memory:":
                Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, object] = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: Engine = create_engine(sqlalchemy_url(url), **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._tables: dict[tuple[str, int], dict[str, Table]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()

    # ---- migrations -----------------------------------------------------------------------

    def migrate(self) -> None:
        """Upgrade the control tables (Alembic); give every projection a live table set."""
        with _MIGRATE_LOCK, self.engine.begin() as conn:
            if not self.is_sqlite:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(45012002)")
            cfg = Config()
            cfg.set_main_option("script_location", str(_MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            active = self.active_generations(conn)
            for projection in PROJECTIONS:
                if projection.name not in active:
                    conn.execute(
                        generations.insert().values(projection=projection.name, generation=1)
                    )
                    self.start_generation(conn, projection.name, 1)
                elif self._recorded_layout(conn, projection.name, active[projection.name]) != (
                    self.layout(projection.name)
                ):
                    self._replace_generation(conn, projection.name, active[projection.name])
                else:
                    self.create_tables(conn, projection.name, active[projection.name])

    def layout(self, projection: str) -> str:
        """Fingerprint of a projection's DDL (tables and indexes) on this database."""
        digest = hashlib.sha256()
        md = MetaData()
        for table in BY_NAME[projection].tables(md, f"rm_{projection}_G_").values():
            digest.update(str(CreateTable(table).compile(self.engine)).encode())
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                digest.update(str(CreateIndex(index).compile(self.engine)).encode())
        return digest.hexdigest()

    def _recorded_layout(self, conn: Connection, projection: str, generation: int) -> str | None:
        return conn.execute(
            select(layouts.c.fingerprint).where(
                layouts.c.projection == projection, layouts.c.generation == generation
            )
        ).scalar()

    def start_generation(self, conn: Connection, projection: str, generation: int) -> None:
        """Empty tables of the current layout, checkpoint 0."""
        self.drop_tables(conn, projection, generation)
        self.create_tables(conn, projection, generation)
        store_position(conn, projection, generation, 0)
        conn.execute(
            layouts.delete().where(
                layouts.c.projection == projection, layouts.c.generation == generation
            )
        )
        conn.execute(
            layouts.insert().values(
                projection=projection, generation=generation, fingerprint=self.layout(projection)
            )
        )

    def _replace_generation(self, conn: Connection, projection: str, old: int) -> None:
        """The code's layout changed: serve a fresh generation, replayed from position 0."""
        log.warning(
            "read model %r has a new table layout: replaying it from position 0 "
            "(in Kafka mode run `o2c rebuild --projection %s`)",
            projection,
            projection,
        )
        self.start_generation(conn, projection, old + 1)
        conn.execute(
            update(generations)
            .where(generations.c.projection == projection)
            .values(generation=old + 1)
        )
        self.drop_tables(conn, projection, old)

    # ---- generations ----------------------------------------------------------------------

    def analyze(self, generations: Mapping[str, int] | None = None) -> None:
        """Fresh planner statistics for projections' tables (by default the live ones).

        Tables filled in bulk (a rebuild, a catch-up after an import) have none until
        autovacuum comes by, and PostgreSQL plans queries over them as if they were empty:
        a page of the portfolio aging took a sequential scan of every movement.
        """
        with self.engine.begin() as conn:
            chosen = dict(generations or self.active_generations(conn))
            for name, generation in chosen.items():
                for table in self.tables(name, generation).values():
                    conn.exec_driver_sql(f"ANALYZE {table.name}")

    def active_generations(self, conn: Connection) -> dict[str, int]:
        """Projection name → generation currently serving."""
        rows = conn.execute(select(generations.c.projection, generations.c.generation))
        return {str(r[0]): int(r[1]) for r in rows}

    def tables(self, projection: str, generation: int) -> dict[str, Table]:
        """The table objects of one projection generation."""
        key = (projection, generation)
        with self._lock:
            if key not in self._tables:
                md = MetaData()
                self._tables[key] = BY_NAME[projection].tables(md, f"rm_{projection}_{generation}_")
            return self._tables[key]

    def live_tables(self, conn: Connection, projection: str) -> dict[str, Table]:
        """Tables of the generation serving queries right now."""
        return self.tables(projection, self.active_generations(conn)[projection])

    def create_tables(self, conn: Connection, projection: str, generation: int) -> None:
        """Create a generation's tables (and indexes) if missing."""
        for table in self.tables(projection, generation).values():
            table.create(conn, checkfirst=True)

    def drop_tables(self, conn: Connection, projection: str, generation: int) -> None:
        """Drop a retired generation's tables."""
        for table in self.tables(projection, generation).values():
            table.drop(conn, checkfirst=True)
