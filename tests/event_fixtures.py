"""Events and people for the event-registration tests (made through the services)."""

from __future__ import annotations

from datetime import date, time, timedelta

from kyodo_desk.domain.events import EventKind, QueueRule
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind
from kyodo_desk.services.contacts import ContactDraft, create_contact
from kyodo_desk.services.events import EventDetail, EventDraft, SessionDraft, create_event

TODAY = date.today()


def event_draft(facility_id: int, *, capacity: int | None = 10, days: int = 10,
                session_count: int = 1, rule: QueueRule = QueueRule.STRICT,
                **fields) -> EventDraft:  # type: ignore[no-untyped-def]
    """A seminar *days* from today (one session a week after the first when *session_count*
    > 1), open for sign-ups from 30 days ago until the day before it."""
    first = TODAY + timedelta(days=days)
    sessions = fields.pop("sessions", tuple(
        SessionDraft(first + timedelta(weeks=n), time(10), time(12), f"第{n + 1}回")
        for n in range(session_count)))
    opening = min((s.held_on for s in sessions), default=first)
    values = dict(
        kind=EventKind.SEMINAR, title="市民活動入門セミナー", facility_id=facility_id,
        sessions=sessions, venue_facility_id=facility_id, capacity=capacity, queue_rule=rule,
        signup_opens_on=TODAY - timedelta(days=30), signup_closes_on=opening - timedelta(days=1),
    )
    values.update(fields)
    return EventDraft(**values)  # type: ignore[arg-type]


def make_event(db, facility_id: int, **kw) -> EventDetail:  # type: ignore[no-untyped-def]
    return create_event(db, Actor.command_line(), event_draft(facility_id, **kw))


def person(db, name: str, **fields) -> int:  # type: ignore[no-untyped-def]
    """A new person in the contacts; returns the contact id."""
    kind = fields.pop("kind", ContactKind.PERSON)
    return create_contact(db, Actor.command_line(), ContactDraft(kind=kind, name=name,
                                                                 **fields)).id


def people(db, count: int, prefix: str = "参加者") -> list[int]:  # type: ignore[no-untyped-def]
    return [person(db, f"{prefix}{n:03d}") for n in range(1, count + 1)]
