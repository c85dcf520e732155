"""方向への対応づけ: which consultation topics (相談の分野), event kinds (イベントの種類) and
grant programme kinds (交付金の種類) count toward each of the guideline's five directions in the
yearly report 市民協働の推進状況.

Migration 0015 seeds a starting map; the administrator changes it (Resource.DIRECTIONS). A
record may count toward several directions, or none. The map is saved whole, as the dialog
shows it, but only the links that changed are written, so the audit log names exactly what
was added and removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.events import EVENT_KIND_LABELS, EventKind
from kyodo_desk.domain.grants import GRANT_KIND_LABELS, GrantKind
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import Direction, DirectionSource
from kyodo_desk.models import ConsultationTopic, DirectionLink

SOURCE_LABELS = {DirectionSource.TOPIC: "相談の分野", DirectionSource.EVENT_KIND: "イベントの種類",
                 DirectionSource.PROGRAMME_KIND: "交付金の種類"}

MapKey = tuple[DirectionSource, str]


@dataclass(frozen=True)
class MapEntry:
    """One row of the map: a topic, an event kind or a programme kind, in words, and the
    directions it counts toward. *active* is False for a retired topic (shown while mapped)."""

    source: DirectionSource
    key: str  # the topic's id, or the EventKind / GrantKind value
    label: str  # 団体設立, 市民協働ミーティング, 協働サポート交付金
    directions: frozenset[Direction]
    active: bool = True

    @property
    def map_key(self) -> MapKey:
        return self.source, self.key


def _may_read(actor: Actor) -> None:
    actor.require(Action.READ, Resource.DIRECTIONS)


def read_links(session: Session, *, directions: Iterable[int] | None = None,
               ) -> dict[MapKey, frozenset[Direction]]:
    """The stored links, by record (for the report, inside its own read)."""
    stmt = select(DirectionLink.source, DirectionLink.key, DirectionLink.direction)
    if directions is not None:
        stmt = stmt.where(DirectionLink.direction.in_(list(directions)))
    found: dict[MapKey, set[Direction]] = {}
    for source, key, direction in session.execute(stmt):
        found.setdefault((DirectionSource(source), key), set()).add(Direction(direction))
    return {k: frozenset(v) for k, v in found.items()}


def direction_map(db: Database, actor: Actor) -> list[MapEntry]:
    """Every topic (active ones, and retired ones still mapped), every event kind and every
    programme kind, in the order the screens list them, with their directions."""
    _may_read(actor)
    with db.reading(actor) as session:
        links = read_links(session)
        topics = session.execute(
            select(ConsultationTopic.id, ConsultationTopic.name, ConsultationTopic.active)
            .order_by(ConsultationTopic.display_order, ConsultationTopic.id)).all()
    entries = [MapEntry(DirectionSource.TOPIC, str(tid), name,
                        links.get((DirectionSource.TOPIC, str(tid)), frozenset()), active)
               for tid, name, active in topics
               if active or (DirectionSource.TOPIC, str(tid)) in links]
    entries += [MapEntry(DirectionSource.EVENT_KIND, kind.value, EVENT_KIND_LABELS[kind],
                         links.get((DirectionSource.EVENT_KIND, kind.value), frozenset()))
                for kind in EventKind]
    entries += [MapEntry(DirectionSource.PROGRAMME_KIND, kind.value, GRANT_KIND_LABELS[kind],
                         links.get((DirectionSource.PROGRAMME_KIND, kind.value), frozenset()))
                for kind in GrantKind]
    return entries


@retry_on_contention
def save_direction_map(db: Database, actor: Actor,
                       wanted: Mapping[MapKey, Iterable[int]]) -> list[MapEntry]:
    """Make the map what *wanted* says for the records it names (a record left out keeps its
    links); returns the whole map as stored. Administrators only."""
    actor.require(Action.CHANGE, Resource.DIRECTIONS)
    cleaned = {key: frozenset(_direction(d) for d in directions)
               for key, directions in wanted.items()}
    with db.writing(actor) as session:
        topic_ids = {str(t) for t in session.scalars(select(ConsultationTopic.id))}
        for source, key in cleaned:
            _check_key(source, key, topic_ids)
        stored = read_links(session)
        for map_key, directions in cleaned.items():
            before = stored.get(map_key, frozenset())
            source, key = map_key
            for gone in before - directions:
                row = session.get(DirectionLink, (source, key, int(gone)))
                if row is not None:
                    session.delete(row)
            for added in directions - before:
                session.add(DirectionLink(source=source, key=key, direction=int(added)))
        session.flush()
    return direction_map(db, actor)


def _direction(value: int) -> Direction:
    try:
        return Direction(int(value))
    except ValueError:
        raise ValidationError.single("direction", "方向は1〜5の番号で指定してください。") from None


def _check_key(source: DirectionSource, key: str, topic_ids: set[str]) -> None:
    known = (topic_ids if source is DirectionSource.TOPIC
             else {k.value for k in EventKind} if source is DirectionSource.EVENT_KIND
             else {k.value for k in GrantKind})
    if key not in known:
        raise ValidationError.single(
            "key", f"{SOURCE_LABELS[source]}「{key}」は見つかりません。一覧を開き直してください。")
