"""Sign-ups (申込): seats counted by party size, the waitlist and its rules, cancellations that
move it up, duplicates across width and kana, the sign-up window, booths — on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.events import QueueRule, RegistrationStatus
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.models import AuditEntry, Registration
from kyodo_desk.services.events import get_event
from kyodo_desk.services.events import registrations as svc
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft
from tests.event_fixtures import TODAY, make_event, people, person
from tests.services.test_registration_concurrency import add_people

S = RegistrationStatus


def _statuses(db, actor, event_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r.contact_name, r.status_label) for r in svc.list_registrations(db, actor, event_id)]


def test_capacity_counts_party_sizes_and_the_rest_wait_in_order(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=5)
    a, b, c, d = (person(db, n) for n in ("秋田一郎", "秋田二郎", "秋田三郎", "秋田四郎"))
    first = svc.sign_up(db, actor, event.id, SignUpDraft(a, party_size=3))
    assert first.message == "受付済です（残り2席）。受付番号 1"
    assert svc.sign_up(db, actor, event.id, SignUpDraft(b, party_size=2)).registration.status \
        is S.CONFIRMED
    third = svc.sign_up(db, actor, event.id, SignUpDraft(c))
    assert third.message.startswith("満席のため、キャンセル待ち1番目")
    svc.sign_up(db, actor, event.id, SignUpDraft(d))
    assert _statuses(db, actor, event.id) == [
        ("秋田一郎", "受付済"), ("秋田二郎", "受付済"), ("秋田三郎", "キャンセル待ち1番"),
        ("秋田四郎", "キャンセル待ち2番")]
    assert get_event(db, actor, event.id).seats.label() == "5/5名（残り0）・キャンセル待ち2組"


@pytest.mark.parametrize("size", [0, 500])
def test_a_party_of_0_or_500_is_refused(db, actor, facilities, size: int) -> None:
    event = make_event(db, facilities["east"])
    with pytest.raises(ValidationError) as exc:
        svc.sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), party_size=size))
    assert "1～50名" in exc.value.for_field("party_size")
    assert svc.list_registrations(db, actor, event.id) == []


def test_a_party_larger_than_the_capacity_is_refused(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=4)
    with pytest.raises(ValidationError, match="定員（4名）を超える"):
        svc.sign_up(db, actor, event.id, SignUpDraft(person(db, "団体A"), party_size=6))


def _reads_of_one_sign_up(db, actor, event_id: int, contact_id: int) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Every SELECT one sign-up runs, with how many rows it returns (run again afterwards on
    another connection: the event is as full as the sign-up saw it, but one)."""
    ran: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        svc.sign_up(db, actor, event_id, SignUpDraft(contact_id))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    with db.engine.connect() as conn:
        reads = [(statement, len(conn.exec_driver_sql(statement, parameters).all()))
                 for statement, parameters in ran]
        if db.backend.is_sqlite:  # and none reads the whole table of sign-ups
            for statement, parameters in ran:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                assert not [p for p in plan if p[-1].startswith("SCAN registrations")], statement
        conn.rollback()
    return reads


def test_a_sign_up_reads_a_handful_of_rows_however_full_the_event_is(db, actor,
                                                                     facilities) -> None:
    """The duplicate check looks the name, reading and phone up in the event's indexes; the
    seats are counted by an aggregate; the answer is made from what is in hand."""
    empty, full = (make_event(db, facilities["east"], capacity=5) for _ in range(2))
    contacts = add_people(db, "満席の講座", 62)
    for contact_id in contacts[:60]:
        svc.sign_up(db, actor, full.id, SignUpDraft(contact_id))
    first = _reads_of_one_sign_up(db, actor, empty.id, contacts[60])
    late = _reads_of_one_sign_up(db, actor, full.id, contacts[61])
    assert [statement for statement, _ in late] == [statement for statement, _ in first]
    assert max(rows for _, rows in late) <= len(S), late  # a row per status at most


