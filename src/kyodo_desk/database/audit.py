"""The audit trail: every insert, change and delete, written in the same transaction.

Every row a flush inserts, updates or deletes is recorded with who (the session's actor),
which table and record, and the changed fields as [old, new]. Write sessions without an actor are refused, so
no change can go unattributed. The table itself is append-only (database triggers), and its
rows are written when the transaction commits, each sealed with the hash of the one before
(database/audit_chain.py).

A field that holds personal data or a secret (`__audit_redact__` on its model: a contact's
name, phone, address …, a consultation's content, a receipt's QR secret) is recorded as
changed, never with its value: the log is kept for ever and could not be erased with the
record (削除・利用停止).

A row a service inserts without an ORM object, where a flush would cost more than the row (a
sign-up under the event's lock), goes through `prepare_row` and `insert_row`, and many such
rows (an import's new records) through `insert_rows`: checked, audited and announced by the
same code as a flushed one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import (
    Insert,
    Select,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import InstanceState, Session, object_session

from kyodo_desk.database import audit_chain
from kyodo_desk.database.bulk import bulk_insert, next_numbers
from kyodo_desk.database.changes import announce_ahead, notify_tables
from kyodo_desk.database.field_bounds import check_row
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Base
from kyodo_desk.models.accounts import AuditEntry
from kyodo_desk.models.base import OwnedRow, owner_class

ACTOR_KEY = "kyodo_actor"
_NEVER_AUDITED = frozenset({"search_text", "search_grams", "sort_key", "version", "created_at",
                            "updated_at"})
_REDACTED = frozenset({"password_hash"})  # and each model's __audit_redact__
_MASK = "********"
_OWNERS_AT_ONCE = 500  # ids in one IN (…)


@dataclass(frozen=True)
class _Shape:
    """What the audit reads of one model, worked out once per class."""

    columns: tuple[str, ...]  # audited column attributes, in the mapper's order
    redacted: frozenset[str]
    keys: tuple[str, ...]  # the primary key's attributes
    defaults: dict[str, Any]  # plain column defaults, which a Core insert fills in unseen
    insert: Insert  # of one row, for insert_row
    next_id: Select[tuple[int]]  # the number of the table's next row (PostgreSQL)


@cache
def _shape(row_class: type[Base]) -> _Shape:
    mapper = inspect(row_class)
    skip = _NEVER_AUDITED | getattr(row_class, "__audit_exclude__", frozenset())
    columns = tuple(c.key for c in mapper.column_attrs if c.key not in skip)
    defaults = {c.key: c.columns[0].default.arg for c in mapper.column_attrs
                if c.columns[0].default is not None and c.columns[0].default.is_scalar}
    return _Shape(columns, _REDACTED | getattr(row_class, "__audit_redact__", frozenset()),
                  tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key),
                  defaults, insert(row_class.__table__),
                  select(func.nextval(func.pg_get_serial_sequence(row_class.__table__.name,
                                                                  "id"))))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _masked(value: Any) -> str | None:
    return None if value in (None, "") else _MASK


def _put(changes: dict[str, list[Any]], shape: _Shape, key: str, old: Any, new: Any) -> None:
    if key in shape.redacted:  # that it changed is recorded, never the value
        changes[key] = [_masked(old), _masked(new)]
    elif old != new:
        changes[key] = [_plain(old), _plain(new)]


def _whole_row(shape: _Shape, value_of: Callable[[str], Any],
               action: str) -> dict[str, list[Any]]:
    """The changes of a row inserted (None → each value) or deleted (each value → None)."""
    # _put's rules, unrolled: a bulk insert makes one of these per row.
    changes: dict[str, list[Any]] = {}
    inserted = action == "insert"
    for key in shape.columns:
        value = value_of(key)
        if key in shape.redacted:
            value = _masked(value)
        elif value is None:
            continue
        else:
            value = _plain(value)
        changes[key] = [None, value] if inserted else [value, None]
    return changes


def _updated(shape: _Shape, state: InstanceState[Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    obj, changed = state.obj(), state.committed_state  # only these attributes can have changed
    for key in shape.columns:
        if key in changed and (history := state.attrs[key].history).has_changes():
            _put(changes, shape, key, history.deleted[0] if history.deleted else None,
                 history.added[0] if history.added else None)
        elif key in shape.keys and (len(shape.keys) > 1
                                    or not isinstance(getattr(obj, key), int)):
            # A row known by several columns (a membership) or by a name (a setting): say
            # whose row it is, since the record number cannot.
            changes[key] = [_plain(getattr(obj, key))] * 2
    return changes


def _changes(obj: Base, action: str) -> dict[str, list[Any]]:
    shape = _shape(type(obj))
    if action == "update":
        return _updated(shape, inspect(obj))
    return _whole_row(shape, lambda key: getattr(obj, key), action)


def _record_id(obj: Base) -> int | None:
    """The record's number; for a row keyed by several columns, the first of them."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return key[0] if key and isinstance(key[0], int) else None


def _actor(session: Session | None) -> Actor:
    actor: Actor | None = session.info.get(ACTOR_KEY) if session else None
    if actor is None:
        raise RuntimeError("a write session must name its actor (db.writing(actor))")
    return actor


def _entry(actor: Actor, action: str, table_name: str, record_id: int | None,
           changes: dict[str, Any]) -> dict[str, Any]:
    return {"account_id": actor.account_id, "actor": actor.name, "action": action,
            "table_name": table_name, "record_id": record_id, "changes": changes}


