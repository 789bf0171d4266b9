"""Set-based row I/O for one projection batch.

Handlers work on plain row dicts in memory; the cache loads every row a batch needs with one
``SELECT … IN`` per table and writes back with one statement per table and kind (insert, update,
append, increment). A batch of thousands of events thus costs a handful of round trips.

On PostgreSQL new rows go in by ``COPY`` (rows formatted in C), each update or increment is
one statement over column arrays sent in binary (``… FROM unnest(%b::bigint[], %b::text[],
…)``) and each read one ``= ANY(%b)``: psycopg's
``executemany`` sends one statement per row even in pipeline mode, which was half of a
projection batch's time. Rows keep their primary-key order (``WITH ORDINALITY … ORDER BY``),
so row locks are still taken in that order. SQLite keeps ``executemany`` (in-process, no
round trips to save).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, String, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

Row = dict[str, Any]
_CHUNK = 500


class MissingRow(RuntimeError):
    """An event refers to a row its projection never created: never skip it silently."""


class RowCache:
    """Rows of one projection's tables touched by the batch in progress."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.rows: dict[str, dict[Any, Row]] = {name: {} for name in tables}
        self.existing: dict[str, set[Any]] = {name: set() for name in tables}
        self.dirty: dict[str, set[Any]] = {name: set() for name in tables}
        self.appends: dict[str, list[Row]] = {name: [] for name in tables}
        self.increments: dict[str, dict[Any, Row]] = {name: {} for name in tables}
        self.counters: dict[str, tuple[str, ...]] = {}

    def _pk(self, table: str) -> str:
        return str(self.tables[table].primary_key.columns.values()[0].name)

    def load(self, conn: Connection, table: str, keys: Iterable[Any]) -> None:
        """Fetch the rows with these primary keys (missing ones simply stay absent)."""
        wanted = [k for k in set(keys) if k is not None and k not in self.rows[table]]
        t = self.tables[table]
        pk = t.c[self._pk(table)]
        if wanted and conn.dialect.name == "postgresql":
            # One array parameter: no statement text that grows (and is parsed anew) with
            # the number of keys.
            preparer = conn.dialect.identifier_preparer
            sql = (
                f"SELECT * FROM {preparer.format_table(t)} "
                f"WHERE {preparer.quote(pk.name)} = ANY(%b::{_array_type(pk)}[])"
            )
            for row in conn.exec_driver_sql(sql, (wanted,)).mappings():
                key = row[pk.name]
                self.rows[table][key] = dict(row)
                self.existing[table].add(key)
            return
        for i in range(0, len(wanted), _CHUNK):
            for row in conn.execute(select(t).where(pk.in_(wanted[i : i + _CHUNK]))).mappings():
                key = row[pk.name]
                self.rows[table][key] = dict(row)
                self.existing[table].add(key)

    def get(self, table: str, key: Any) -> Row | None:
        """A loaded or inserted row, or ``None``."""
        return self.rows[table].get(key)

    def put(self, table: str, key: Any, row: Row) -> None:
        """Insert (or replace) a row."""
        self.rows[table][key] = row
        self.dirty[table].add(key)

    def touch(self, table: str, key: Any) -> None:
        """Mark a row changed."""
        self.dirty[table].add(key)

    def append(self, table: str, row: Row) -> None:
        """Insert-only rows (movements, entries)."""
        self.appends[table].append(row)

    def increment(self, table: str, key: Any, fixed: Row, deltas: dict[str, int]) -> None:
        """Add ``deltas`` to a counter row, created with ``fixed`` columns if missing.

        Written blind as ``INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c``: no read.
        """
        self.counters[table] = tuple(deltas)
        row = self.increments[table].get(key)
        if row is None:
            row = {self._pk(table): key, **fixed, **{c: 0 for c in deltas}}
            self.increments[table][key] = row
        for column, delta in deltas.items():
            row[column] += delta

    def flush(self, conn: Connection) -> None:
        """Write every change: inserts, updates (by primary key) and appends.

        Rows are written in primary-key order, whatever order the batch touched them in. Two
        projectors share rows (the portfolio day-book): each takes its row locks in the same
        order, so one waits for the other instead of both waiting for each other (a deadlock).
        """
        arrays = conn.dialect.name == "postgresql"
        for name, t in self.tables.items():
            pk = self._pk(name)
            dirty = sorted(self.dirty[name])
            new = [self.rows[name][k] for k in dirty if k not in self.existing[name]]
            changed = [self.rows[name][k] for k in dirty if k in self.existing[name]]
            if new:
                _insert(conn, t, new) if arrays else conn.execute(t.insert(), new)
            if changed:
                _update(conn, t, pk, changed) if arrays else _update_many(conn, t, pk, changed)
            if self.appends[name]:
                rows = self.appends[name]
                _insert(conn, t, rows) if arrays else conn.execute(t.insert(), rows)
            if self.increments[name]:
                rows = [self.increments[name][k] for k in sorted(self.increments[name])]
                if arrays:
                    _increment(conn, t, pk, self.counters[name], rows)
                else:
                    _upsert_increments(conn, t, pk, self.counters[name], rows)