def test_the_same_contact_twice_is_refused(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"])
    contact = person(db, "山田太郎")
    svc.sign_up(db, actor, event.id, SignUpDraft(contact))
    with pytest.raises(svc.DuplicateSignUp, match="受付番号 1・受付済"):
        svc.sign_up(db, actor, event.id, SignUpDraft(contact, party_size=2))
    assert len(svc.list_registrations(db, actor, event.id)) == 1


@pytest.mark.parametrize(("first", "second"), [
    ({"name": "山田 太郎"}, {"name": "山田　太郎"}),
    ({"name": "山田太郎", "reading": "やまだたろう"}, {"name": "ﾔﾏﾀﾞﾀﾛｳ"}),
    ({"name": "佐藤花子", "phone": "018-888-5640"}, {"name": "佐藤 はな子", "phone": "0188885640"}),
])
def test_a_likely_duplicate_across_width_and_kana_asks_first(db, actor, facilities, first,
                                                              second) -> None:
    event = make_event(db, facilities["east"])
    svc.sign_up(db, actor, event.id, SignUpDraft(person(db, **first)))
    other = person(db, **second)
    with pytest.raises(svc.SimilarSignUp) as exc:
        svc.sign_up(db, actor, event.id, SignUpDraft(other))
    assert exc.value.existing.queue_number == 1
    assert "別の方として受け付ける" in exc.value.message
    accepted = svc.sign_up(db, actor, event.id, SignUpDraft(other), allow_similar=True)
    assert accepted.registration.queue_number == 2


def test_a_cancelled_sign_up_does_not_count_as_a_duplicate(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"])
    contact = person(db, "山田太郎")
    first = svc.sign_up(db, actor, event.id, SignUpDraft(contact)).registration
    svc.cancel_registration(db, actor, first.id)
    again = svc.sign_up(db, actor, event.id, SignUpDraft(contact)).registration
    assert again.status is S.CONFIRMED and again.queue_number == 2


def test_outside_the_window_only_an_officer_may_accept_and_it_is_audited(
        db, actor, accounts_by_login, facilities) -> None:
    event = make_event(db, facilities["east"], signup_opens_on=TODAY + timedelta(days=2))
    contact = person(db, "山田太郎")
    with pytest.raises(svc.OutsideSignUpWindow, match="受付開始は"):
        svc.sign_up(db, actor, event.id, SignUpDraft(contact))
    with pytest.raises(PermissionDenied):
        svc.sign_up(db, actor, event.id, SignUpDraft(contact), override_window=True)
    assert svc.list_registrations(db, actor, event.id) == []
    officer = accounts_by_login["officer"]
    done = svc.sign_up(db, officer, event.id, SignUpDraft(contact), override_window=True)
    with db.reading(None) as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "override")).one()
    assert entry.record_id == done.registration.id and entry.actor == officer.name
    assert "受付開始は" in entry.changes["window"]


def test_a_cancelled_event_takes_no_sign_ups(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], cancelled=True)
    with pytest.raises(UserError, match="中止"):
        svc.sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎")))


def test_a_cancellation_promotes_the_first_waiting_and_says_whom_to_call(db, actor,
                                                                        facilities) -> None:
    event = make_event(db, facilities["east"], capacity=2, offer_hold_hours=24)
    ids = [person(db, n, phone=p) for n, p in
           (("一郎", ""), ("二郎", ""), ("三郎", "018-866-2345"), ("四郎", ""))]
    regs = [svc.sign_up(db, actor, event.id, SignUpDraft(i)).registration for i in ids]
    result = svc.cancel_registration(db, actor, regs[0].id)
    assert result.registration.status is S.CANCELLED
    [promoted] = result.moved.promoted
    assert promoted.contact_name == "三郎" and promoted.awaiting_call
    assert promoted.offer_until - promoted.promoted_at == timedelta(hours=24)
    assert "三郎（1名・018-866-2345）" in result.moved.message()
    assert _statuses(db, actor, event.id)[-2:] == [("四郎", "キャンセル待ち1番"),
                                                   ("一郎", "キャンセル")]
    with pytest.raises(UserError, match="すでにキャンセル"):
        svc.cancel_registration(db, actor, regs[0].id)


