"""The few statements SQLite and PostgreSQL spell differently (upserts)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def is_postgres(conn: AsyncConnection) -> bool:
    """Whether the connection talks to PostgreSQL (else SQLite)."""
    return conn.dialect.name == "postgresql"


def insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` / ``on_conflict_do_update``.

    Both dialects' insert constructs share that API; the return type is left open
    because SQLAlchemy types them as two unrelated classes.
    """
    if is_postgres(conn):
        return postgresql.insert(table)
    return sqlite.insert(table)


def one_of(conn: AsyncConnection, column: sa.ColumnElement[str], values: list[str]) -> Any:
    """``column IN values``, as one array parameter on PostgreSQL.

    An ``IN`` list of hundreds of parameters makes PostgreSQL re-plan the prepared
    statement for every list length, and its generic plan may scan the whole table;
    ``= ANY(array)`` is one parameter and keeps the index.
    """
    if is_postgres(conn):
        array = sa.bindparam(None, values, type_=postgresql.ARRAY(sa.String()))
        return column == sa.any_(array)
    return column.in_(values)


async def insert_many(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in the caller's transaction.

    On PostgreSQL the rows go in with a binary ``COPY`` on the transaction's own
    connection, several times faster than ``executemany`` for a 5000-op push; its
    errors come out as SQLAlchemy's (``IntegrityError`` for a duplicate key,
    ``OperationalError`` for a lost connection), like any other statement's.
    """
    if not rows:
        return
    if not is_postgres(conn):
        await conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    records = [tuple(row[name] for name in names) for row in rows]
    try:
        await driver.copy_records_to_table(table.name, records=records, columns=names)
    except Exception as exc:
        raise _translated(f"COPY {table.name}", exc) from exc


def _translated(statement: str, error: Exception) -> sa.exc.DBAPIError:
    sqlstate = str(getattr(error, "sqlstate", "") or "")
    kind: type[sa.exc.DBAPIError] = sa.exc.DBAPIError
    if sqlstate.startswith("23"):
        kind = sa.exc.IntegrityError
    elif not sqlstate or sqlstate[:2] in ("08", "40", "53", "57"):
        kind = sa.exc.OperationalError
    return kind(statement, None, error)


async def upsert_many(
    conn: AsyncConnection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    key: list[str],
    updated: list[str],
    returning: tuple[sa.Column[Any], ...] = (),
) -> list[Any]:
    """Insert ``rows``, updating the ``updated`` columns of rows whose ``key`` exists.

    Args:
        returning: columns to return for every row inserted or updated.

    Rows must have unique keys (one statement may not touch a row twice). On PostgreSQL
    they travel as one array per column (``INSERT ... SELECT * FROM unnest(...)``): one
    statement, whatever their number.
    """
    if not rows:
        return []
    stmt = insert(conn, table)
    if is_postgres(conn):
        stmt = stmt.from_select(list(rows[0]), _unnest(table, rows))
    stmt = stmt.on_conflict_do_update(
        index_elements=key,
        set_={name: stmt.excluded[name] for name in updated},
    )
    if returning:
        stmt = stmt.returning(*returning)
    if is_postgres(conn):
        result = await conn.execute(stmt)
    else:
        result = await conn.execute(stmt, rows)
    return list(result) if returning else []


def _unnest(table: sa.Table, rows: list[dict[str, Any]]) -> sa.Select[Any]:
    names = list(rows[0])
    arrays: list[Any] = []
    casts: list[str] = []
    for name in names:
        kind = table.c[name].type
        values = [row[name] for row in rows]
        if isinstance(kind, sa.JSON):
            # A JSON list would read as one more array dimension: send JSON text.
            values = [json.dumps(value) for value in values]
            kind = sa.Text()
            casts.append(name)
        arrays.append(sa.bindparam(name, values, type_=postgresql.ARRAY(kind)))
    source = sa.func.unnest(*arrays).table_valued(*names).render_derived(name="rows")
    return sa.select(
        *(
            sa.cast(source.c[name], table.c[name].type) if name in casts else source.c[name]
            for name in names
        )
    )