def _update_many(conn: Connection, t: Table, pk: str, changed: list[Row]) -> None:
    cols = [c.name for c in t.columns if c.name != pk]
    # Bind names must differ from column names in an executemany UPDATE.
    stmt = (
        t.update()
        .where(t.c[pk] == bindparam("k_pk"))
        .values({c: bindparam(f"v_{c}") for c in cols})
    )
    params = [{"k_pk": r[pk], **{f"v_{c}": r[c] for c in cols}} for r in changed]
    conn.execute(stmt, params)


def _upsert_increments(
    conn: Connection, t: Table, pk: str, counters: tuple[str, ...], rows: list[Row]
) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c[pk]], set_={c: t.c[c] + stmt.excluded[c] for c in counters}
    )
    conn.execute(stmt, rows)


# ---- PostgreSQL: one statement over column arrays --------------------------------------------


def _array_type(column: Column[Any]) -> str:
    # The widest type of each kind: the assignment to the column checks length and range, as
    # a plain INSERT would (a cast to varchar(n) would truncate silently instead).
    if isinstance(column.type, Boolean):
        return "boolean"
    if isinstance(column.type, Integer):
        return "bigint"
    if isinstance(column.type, String):
        return "text"
    raise TypeError(f"no array type for {column.type!r} ({column})")


def _value(row: Row, column: Column[Any]) -> Any:
    if column.name in row:
        return row[column.name]
    default = column.default
    return default.arg if default is not None and default.is_scalar else None  # type: ignore[attr-defined]


def _rows_as_arrays(conn: Connection, t: Table, rows: list[Row]) -> tuple[str, str, list[Any]]:
    """(quoted column list, ``unnest(…) WITH ORDINALITY AS v(cols, n)``, the arrays)."""
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in t.columns)
    casts = ", ".join(f"%b::{_array_type(c)}[]" for c in t.columns)
    source = f"unnest({casts}) WITH ORDINALITY AS v({names}, o2c_row)"
    arrays = [[_value(r, c) for r in rows] for c in t.columns]
    return names, source, arrays


def _insert(conn: Connection, t: Table, rows: list[Row]) -> None:
    """New rows by ``COPY``, in the order given: psycopg formats each row in C, where the
    arrays of an ``INSERT … unnest`` were dumped value by value in Python."""
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in t.columns)
    table = conn.dialect.identifier_preparer.format_table(t)
    columns = list(t.columns)
    raw: Any = conn.connection.driver_connection  # the psycopg connection, in this transaction
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_value(row, c) for c in columns])


def _update(conn: Connection, t: Table, pk: str, rows: list[Row]) -> None:
    # Written as an upsert of rows known to exist: unlike UPDATE … FROM, an INSERT takes its
    # row locks in the order of its SELECT, here the primary key's.
    names, source, arrays = _rows_as_arrays(conn, t, rows)
    quote = conn.dialect.identifier_preparer.quote
    table = conn.dialect.identifier_preparer.format_table(t)
    sets = ", ".join(f"{quote(c.name)} = excluded.{quote(c.name)}" for c in t.columns)
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source} ORDER BY o2c_row "
        f"ON CONFLICT ({quote(pk)}) DO UPDATE SET {sets}"
    )
    conn.exec_driver_sql(sql, tuple(arrays))


def _increment(
    conn: Connection, t: Table, pk: str, counters: tuple[str, ...], rows: list[Row]
) -> None:
    names, source, arrays = _rows_as_arrays(conn, t, rows)
    quote = conn.dialect.identifier_preparer.quote
    table = conn.dialect.identifier_preparer.format_table(t)
    adds = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in counters)
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source} ORDER BY o2c_row "
        f"ON CONFLICT ({quote(pk)}) DO UPDATE SET {adds}"
    )
    conn.exec_driver_sql(sql, tuple(arrays))
