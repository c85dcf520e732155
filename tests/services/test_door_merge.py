"""The offline door (当日受付パック): a pack made, check-ins with no database, the journal
merged back once however often it is brought, conflicts listed and decided, on both
databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import (
    CheckInOutcome,
    DoorDecision,
    DoorOutcome,
    RegistrationStatus,
)
from kyodo_desk.models import Attendance, AuditEntry, Contact, DoorAct
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.door_crypto import DoorFileError
from kyodo_desk.services.events.door_format import journal_path
from kyodo_desk.services.events.door_merge import (
    decide_door_conflict,
    door_conflicts,
    merge_door_journal,
)
from kyodo_desk.services.events.door_offline import OfflineDoor, WalkIn
from kyodo_desk.services.events.door_pack import save_door_pack
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    list_registrations,
    sign_up,
)
from tests.event_fixtures import make_event, person

PASSWORD = "kyodo-door-2026"
AT_DOOR = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 10:00 in Japan


def _count(db, what) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(what))


def _door(db, actor, tmp_path: Path, event_id: int) -> tuple[OfflineDoor, Path]:  # type: ignore[no-untyped-def]
    pack = tmp_path / "door.kyodo-door"
    save_door_pack(db, actor, event_id, pack, PASSWORD)
    return OfflineDoor.open(pack, PASSWORD, "入口 花子"), pack


def test_round_trip_applies_each_act_once(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=5)
    regs = [sign_up(db, actor, event.id, SignUpDraft(person(db, f"参加者{n}"))).registration
            for n in range(3)]
    door, pack = _door(db, actor, tmp_path, event.id)
    session_id = event.sessions[0].id
    first = door.check_in_by_code(session_id, regs[0].ticket.text(), now=AT_DOOR)
    assert first.outcome is CheckInOutcome.CHECKED_IN and first.message == "参加者0さんを出席にしました。"
    again = door.check_in(session_id, regs[0].id)
    assert again.outcome is CheckInOutcome.ALREADY and "10:00に出席済みです（入口 花子）" in again.message
    assert door.check_in(session_id, regs[1].id, now=AT_DOOR).outcome is CheckInOutcome.CHECKED_IN
    walked = door.walk_in(session_id, WalkIn("当日 一郎", "とうじつ いちろう", party_size=2),
                          now=AT_DOOR)
    assert walked.outcome is CheckInOutcome.CHECKED_IN and door.seats_left() == 0
    door.close()

    report = merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    assert (report.applied, report.already, report.conflicts) == (3, 0, 0)
    by_name = {r.contact_name: r for r in list_registrations(db, actor, event.id)}
    assert by_name["参加者0"].status is RegistrationStatus.ATTENDED
    assert by_name["参加者2"].status is RegistrationStatus.CONFIRMED
    assert by_name["当日 一郎"].walk_in and by_name["当日 一郎"].party_size == 2
    assert by_name["当日 一郎"].attended_session_ids == (session_id,)
    with db.reading(None) as session:
        stamps = {(a.checked_in_by, a.checked_in_at.replace(tzinfo=UTC))
                  for a in session.scalars(select(Attendance))}
    assert stamps == {("入口 花子", AT_DOOR)}

    twice = merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    assert (twice.applied, twice.already, twice.conflicts) == (0, 3, 0)
    assert _count(db, Attendance) == 3 and _count(db, DoorAct) == 3


def test_reopening_continues_from_the_journal(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=3)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"))).registration
    door, pack = _door(db, actor, tmp_path, event.id)
    session_id = event.sessions[0].id
    door.check_in(session_id, reg.id, now=AT_DOOR)
    door.walk_in(session_id, WalkIn("佐藤次郎"))
    door.close()  # as if the laptop had been switched off
    with open(journal_path(pack), "ab") as torn:  # and a record had been half written
        torn.write(b"\x00\x00\x01\x00garbage")
    reopened = OfflineDoor.open(pack, PASSWORD, "入口 次郎")
    assert reopened.check_in(session_id, reg.id).outcome is CheckInOutcome.ALREADY
    assert reopened.seats_left() == 1 and reopened.acts == 2
    reopened.close()
    assert merge_door_journal(db, actor, journal_path(pack), PASSWORD).applied == 2


def test_refusals_at_the_offline_door(db, actor, facilities, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=1)
    other = make_event(db, facilities["west"], title="別のイベント")
    seated = sign_up(db, actor, event.id, SignUpDraft(person(db, "一郎"))).registration
    waiting = sign_up(db, actor, event.id, SignUpDraft(person(db, "二郎"))).registration
    gone = sign_up(db, actor, event.id, SignUpDraft(person(db, "三郎"))).registration
    cancel_registration(db, actor, gone.id)
    elsewhere = sign_up(db, actor, other.id, SignUpDraft(person(db, "四郎"))).registration
    door, _pack = _door(db, actor, tmp_path, event.id)
    session_id = event.sessions[0].id
    cases = {
        "4901234567894": "協働デスクの受付票のものではありません",
        elsewhere.ticket.text(): "別のイベントの受付票です",
        seated.ticket.text()[:-4] + "AAAA": "登録されていません",
        waiting.ticket.text(): "二郎さんはキャンセル待ち1番で",
        gone.ticket.text(): "三郎さんの申込はキャンセルされています",
    }
    for scanned, reason in cases.items():
        answer = door.check_in_by_code(session_id, scanned)
        assert answer.outcome is CheckInOutcome.REFUSED and reason in answer.message
    full = door.walk_in(session_id, WalkIn("五郎"))
    assert full.outcome is CheckInOutcome.REFUSED and "満席のため" in full.message
    assert door.acts == 0
    door.close()


def test_conflicts_are_listed_and_decided(db, actor, admin, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=3)
    regs = [sign_up(db, actor, event.id, SignUpDraft(person(db, f"参加者{n}"))).registration
            for n in range(2)]
    door, pack = _door(db, actor, tmp_path, event.id)
    session_id = event.sessions[0].id
    later = AT_DOOR + timedelta(minutes=30)
    door.check_in(session_id, regs[0].id, now=AT_DOOR)  # also checked in at a counter, later
    door.check_in(session_id, regs[1].id, now=AT_DOOR)  # cancelled at a counter meanwhile
    door.walk_in(session_id, WalkIn("当日 花子"), now=AT_DOOR)  # the last seat
    door.close()
    check_in(db, actor, regs[0].id, session_id, now=later)
    cancel_registration(db, actor, regs[1].id)
    sign_up(db, actor, event.id, SignUpDraft(person(db, "窓口 太郎")))  # takes that seat
    sign_up(db, actor, event.id, SignUpDraft(person(db, "窓口 次郎")))  # and the last one

    report = merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    assert (report.applied, report.conflicts) == (0, 3)
    listed = door_conflicts(db, actor, event.id)
    assert [(c.outcome, c.name) for c in listed] == [
        (DoorOutcome.BOTH, "参加者0"), (DoorOutcome.CANCELLED, "参加者1"),
        (DoorOutcome.FULL, "当日 花子")]
    both, cancelled, full = listed
    assert both.counter_by == actor.name

    decide_door_conflict(db, actor, both.id, both.version, accept=True)
    with db.reading(None) as session:
        kept = session.scalars(select(Attendance).where(
            Attendance.registration_id == regs[0].id)).one()
    assert kept.checked_in_at.replace(tzinfo=UTC) == AT_DOOR and kept.checked_in_by == "入口 花子"

    decide_door_conflict(db, actor, cancelled.id, cancelled.version, accept=True)
    after = {r.id: r for r in list_registrations(db, actor, event.id)}
    assert after[regs[1].id].status is RegistrationStatus.CANCELLED
    assert after[regs[1].id].attended_session_ids == (session_id,)

    with pytest.raises(UserError, match="まだ満席"):  # never an overbooking
        decide_door_conflict(db, actor, full.id, full.version, accept=True)
    decide_door_conflict(db, admin, full.id, full.version, accept=False)
    assert door_conflicts(db, actor, event.id) == []
    with db.reading(None) as session:
        decisions = {a.outcome: a.decision for a in session.scalars(select(DoorAct))}
    assert decisions == {DoorOutcome.BOTH: DoorDecision.ACCEPTED,
                         DoorOutcome.CANCELLED: DoorDecision.ACCEPTED,
                         DoorOutcome.FULL: DoorDecision.SET_ASIDE}
    with pytest.raises(UserError, match="他の窓口で判断されました"):
        decide_door_conflict(db, actor, full.id, full.version, accept=True)


def test_a_full_walk_in_is_accepted_once_a_seat_is_free(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=1)
    door, pack = _door(db, actor, tmp_path, event.id)
    session_id = event.sessions[0].id
    door.walk_in(session_id, WalkIn("当日 花子", phone="018-888-1234"), now=AT_DOOR)
    door.close()
    taken = sign_up(db, actor, event.id, SignUpDraft(person(db, "窓口 太郎"))).registration
    merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    [full] = door_conflicts(db, actor, event.id)
    assert full.outcome is DoorOutcome.FULL
    cancel_registration(db, actor, taken.id)
    assert decide_door_conflict(db, actor, full.id, full.version, accept=True) \
        is DoorOutcome.APPLIED
    walked = [r for r in list_registrations(db, actor, event.id) if r.walk_in]
    assert [(r.contact_name, r.contact_phone, r.attended_session_ids) for r in walked] == [
        ("当日 花子", "018-888-1234", (session_id,))]
    with db.reading(None) as session:
        act = session.scalars(select(DoorAct)).one()
    assert act.walk_in_phone == "" and act.registration_id == walked[0].id


def test_unknown_sign_up_can_only_be_set_aside(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"))).registration
    door, pack = _door(db, actor, tmp_path, event.id)
    door.check_in(event.sessions[0].id, reg.id, now=AT_DOOR)
    door.close()
    with db.writing(actor) as session:  # gone since (erased with its contact, say)
        session.execute(Attendance.__table__.delete())
        from kyodo_desk.models import Registration
        session.delete(session.get(Registration, reg.id))
    assert merge_door_journal(db, actor, journal_path(pack), PASSWORD).conflicts == 1
    [gone] = door_conflicts(db, actor, event.id)
    assert gone.outcome is DoorOutcome.UNKNOWN
    with pytest.raises(UserError, match="反映しない"):
        decide_door_conflict(db, actor, gone.id, gone.version, accept=True)
    decide_door_conflict(db, actor, gone.id, gone.version, accept=False)


def test_a_walk_in_who_is_a_known_contact_is_not_registered_again(db, actor,
                                                                  tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id)
    known = person(db, "秋田 花子", reading="あきた はなこ", phone="018-888-1234")
    door, pack = _door(db, actor, tmp_path, event.id)
    door.walk_in(event.sessions[0].id, WalkIn("秋田花子", "アキタ ハナコ", "0188881234"))
    door.walk_in(event.sessions[0].id, WalkIn("秋田 花子", "あきた はなこ", "018-823-4567"))
    door.close()
    before = _count(db, Contact)
    merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    regs = list_registrations(db, actor, event.id)
    assert regs[0].contact_id == known  # same name and phone: the same person
    assert _count(db, Contact) == before + 1  # another phone: another person


def test_wrong_password_and_damaged_files_are_refused(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id)
    door, pack = _door(db, actor, tmp_path, event.id)
    door.close()
    with pytest.raises(DoorFileError, match="パスワードが違うか"):
        OfflineDoor.open(pack, "wrong-password", "入口")
    with pytest.raises(DoorFileError, match="パスワードが違うか"):
        merge_door_journal(db, actor, journal_path(pack), "wrong-password")
    data = bytearray(pack.read_bytes())
    data[-5] ^= 1
    pack.write_bytes(bytes(data))
    with pytest.raises(DoorFileError, match="壊れています"):
        OfflineDoor.open(pack, PASSWORD, "入口")
    with pytest.raises(DoorFileError, match="当日受付パックではありません"):
        OfflineDoor.open(tmp_path / "x", PASSWORD, "入口") if (tmp_path / "x").write_bytes(
            b"PK\x03\x04 a zip file") else None
    with pytest.raises(UserError, match="8文字以上"):
        save_door_pack(db, actor, event.id, tmp_path / "short", "1234567")


def test_the_pack_holds_no_phone_notes_or_answers(db, actor, tmp_path: Path) -> None:
    from kyodo_desk.services.events.door_crypto import read_sealed

    event = make_event(db, actor.facility_id)
    contact = person(db, "山田太郎", phone="018-866-7777", address="秋田市山王一丁目1-1")
    sign_up(db, actor, event.id, SignUpDraft(contact, notes="車いすで来場"))
    pack = tmp_path / "door.kyodo-door"
    save_door_pack(db, actor, event.id, pack, PASSWORD)
    assert "山田太郎".encode() not in pack.read_bytes()  # sealed
    plain = read_sealed(pack, PASSWORD).decode("utf-8")
    assert "山田太郎" in plain
    for secret in ("018-866-7777", "0188667777", "山王", "車いす"):
        assert secret not in plain


def test_pack_and_merge_are_audited_without_contents(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"))).registration
    door, pack = _door(db, actor, tmp_path, event.id)
    door.check_in(event.sessions[0].id, reg.id)
    door.walk_in(event.sessions[0].id, WalkIn("当日 花子", phone="018-888-1234"))
    door.close()
    merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    with db.reading(None) as session:
        rows = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(["door_pack", "door_merge"])).order_by(AuditEntry.id)))
        acts = list(session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "door_acts")))
    assert [(r.action, r.actor, r.record_id) for r in rows] == [
        ("door_pack", actor.name, event.id), ("door_merge", actor.name, event.id)]
    assert rows[0].changes == {"sign_ups": 1}
    assert rows[1].changes == {"acts": 2, "applied": 2, "already": 0, "conflicts": 0}
    assert len(acts) == 2  # every act has its own row in the log
    assert "山田太郎" not in str(rows) + str([a.changes for a in acts])
