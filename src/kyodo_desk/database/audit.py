"""The audit trail: every insert, change and delete, written in the same transaction.

A flush of any write session records, per row, who (the session's actor), which table and
record, and the changed fields as [old, new]. Write sessions without an actor are refused, so
no change can go unattributed. The table itself is append-only (database triggers).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Base
from kyodo_desk.models.accounts import AuditEntry

ACTOR_KEY = "kyodo_actor"
_NEVER_AUDITED = frozenset({"search_text", "search_grams", "sort_key", "version", "created_at",
                            "updated_at"})
_REDACTED = frozenset({"password_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _changes(obj: Base, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    skip = _NEVER_AUDITED | getattr(obj, "__audit_exclude__", frozenset())
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
        else:
            continue
        if key in _REDACTED:
            old, new = ("********" if old else None), "********"
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
    return changes


def _record_id(obj: Base) -> int | None:
    identity = inspect(obj).identity
    if identity and len(identity) == 1 and isinstance(identity[0], int):
        return identity[0]
    return None


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, _flush: UOWTransaction) -> None:
    rows: list[dict[str, Any]] = []
    for action, objects in (("insert", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Base) or isinstance(obj, AuditEntry):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append({"action": action, "table_name": obj.__tablename__,
                         "record_id": _record_id(obj), "changes": changes})
    if not rows:
        return
    actor: Actor | None = session.info.get(ACTOR_KEY)
    if actor is None:
        raise RuntimeError("a write session must name its actor (db.writing(actor))")
    for row in rows:
        row.update(account_id=actor.account_id, actor=actor.name)
    session.connection().execute(insert(AuditEntry), rows)


def record_event(session: Session, actor: Actor, action: str, table_name: str,
                 record_id: int | None, details: dict[str, Any] | None = None) -> None:
    """Write an audit row for something that is not a change: opening a record, signing in."""
    session.connection().execute(insert(AuditEntry), [{
        "account_id": actor.account_id, "actor": actor.name, "action": action,
        "table_name": table_name, "record_id": record_id, "changes": details or {},
    }])