def test_strict_order_keeps_a_large_party_at_the_head_and_says_why(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=3, rule=QueueRule.STRICT)
    a, b, c = (person(db, n) for n in ("甲", "乙", "丙"))
    first = svc.sign_up(db, actor, event.id, SignUpDraft(a, party_size=3)).registration
    svc.sign_up(db, actor, event.id, SignUpDraft(b, party_size=3))
    svc.sign_up(db, actor, event.id, SignUpDraft(c, party_size=1))
    smaller = svc.update_sign_up(db, actor, first.id, first.version,
                                 SignUpDraft(a, party_size=1))
    assert smaller.moved.promoted == ()
    assert "3名の組" in smaller.moved.message()
    assert [s for _, s in _statuses(db, actor, event.id)] == [
        "受付済", "キャンセル待ち1番", "キャンセル待ち2番"]


def test_first_fit_moves_up_the_smaller_party_behind(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=3, rule=QueueRule.FIRST_FIT)
    a, b, c = (person(db, n) for n in ("甲", "乙", "丙"))
    first = svc.sign_up(db, actor, event.id, SignUpDraft(a, party_size=3)).registration
    svc.sign_up(db, actor, event.id, SignUpDraft(b, party_size=3))
    svc.sign_up(db, actor, event.id, SignUpDraft(c, party_size=1))
    moved = svc.update_sign_up(db, actor, first.id, first.version,
                               SignUpDraft(a, party_size=2)).moved
    assert [r.contact_name for r in moved.promoted] == ["丙"]


def test_growing_a_party_beyond_the_free_seats_is_refused(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=4)
    a, b = people(db, 2)
    reg = svc.sign_up(db, actor, event.id, SignUpDraft(a, party_size=2)).registration
    svc.sign_up(db, actor, event.id, SignUpDraft(b))
    with pytest.raises(ValidationError, match="空きが1席"):
        svc.update_sign_up(db, actor, reg.id, reg.version, SignUpDraft(a, party_size=4))
    assert get_event(db, actor, event.id).seats.taken == 3


def test_a_checked_in_party_grows_only_into_free_seats_and_none_beyond_the_capacity(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    """Found by the property test: a party checked in at the door could be made larger than
    the seats left (2 people in a 1-seat event), and a waiting one larger than the event (it
    would never be seated, and under 受付順 nobody behind it either)."""
    event = make_event(db, facilities["east"], capacity=5)
    a, b, c, d = people(db, 4)
    came = svc.sign_up(db, actor, event.id, SignUpDraft(a, party_size=2)).registration
    svc.sign_up(db, actor, event.id, SignUpDraft(b, party_size=2))
    waiting = svc.sign_up(db, actor, event.id, SignUpDraft(c, party_size=3)).registration
    came = check_in(db, actor, came.id, event.sessions[0].id).registration
    with pytest.raises(ValidationError, match="空きが1席"):
        svc.update_sign_up(db, actor, came.id, came.version, SignUpDraft(a, party_size=4))
    with pytest.raises(ValidationError, match="定員（5名）を超える"):
        svc.update_sign_up(db, actor, waiting.id, waiting.version, SignUpDraft(c, party_size=6))
    svc.update_sign_up(db, actor, came.id, came.version, SignUpDraft(a, party_size=3))
    assert get_event(db, actor, event.id).seats.label() == "5/5名（残り0）・キャンセル待ち1組"
    assert svc.sign_up(db, actor, event.id, SignUpDraft(d)).registration.status is S.WAITLISTED


def test_a_declined_offer_moves_the_next_up(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"], capacity=1)
    regs = [svc.sign_up(db, actor, event.id, SignUpDraft(i)).registration
            for i in people(db, 3)]
    offered = svc.cancel_registration(db, actor, regs[0].id).moved.promoted[0]
    declined = svc.record_offer_reply(db, actor, offered.id, accepted=False)
    assert [r.id for r in declined.moved.promoted] == [regs[2].id]
    kept = svc.record_offer_reply(db, actor, regs[2].id, accepted=True).registration
    assert kept.contacted_at is not None and not kept.awaiting_call


def test_jumping_the_queue_needs_free_seats_and_a_reason_which_is_audited(db, actor,
                                                                         facilities) -> None:
    event = make_event(db, facilities["east"], capacity=3, rule=QueueRule.STRICT)
    a, b, c = people(db, 3)
    first = svc.sign_up(db, actor, event.id, SignUpDraft(a, party_size=2)).registration
    svc.sign_up(db, actor, event.id, SignUpDraft(b, party_size=3))
    last = svc.sign_up(db, actor, event.id, SignUpDraft(c)).registration
    with pytest.raises(ValidationError, match="理由"):
        svc.promote_out_of_order(db, actor, last.id, " ")
    done = svc.promote_out_of_order(db, actor, last.id, "車いす席の確保のため")
    assert done.status is S.CONFIRMED
    with pytest.raises(UserError, match="キャンセル待ちの申込ではありません"):
        svc.promote_out_of_order(db, actor, first.id, "誤操作")
    with db.reading(None) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "queue_jump")).one()
    assert entry.changes["reason"] == "車いす席の確保のため"


