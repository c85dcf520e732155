"""Bulk writes: many rows in the fewest round trips each database allows.

An import writes a hundred thousand contacts, their audit rows and their match keys in one
transaction. SQLite's executemany runs in C and is fast as it is. On PostgreSQL an
executemany is parsed and sent row by row (psycopg's pipeline) or as long multi-row VALUES
strings that psycopg re-parses in Python, so 10,000 contacts took seconds; COPY streams the
same rows in one statement at a fraction of that cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

# Fewer rows go by INSERT: COPY takes a round trip more to start (a flush's few audit rows).
_COPIED_FROM = 50


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert *rows* (each with the same columns) into *table*, inside the caller's
    transaction. Columns left out take their scalar default or the server's."""
    if not rows:
        return
    defaults = _defaults(table, frozenset(rows[0]))
    if connection.dialect.name != "postgresql" or len(rows) < _COPIED_FROM:
        connection.execute(insert(table), [{**defaults, **row} for row in rows])
        return
    columns = [*rows[0], *defaults]
    processors = [table.c[name].type.dialect_impl(connection.dialect).bind_processor(
                      connection.dialect)
                  for name in columns]
    quote = connection.dialect.identifier_preparer.quote
    statement = (f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                 "FROM STDIN")
    dbapi = connection.connection.driver_connection
    assert dbapi is not None  # a connection in a transaction has its driver's
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row.get(name, defaults.get(name)) for name in columns]
            copy.write_row([value if value is None or process is None else process(value)
                            for value, process in zip(values, processors, strict=True)])


def next_numbers(connection: Connection, table: Table, count: int) -> list[int]:
    """*count* record numbers for new rows of *table*, which the caller inserts with them in
    the same transaction: drawn from the sequence on PostgreSQL; on SQLite the ones after the
    highest ever given, safe under the write transaction's lock (BEGIN IMMEDIATE)."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        drawn = select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
            func.generate_series(1, count))
        return sorted(connection.execute(drawn).scalars())
    highest = connection.execute(select(func.max(table.c.id))).scalar() or 0
    if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
                          ).first():
        given = connection.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                                   {"t": table.name}).scalar()
        highest = max(highest, given or 0)
    return list(range(highest + 1, highest + 1 + count))


@cache
def _defaults(table: Table, given: frozenset[str]) -> dict[str, Any]:
    """The scalar defaults of the columns not *given* (the server fills in its own)."""
    out = {}
    for column in table.columns:
        default = column.default
        if default is None or column.name in given:
            continue
        if not default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: a bulk insert fills scalar defaults "
                             "only; give the column's value")
        out[column.name] = default.arg  # type: ignore[attr-defined]
    return out
