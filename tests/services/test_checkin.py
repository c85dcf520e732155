"""At the door (出席確認): three outcomes — checked in, already checked in, refused with nothing
changed — by receipt code or by name, per session, and walk-ins, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError
from kyodo_desk.models import Attendance
from kyodo_desk.services.events.checkin import CheckInOutcome, check_in, check_in_by_code, walk_in
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    list_registrations,
    sign_up,
    update_sign_up,
)
from tests.event_fixtures import make_event, person

OK, ALREADY, REFUSED = CheckInOutcome.CHECKED_IN, CheckInOutcome.ALREADY, CheckInOutcome.REFUSED


def _attendances(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Attendance))


def test_a_scanned_receipt_checks_in_once(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"])
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), party_size=2)
                  ).registration
    session_id = event.sessions[0].id
    first = check_in_by_code(db, actor, session_id, reg.ticket.text(),
                             now=datetime(2026, 12, 5, 1, 5, tzinfo=UTC))
    assert first.outcome is OK and first.message == "山田太郎さん（2名）を出席にしました。"
    again = check_in_by_code(db, actor, session_id, reg.ticket.text())
    assert again.outcome is ALREADY
    assert "10:05に出席済み" in again.message and actor.name in again.message
    # The door says 出席, never 受付: that word is the accepting of a sign-up, before the day.
    assert "受付" not in "".join((first.outcome.value, first.message, again.outcome.value,
                                  again.message))
    assert _attendances(db) == 1
    assert list_registrations(db, actor, event.id)[0].attended_session_ids == (session_id,)


def test_refusals_change_nothing(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=1)
    other = make_event(db, facilities["west"], title="市民協働ミーティング")
    seated = sign_up(db, actor, event.id, SignUpDraft(person(db, "一郎"))).registration
    waiting = sign_up(db, actor, event.id, SignUpDraft(person(db, "二郎"))).registration
    elsewhere = sign_up(db, actor, other.id, SignUpDraft(person(db, "三郎"))).registration
    session_id = event.sessions[0].id
    forged = seated.ticket.text()[:-4] + "AAAA"
    cases = {
        "4901234567894": "協働デスクの受付票のものではありません",
        forged: "登録されていません",
        elsewhere.ticket.text(): "別のイベント「市民協働ミーティング」",
        waiting.ticket.text(): "キャンセル待ち1番",
    }
    for scanned, words in cases.items():
        result = check_in_by_code(db, actor, session_id, scanned)
        assert result.outcome is REFUSED and words in result.message
    cancel_registration(db, actor, seated.id)
    result = check_in_by_code(db, actor, session_id, seated.ticket.text())
    assert result.outcome is REFUSED and "キャンセルされています" in result.message
    assert _attendances(db) == 0


def test_each_session_of_a_course_is_checked_in_on_its_own(db, actor, facilities) -> None:
    event = make_event(db, facilities["salon"], session_count=3)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"))).registration
    first, _, third = (s.id for s in event.sessions)
    assert check_in(db, actor, reg.id, first).outcome is OK
    assert check_in(db, actor, reg.id, third).outcome is OK
    assert check_in(db, actor, reg.id, first).outcome is ALREADY
    assert list_registrations(db, actor, event.id)[0].attended_session_ids == (first, third)


def test_a_walk_in_is_added_while_seats_remain(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=2)
    session_id = event.sessions[0].id
    came = walk_in(db, actor, session_id, SignUpDraft(person(db, "当日一郎")))
    assert came.outcome is OK and came.registration.walk_in
    sign_up(db, actor, event.id, SignUpDraft(person(db, "予約二郎")))
    with pytest.raises(UserError, match="満席のため、当日参加はできません"):
        walk_in(db, actor, session_id, SignUpDraft(person(db, "当日三郎")))
    assert [r.contact_name for r in list_registrations(db, actor, event.id)] == [
        "当日一郎", "予約二郎"]


def test_each_check_in_is_a_change_of_the_sign_up_and_returns_it_as_it_now_is(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    """A form opened before a check-in is refused instead of saving over it; the sign-up a
    check-in returns carries the new version, so a change made from it is no conflict."""
    event = make_event(db, facilities["salon"], session_count=2)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"))).registration
    first, second = (s.id for s in event.sessions)
    on_first = check_in(db, actor, reg.id, first).registration
    on_second = check_in(db, actor, reg.id, second).registration  # already 出席: only a row
    assert reg.version < on_first.version < on_second.version
    with pytest.raises(UserError, match="他の窓口で変更されました"):
        update_sign_up(db, actor, reg.id, on_first.version,
                       replace(on_first.as_draft(), notes="車いすを使用"))
    changed = update_sign_up(db, actor, reg.id, on_second.version,
                             replace(on_second.as_draft(), notes="車いすを使用")).registration
    assert changed.notes == "車いすを使用" and changed.attended_session_ids == (first, second)