def _audit(action: str) -> Any:
    """A mapper event that makes one audit row per inserted, updated or deleted row.

    Mapper events see every row the flush writes, including rows removed by a
    delete-orphan cascade, which Session.deleted does not list. The rows are written together
    at the commit (audit_chain).
    """
    def write(_mapper: Any, _connection: object, obj: Base) -> None:
        if isinstance(obj, AuditEntry):
            return
        changes = _changes(obj, action)
        if action == "update" and not changes:
            return
        session = object_session(obj)
        assert session is not None  # a flushed object has its session
        audit_chain.add(session, _entry(_actor(session), action, obj.__tablename__,
                                        _record_id(obj), changes))
    return write


for _action in ("insert", "update", "delete"):
    event.listen(Base, f"after_{_action}", _audit(_action), propagate=True)

@dataclass(frozen=True)
class PreparedRow:
    """A row to insert without an ORM object, made ready before the caller takes its lock
    (see prepare_row); inserted by insert_row."""

    row_class: type[Base]
    values: dict[str, Any]


def prepare_row(session: Session, row_class: type[Base],
                values: Mapping[str, Any]) -> PreparedRow:
    """What a flush would do for a new row of *row_class*, done before the lock the insert
    needs, so the lock is held for the insert alone: the columns' defaults filled in, the
    bounds checked (field_bounds), and on PostgreSQL the row's number drawn and the change
    notice sent (changes.announce_ahead: delivered only if the transaction commits).

    For a hot path only (a sign-up under the event's lock): a Core insert costs a fraction
    of a flush. *row_class* must be a plain row: no search columns to derive, no owner whose
    version it raises (those are the flush's work), a single integer key.
    """
    shape = _shape(row_class)
    row = {**shape.defaults, **values}
    check_row(row_class, row)
    announce_ahead(session, shape.insert.table.name)
    if session.get_bind().dialect.name == "postgresql":
        row[shape.keys[0]] = session.connection().execute(shape.next_id).scalar_one()
    return PreparedRow(row_class, row)


def insert_row(session: Session, prepared: PreparedRow, **decided: Any) -> dict[str, Any]:
    """Insert *prepared* with the values *decided* under the lock; returns the row as stored.
    Its audit row is written at the commit, with the transaction's others."""
    row_class, row = prepared.row_class, {**prepared.values, **decided}
    check_row(row_class, decided)
    shape, actor, connection = _shape(row_class), _actor(session), session.connection()
    key = shape.keys[0]
    inserted = connection.execute(shape.insert, row)
    if key not in row:
        # Typed Optional, but None only for an insert of no rows: this one has one.
        (row[key],) = inserted.inserted_primary_key  # type: ignore[misc]
    audit_chain.add(session, _entry(actor, "insert", shape.insert.table.name, row[key],
                                    _whole_row(shape, row.get, "insert")))
    return row


def insert_rows(session: Session, row_class: type[Base], rows: Sequence[Mapping[str, Any]], *,
                new_owners: bool = False) -> list[Any]:
    """Many new rows of *row_class* in one statement and their audit rows in one more, each
    row checked and announced as a flush would: for a bulk write (an import's new records),
    where a flush's bookkeeping of each object costs more than the row itself. The rows must
    carry what a flush would derive (a Searchable's columns: `models.base.search_columns`)
    and no owner whose version the caller holds (rows belonging to a record raise its
    version, as at a flush, unless *new_owners*: records added by this transaction, whose
    version no one can hold yet). Returns the rows' numbers in the order given (a row keyed by
    several columns: its first key, which it carries)."""
    if not rows:
        return []
    shape = _shape(row_class)
    full = [{**shape.defaults, **row} for row in rows]
    for row in full:
        check_row(row_class, row)
    table, key = row_class.__table__, shape.keys[0]
    notify_tables(session, table.name)
    connection = session.connection()
    if key not in full[0]:
        for row, number in zip(full, next_numbers(connection, table, len(full)), strict=True):
            row[key] = number
    bulk_insert(connection, table, full)
    if issubclass(row_class, OwnedRow) and not new_owners:
        # What _raise_owner_versions does at a flush: an open form of the owner now sees
        # its rows changed and refuses to save over them.
        owner = owner_class(row_class)
        owners = sorted({row[row_class.__version_owner__] for row in full})
        for start in range(0, len(owners), _OWNERS_AT_ONCE):
            connection.execute(update(owner.__table__)  # type: ignore[attr-defined]
                               .where(owner.id.in_(owners[start:start + _OWNERS_AT_ONCE]))
                               .values(version=owner.version + 1, updated_at=func.now()))
    actor = _actor(session)
    for row in full:
        audit_chain.add(session, _entry(
            actor, "insert", table.name, row[key] if isinstance(row[key], int) else None,
            _whole_row(shape, row.get, "insert")))
    return [row[key] for row in full]


def record_event(session: Session, actor: Actor, action: str, table_name: str,
                 record_id: int | None, details: dict[str, Any] | None = None) -> None:
    """Write an audit row for something that is not a change: opening a record, signing in.
    *details* never hold a personal value (counts, dates, an officer's reason)."""
    audit_chain.add(session, _entry(actor, action, table_name, record_id, details or {}))
