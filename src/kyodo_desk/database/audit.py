"""The audit trail: every insert, change and delete, written in the same transaction.

Every row a flush inserts, updates or deletes is recorded with who (the session's actor),
which table and record, and the changed fields as [old, new]. Write sessions without an actor are refused, so
no change can go unattributed. The table itself is append-only (database triggers).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, event, insert, inspect
from sqlalchemy.orm import Session, object_session

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Base
from kyodo_desk.models.accounts import AuditEntry

ACTOR_KEY = "kyodo_actor"
_NEVER_AUDITED = frozenset({"search_text", "search_grams", "sort_key", "version", "created_at",
                            "updated_at"})
_REDACTED = frozenset({"password_hash"})  # and each model's __audit_redact__


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _changes(obj: Base, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    skip = _NEVER_AUDITED | getattr(obj, "__audit_exclude__", frozenset())
    redacted = _REDACTED | getattr(obj, "__audit_redact__", frozenset())
    keys = {c.key for c in state.mapper.primary_key}
    changes: dict[str, list[Any]] = {}
    for column in state.mapper.column_attrs:
        key = column.key
        if key in skip:
            continue
        history = state.attrs[key].history
        if action == "insert":
            old, new = None, getattr(obj, key)
        elif action == "delete":
            old, new = getattr(obj, key), None
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        elif key in keys and (len(keys) > 1 or not isinstance(getattr(obj, key), int)):
            # A row known by several columns (a membership) or by a name (a setting): say
            # whose row it is, since the record number cannot.
            changes[key] = [_plain(getattr(obj, key))] * 2
            continue
        else:
            continue
        if key in redacted:  # that it changed is recorded, never the value
            changes[key] = [None if old in (None, "") else "********",
                            None if new in (None, "") else "********"]
        elif old != new:
            changes[key] = [_plain(old), _plain(new)]
    return changes


def _record_id(obj: Base) -> int | None:
    """The record's number; for a row keyed by several columns, the first of them."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return key[0] if key and isinstance(key[0], int) else None


def _audit(action: str) -> Any:
    """A mapper event that writes one audit row per inserted, updated or deleted row.

    Mapper events see every row the flush writes, including rows removed by a
    delete-orphan cascade, which Session.deleted does not list.
    """
    def write(_mapper: Any, connection: Connection, obj: Base) -> None:
        if isinstance(obj, AuditEntry):
            return
        changes = _changes(obj, action)
        if action == "update" and not changes:
            return
        session = object_session(obj)
        actor: Actor | None = session.info.get(ACTOR_KEY) if session else None
        if actor is None:
            raise RuntimeError("a write session must name its actor (db.writing(actor))")
        connection.execute(insert(AuditEntry), [{
            "account_id": actor.account_id, "actor": actor.name, "action": action,
            "table_name": obj.__tablename__, "record_id": _record_id(obj), "changes": changes,
        }])
    return write


for _action in ("insert", "update", "delete"):
    event.listen(Base, f"after_{_action}", _audit(_action), propagate=True)


def record_event(session: Session, actor: Actor, action: str, table_name: str,
                 record_id: int | None, details: dict[str, Any] | None = None) -> None:
    """Write an audit row for something that is not a change: opening a record, signing in."""
    session.connection().execute(insert(AuditEntry), [{
        "account_id": actor.account_id, "actor": actor.name, "action": action,
        "table_name": table_name, "record_id": record_id, "changes": details or {},
    }])
