"""Ordered lists the administrator keeps (選択肢の一覧): 相談の分野 and 団体の活動分野 alike.

One way to keep such a list, described by a `ChoiceList` (which table, which right, what an
entry is called): add at the end, rename, move up or down, retire and bring back. An entry is
never deleted, since records keep referring to it: a retired one is no longer offered for new
records, and what was filed under it keeps its (current) name. Every change is audited like
any record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.errors import FieldProblem, NotFound, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import ActivityField, ConsultationTopic

ORDER_STEP = 10
MAX_NAME_CHARS = 30  # a choice is a word or two on a form's button, not a sentence

Row = ConsultationTopic | ActivityField
T = TypeVar("T")


@dataclass(frozen=True)
class ChoiceList(Generic[T]):
    """What sets one list apart: its table, the right to change it, the check before reading
    it, what an entry is called in messages (分野), and how a row is handed out."""

    model: type[Row]
    resource: Resource  # create and change rights
    may_read: Callable[[Actor], None]  # raises PermissionDenied
    noun: str  # 分野
    entry: Callable[[Row], T]


def list_entries(db: Database, actor: Actor, spec: ChoiceList[T], *,
                 include_inactive: bool = False) -> list[T]:
    """The list in its display order (active entries only, unless asked)."""
    spec.may_read(actor)
    model = spec.model
    stmt = select(model).order_by(model.display_order, model.id)
    if not include_inactive:
        stmt = stmt.where(model.active)
    with db.reading(actor) as session:
        rows: list[Row] = list(session.scalars(stmt))
        return [spec.entry(row) for row in rows]


@retry_on_contention
def add_entry(db: Database, actor: Actor, spec: ChoiceList[T], name: str) -> T:
    """A new entry at the end of the list."""
    actor.require(Action.CREATE, spec.resource)
    name = _clean_name(spec, name)
    with db.writing(actor) as session:
        _refuse_duplicate(session, spec, name, None)
        last = session.scalar(select(func.max(spec.model.display_order))) or 0
        row = spec.model(name=name, display_order=last + ORDER_STEP, active=True)
        session.add(row)
        session.flush()
        return spec.entry(row)


@retry_on_contention
def rename_entry(db: Database, actor: Actor, spec: ChoiceList[T], entry_id: int,
                 name: str) -> T:
    """Rename an entry; records already filed under it show the new name."""
    actor.require(Action.CHANGE, spec.resource)
    name = _clean_name(spec, name)
    with db.writing(actor) as session:
        row = _load(session, spec, entry_id)
        _refuse_duplicate(session, spec, name, entry_id)
        row.name = name
        return spec.entry(row)


@retry_on_contention
def set_entry_active(db: Database, actor: Actor, spec: ChoiceList[T], entry_id: int,
                     active: bool) -> T:
    """Retire an entry (no longer offered for new records) or bring it back."""
    actor.require(Action.CHANGE, spec.resource)
    with db.writing(actor) as session:
        row = _load(session, spec, entry_id)
        row.active = active
        return spec.entry(row)


@retry_on_contention
def move_entry(db: Database, actor: Actor, spec: ChoiceList[T], entry_id: int,
               step: int) -> list[T]:
    """Move an entry *step* places up (negative) or down the list; returns the new list."""
    actor.require(Action.CHANGE, spec.resource)
    model = spec.model
    with db.writing(actor) as session:
        ordered: list[Row] = list(session.scalars(
            select(model).order_by(model.display_order, model.id)))
        position = next((i for i, row in enumerate(ordered) if row.id == entry_id), None)
        if position is None:
            raise _not_found(spec)
        target = max(0, min(len(ordered) - 1, position + step))
        ordered.insert(target, ordered.pop(position))
        for i, row in enumerate(ordered, start=1):
            if row.display_order != i * ORDER_STEP:
                row.display_order = i * ORDER_STEP
        session.flush()
        return [spec.entry(row) for row in ordered]


def _clean_name(spec: ChoiceList[T], name: str) -> str:
    label = f"{spec.noun}の名前"
    name = validation.require("name", label, name)
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError([FieldProblem(
            "name", f"{label}は{MAX_NAME_CHARS}文字までにしてください（いま{len(name)}文字）。")])
    return name


def _refuse_duplicate(session: Session, spec: ChoiceList[T], name: str,
                      own_id: int | None) -> None:
    clash = session.scalar(select(spec.model.id).where(spec.model.name == name))
    if clash is not None and clash != own_id:
        raise ValidationError([FieldProblem("name", f"「{name}」という{spec.noun}はもうあります。")])


def _load(session: Session, spec: ChoiceList[T], entry_id: int) -> Row:
    row = cast(Row | None, session.get(spec.model, entry_id))  # the spec's model, a Row
    if row is None:
        raise _not_found(spec)
    return row


def _not_found(spec: ChoiceList[T]) -> NotFound:
    return NotFound(f"この{spec.noun}は見つかりません。一覧を開き直してください。")
