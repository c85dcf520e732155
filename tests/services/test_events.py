"""Events (イベント): validation naming each field, capacity changes under the seat lock,
copying for next year, the list and the month calendar, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from kyodo_desk.domain.errors import ConcurrentEdit, ValidationError
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services import events as svc
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.events.registrations import SignUpDraft, list_registrations, sign_up
from tests.event_fixtures import TODAY, event_draft, make_event, people


def _fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_an_officer_creates_a_course_of_several_sessions_in_date_order(db, accounts_by_login,
                                                                       facilities) -> None:
    officer = accounts_by_login["officer"]
    first = TODAY + timedelta(days=20)
    draft = event_draft(facilities["salon"], kind=EventKind.TSUMUGIST, title="つむぎすと講座",
                        title_reading="つむぎすとこうざ", contact_phone="０１８８８８５６４０",
                        sessions=(SessionDraft(first + timedelta(weeks=1), time(13), time(15)),
                                  SessionDraft(first, time(13), time(15))))
    event = svc.create_event(db, officer, draft)
    assert [s.held_on for s in event.sessions] == [first, first + timedelta(weeks=1)]
    assert event.contact_phone == "018-888-5640"
    assert event.seats.label() == "0/10名（残り10）"
    assert event.venue_name == "秋田市市民交流サロン"


def test_counter_staff_may_not_create_events(db, actor, facilities) -> None:
    with pytest.raises(PermissionDenied):
        svc.create_event(db, actor, event_draft(facilities["east"]))


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"title": " "}, "title", "イベント名"),
    ({"sessions": ()}, "sessions", "開催日"),
    ({"sessions": (SessionDraft(TODAY, time(15), time(13)),)}, "sessions", "終了時刻"),
    ({"capacity": 0}, "capacity", "定員"),
    ({"fee": -500}, "fee", "参加費"),
    ({"signup_opens_on": TODAY, "signup_closes_on": TODAY - timedelta(days=1)},
     "signup_closes_on", "受付開始日より前"),
    ({"signup_closes_on": TODAY + timedelta(days=60)}, "signup_closes_on", "最終開催日"),
    ({"venue_facility_id": None, "venue_name": ""}, "venue", "会場"),
    ({"title_reading": "Seminar"}, "title_reading", "ひらがなかカタカナ"),
])
def test_bad_input_names_the_field_and_saves_nothing(db, admin, facilities, fields, field,
                                                     words) -> None:
    with pytest.raises(ValidationError) as exc:
        svc.create_event(db, admin, event_draft(facilities["east"], **fields))
    assert field in _fields(exc)
    assert words in exc.value.for_field(field)
    assert svc.list_events(db, admin) == []


def test_capacity_below_the_seats_taken_is_refused_and_nothing_changes(db, admin,
                                                                      facilities) -> None:
    event = make_event(db, facilities["east"], capacity=5)
    for contact_id in people(db, 4):
        sign_up(db, admin, event.id, SignUpDraft(contact_id))
    with pytest.raises(ValidationError) as exc:
        svc.update_event(db, admin, event.id, event.version,
                         replace(event.as_draft(), capacity=3))
    assert "すでに4名" in exc.value.for_field("capacity")
    assert svc.get_event(db, admin, event.id).capacity == 5


def test_raising_the_capacity_moves_the_waitlist_up(db, admin, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=2)
    for contact_id in people(db, 4):
        sign_up(db, admin, event.id, SignUpDraft(contact_id))
    event = svc.get_event(db, admin, event.id)
    assert event.seats.waiting_parties == 2
    changed = svc.update_event(db, admin, event.id, event.version,
                               replace(event.as_draft(), capacity=3))
    assert changed.seats.label() == "3/3名（残り0）・キャンセル待ち1組"
    promoted = [r for r in list_registrations(db, admin, event.id) if r.awaiting_call]
    assert [r.contact_name for r in promoted] == ["参加者003"]


def test_a_stale_version_is_refused(db, admin, facilities) -> None:
    event = make_event(db, facilities["east"])
    svc.update_event(db, admin, event.id, event.version,
                     replace(event.as_draft(), title="変更後"))
    with pytest.raises(ConcurrentEdit):
        svc.update_event(db, admin, event.id, event.version,
                         replace(event.as_draft(), title="古い画面から"))


def test_copy_for_next_year_keeps_the_weekday_and_counts_the_years_up(db, admin,
                                                                     facilities) -> None:
    day = date(2026, 12, 5)  # a Saturday
    event = svc.create_event(db, admin, event_draft(
        facilities["east"], title="令和8年度 市民活動フェスタ2026", kind=EventKind.FESTA,
        sessions=(SessionDraft(day, time(10), time(15)),), signup_opens_on=date(2026, 10, 1),
        signup_closes_on=date(2026, 11, 20), has_booths=True, cancelled=True))
    draft = svc.copy_for_next_year(db, admin, event.id)
    assert draft.title == "令和9年度 市民活動フェスタ2027"
    assert draft.sessions[0].held_on == date(2027, 12, 4)
    assert draft.sessions[0].held_on.weekday() == day.weekday()
    assert draft.signup_opens_on == date(2027, 9, 30) and draft.has_booths
    assert not draft.cancelled
    assert len(svc.list_events(db, admin)) == 1  # nothing saved until the form is saved


def test_list_finds_by_folded_title_and_by_period(db, admin, facilities) -> None:
    soon = make_event(db, facilities["east"], title="市民協働ミーティング", days=3)
    later = make_event(db, facilities["west"], title="ｾﾐﾅｰ 2027", days=200)
    assert [e.id for e in svc.list_events(db, admin, query="みーてぃんぐ")] == [soon.id]
    assert [e.id for e in svc.list_events(db, admin, query="セミナー")] == [later.id]
    assert [e.id for e in svc.list_events(db, admin)] == [soon.id, later.id]
    until = TODAY + timedelta(days=30)
    assert [e.id for e in svc.list_events(db, admin, end=until)] == [soon.id]
    assert [e.id for e in svc.list_events(db, admin, facility_id=facilities["west"])] == [
        later.id]


def test_the_month_calendar_lists_every_session(db, admin, facilities) -> None:
    course = svc.create_event(db, admin, event_draft(
        facilities["salon"], title="つむぎすと講座", signup_opens_on=None, signup_closes_on=None,
        sessions=(SessionDraft(date(2026, 12, 5)), SessionDraft(date(2026, 12, 19), time(9)),
                  SessionDraft(date(2027, 1, 9)))))
    december = svc.calendar_month(db, admin, 2026, 12)
    assert [(c.held_on.day, c.event_id) for c in december] == [(5, course.id), (19, course.id)]
    assert [c.held_on for c in svc.calendar_month(db, admin, 2027, 1)] == [date(2027, 1, 9)]
    # A day the course skips lists it no more than a day outside it.
    assert [e.id for e in svc.list_events(db, admin, meeting_on=date(2026, 12, 19))] == [
        course.id]
    assert svc.list_events(db, admin, meeting_on=date(2026, 12, 12)) == []


def test_a_session_with_attendance_cannot_be_dropped(db, admin, facilities) -> None:
    from kyodo_desk.services.events.checkin import check_in

    event = make_event(db, facilities["salon"], session_count=2)
    [contact] = people(db, 1)
    reg = sign_up(db, admin, event.id, SignUpDraft(contact)).registration
    check_in(db, admin, reg.id, event.sessions[0].id)
    draft = event.as_draft()
    moved = (replace(draft.sessions[0], held_on=draft.sessions[0].held_on + timedelta(days=1)),
             draft.sessions[1])
    with pytest.raises(ValidationError, match="出席を記録した開催日は削除できません"):
        svc.update_event(db, admin, event.id, event.version, replace(draft, sessions=moved))
    relabelled = (replace(draft.sessions[0], label="基礎編"), draft.sessions[1])
    kept = svc.update_event(db, admin, event.id, event.version,
                            replace(draft, sessions=relabelled))
    assert kept.sessions[0].id == event.sessions[0].id and kept.sessions[0].label == "基礎編"
