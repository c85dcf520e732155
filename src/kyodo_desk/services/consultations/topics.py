"""相談の分野: the administrator keeps the topic list the consultation form offers.

A topic is never deleted, since consultations keep referring to it: it is retired (no longer
offered for new records) and can be brought back. Every change is audited like any record.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.errors import FieldProblem, NotFound, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import ConsultationTopic
from kyodo_desk.services.consultations import Topic, as_topic, list_topics

__all__ = ["add_topic", "list_topics", "move_topic", "rename_topic", "set_topic_active"]

ORDER_STEP = 10


@retry_on_contention
def add_topic(db: Database, actor: Actor, name: str) -> Topic:
    """A new topic at the end of the list."""
    actor.require(Action.CREATE, Resource.TOPICS)
    name = _clean_name(name)
    with db.writing(actor) as session:
        _refuse_duplicate(session, name, None)
        last = session.scalar(select(func.max(ConsultationTopic.display_order))) or 0
        topic = ConsultationTopic(name=name, display_order=last + ORDER_STEP, active=True)
        session.add(topic)
        session.flush()
        return as_topic(topic)


@retry_on_contention
def rename_topic(db: Database, actor: Actor, topic_id: int, name: str) -> Topic:
    """Rename a topic; records already filed under it show the new name."""
    actor.require(Action.CHANGE, Resource.TOPICS)
    name = _clean_name(name)
    with db.writing(actor) as session:
        topic = _load(session, topic_id)
        _refuse_duplicate(session, name, topic_id)
        topic.name = name
        return as_topic(topic)


@retry_on_contention
def set_topic_active(db: Database, actor: Actor, topic_id: int, active: bool) -> Topic:
    """Retire a topic (no longer offered for new records) or bring it back."""
    actor.require(Action.CHANGE, Resource.TOPICS)
    with db.writing(actor) as session:
        topic = _load(session, topic_id)
        topic.active = active
        return as_topic(topic)


@retry_on_contention
def move_topic(db: Database, actor: Actor, topic_id: int, step: int) -> list[Topic]:
    """Move a topic *step* places up (negative) or down the list; returns the new list."""
    actor.require(Action.CHANGE, Resource.TOPICS)
    with db.writing(actor) as session:
        ordered = list(session.scalars(select(ConsultationTopic).order_by(
            ConsultationTopic.display_order, ConsultationTopic.id)))
        position = next((i for i, t in enumerate(ordered) if t.id == topic_id), None)
        if position is None:
            raise _not_found()
        target = max(0, min(len(ordered) - 1, position + step))
        ordered.insert(target, ordered.pop(position))
        for i, topic in enumerate(ordered, start=1):
            if topic.display_order != i * ORDER_STEP:
                topic.display_order = i * ORDER_STEP
        session.flush()
        return [as_topic(t) for t in ordered]


def _clean_name(name: str) -> str:
    name = validation.require("name", "分野の名前", name)
    if len(name) > 30:
        raise ValidationError([FieldProblem(
            "name", f"分野の名前は30文字までにしてください（いま{len(name)}文字）。")])
    return name


def _refuse_duplicate(session: Session, name: str, own_id: int | None) -> None:
    clash = session.scalar(select(ConsultationTopic.id).where(ConsultationTopic.name == name))
    if clash is not None and clash != own_id:
        raise ValidationError([FieldProblem("name", f"「{name}」という分野はもうあります。")])


def _load(session: Session, topic_id: int) -> ConsultationTopic:
    topic = session.get(ConsultationTopic, topic_id)
    if topic is None:
        raise _not_found()
    return topic


def _not_found() -> NotFound:
    return NotFound("この分野は見つかりません。一覧を開き直してください。")
