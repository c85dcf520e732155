"""相談の分野: the administrator keeps the topic list the consultation form offers.

Kept the way every administrator's list is (services/choice_lists.py): a topic is never
deleted, since consultations keep referring to it; it is retired (no longer offered for new
records) and can be brought back. Every change is audited like any record.
"""

from __future__ import annotations

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import ActivityField, ConsultationTopic
from kyodo_desk.services import choice_lists
from kyodo_desk.services.choice_lists import ORDER_STEP, ChoiceList
from kyodo_desk.services.consultations import Topic, list_topics

__all__ = ["ORDER_STEP", "TOPIC_LIST", "add_topic", "list_topics", "move_topic",
           "rename_topic", "set_topic_active"]


def _may_read(actor: Actor) -> None:
    if not actor.may_count(Resource.CONSULTATIONS):  # the names are no personal data
        actor.require(Action.READ, Resource.CONSULTATIONS)


def _topic(row: ConsultationTopic | ActivityField) -> Topic:
    return Topic(row.id, row.name, row.display_order, row.active)


TOPIC_LIST: ChoiceList[Topic] = ChoiceList(ConsultationTopic, Resource.TOPICS, _may_read,
                                           "分野", _topic)


def add_topic(db: Database, actor: Actor, name: str) -> Topic:
    """A new topic at the end of the list."""
    return choice_lists.add_entry(db, actor, TOPIC_LIST, name)


def rename_topic(db: Database, actor: Actor, topic_id: int, name: str) -> Topic:
    """Rename a topic; records already filed under it show the new name."""
    return choice_lists.rename_entry(db, actor, TOPIC_LIST, topic_id, name)


def set_topic_active(db: Database, actor: Actor, topic_id: int, active: bool) -> Topic:
    """Retire a topic (no longer offered for new records) or bring it back."""
    return choice_lists.set_entry_active(db, actor, TOPIC_LIST, topic_id, active)


def move_topic(db: Database, actor: Actor, topic_id: int, step: int) -> list[Topic]:
    """Move a topic *step* places up (negative) or down the list; returns the new list."""
    return choice_lists.move_entry(db, actor, TOPIC_LIST, topic_id, step)
