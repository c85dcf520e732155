"""The demo events (架空のイベント): the seed's events, with full courses and waitlists."""

from __future__ import annotations

from datetime import date

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.demo.events import add_demo_events
from kyodo_desk.services.events import get_event, list_events
from kyodo_desk.services.events.answers import event_answers
from kyodo_desk.services.events.lottery import lottery_result, verify_lottery
from kyodo_desk.services.events.registrations import list_registrations


def test_demo_events_fill_the_course_and_leave_a_waitlist(db, admin) -> None:
    assert add_demo_events(db, Actor.command_line(), today=date(2026, 11, 25)) == 7
    events = {e.title: e for e in list_events(db, admin)}
    course = get_event(db, admin, events["つむぎすと講座"].id)
    assert len(course.sessions) == 3
    assert 18 < course.seats.taken <= 20 and course.seats.waiting_parties > 0
    festa = events["市民活動フェスタ"]
    exhibitors = list_registrations(db, admin, festa.id)
    assert get_event(db, admin, festa.id).has_booths
    assert exhibitors and all(r.is_group and r.booth_tables == 1 for r in exhibitors)
    assert events["東部市民サービスセンターまつり"].seats.capacity is None


def test_the_demo_cooking_class_was_drawn_and_its_applications_answered(db, admin) -> None:
    add_demo_events(db, Actor.command_line(), today=date(2026, 11, 25))
    cooking = next(e for e in list_events(db, admin) if "郷土料理" in e.title)
    result = lottery_result(db, admin, cooking.id)
    assert (len(result.drawn), len(result.waitlisted)) == (15, 6)
    assert verify_lottery(db, admin, cooking.id).matches
    answered = event_answers(db, admin, cooking.id)
    assert len(answered) == 21 and all(len(a) == 2 for a in answered.values())