def test_notes_are_kept_but_never_written_into_the_audit_log(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"])
    svc.sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), notes="車いすを使用"))
    [reg] = svc.list_registrations(db, actor, event.id)
    assert reg.notes == "車いすを使用"
    with db.reading(None) as session:
        logged = session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "registrations")).all()
    assert logged and all("車いす" not in str(e.changes) for e in logged)


def test_booth_numbers_are_given_once_and_allocated_in_arrival_order(db, actor,
                                                                    facilities) -> None:
    event = make_event(db, facilities["east"], has_booths=True, capacity=None)
    regs = [svc.sign_up(db, actor, event.id, SignUpDraft(i, booth_tables=1, booth_power=True))
            .registration for i in people(db, 3, "団体")]
    svc.assign_booth(db, actor, regs[1].id, "1")
    with pytest.raises(ValidationError, match="ブース番号「1」はすでに"):
        svc.assign_booth(db, actor, regs[0].id, "1")
    assert svc.allocate_booths(db, actor, event.id) == 2
    booths = {r.contact_name: r.booth_number for r in svc.list_registrations(db, actor, event.id)}
    assert booths == {"団体001": "2", "団体002": "1", "団体003": "3"}
    plain = make_event(db, facilities["east"])
    with pytest.raises(UserError, match="ブース出展を受け付けていません"):
        svc.allocate_booths(db, actor, plain.id)


def test_no_shows_are_marked_after_the_event(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"])
    for i in people(db, 2):
        svc.sign_up(db, actor, event.id, SignUpDraft(i))
    assert svc.mark_no_shows(db, actor, event.id) == 2
    assert {r.status for r in svc.list_registrations(db, actor, event.id)} == {S.NO_SHOW}
    assert get_event(db, actor, event.id).seats.taken == 2


def test_a_sign_up_is_audited_as_a_saved_record_is(db, actor, facilities) -> None:
    """A sign-up is inserted without an ORM object (a flush costs more than the row under the
    event's lock); its audit row must say what the flush of the same row would say."""
    event = make_event(db, facilities["east"], has_booths=True)
    contact = person(db, "山田太郎", reading="やまだ たろう", phone="0188001234")
    signed = svc.sign_up(db, actor, event.id, SignUpDraft(
        contact, party_size=2, notes="車いすを使用", booth_tables=1, booth_space="2m四方"))
    other = make_event(db, facilities["east"], has_booths=True)
    with db.writing(actor) as session:
        row = session.get(Registration, signed.registration.id)
        fields = {c.key: getattr(row, c.key) for c in Registration.__mapper__.column_attrs
                  if c.key not in ("id", "version", "created_at", "updated_at")}
        flushed = Registration(**{**fields, "event_id": other.id, "token": "flushed-row"})
        session.add(flushed)
        session.flush()
        flushed_id = flushed.id
    with db.reading(None) as session:
        logged = {e.record_id: e for e in session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "registrations", AuditEntry.action == "insert"))}
    core, orm = logged[signed.registration.id], logged[flushed_id]
    assert (core.actor, core.account_id) == (orm.actor, orm.account_id) == (
        "窓口 花子", actor.account_id)
    differ = {"id", "event_id", "token"}
    assert {k: v for k, v in core.changes.items() if k not in differ} == \
        {k: v for k, v in orm.changes.items() if k not in differ}
    assert core.changes["id"] == [None, signed.registration.id]
    assert core.changes["notes"] == [None, "********"]
    assert core.changes["party_size"] == [None, 2]
    assert signed.registration.version == row.version == 1
