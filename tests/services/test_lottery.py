"""The lottery (抽選) through the services, on both databases: applications until the closing
day, refusal between it and the draw, one draw (also when two counters draw at once), drawn
order kept on the waitlist, first come after the draw."""

from __future__ import annotations

import traceback
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kyodo_desk import cli, leaflets
from kyodo_desk.database import open_database
from kyodo_desk.database.audit_chain import verify
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.domain.lottery import Application, draw
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.models import AuditEntry, Event, Registration
from kyodo_desk.services.events import get_event
from kyodo_desk.services.events.lottery import (
    draw_lottery,
    lottery_result,
    lottery_state,
    verify_lottery,
)
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    get_registration,
    list_registrations,
    sign_up,
    update_sign_up,
)
from tests.event_fixtures import TODAY, make_event, people
from tests.leaflets import flat, text_of
from tests.two_processes import TIMEOUT, race

S = RegistrationStatus
DRAW_DAY = TODAY + timedelta(days=1)


def _lottery(db, facilities, capacity: int = 5):  # type: ignore[no-untyped-def]
    return make_event(db, facilities["east"], capacity=capacity, lottery_until=TODAY,
                      title="抽選の料理教室")


def _apply(db, actor, event_id: int, contacts: list[int], sizes: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
    return [sign_up(db, actor, event_id, SignUpDraft(c, party_size=n), today=TODAY)
            .registration.id for c, n in zip(contacts, sizes, strict=True)]


def test_until_the_closing_day_a_sign_up_is_an_application_without_a_seat(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    result = sign_up(db, actor, event.id, SignUpDraft(people(db, 1)[0], party_size=2),
                     today=TODAY)
    assert result.registration.status is S.APPLIED
    assert result.registration.status_label == "抽選待ち"
    assert result.message.startswith("抽選の申込を受け付けました（抽選は")
    assert "以降、結果は" in result.message and "受付番号 1" in result.message
    assert get_event(db, actor, event.id).seats.taken == 0


def test_after_the_closing_day_and_before_the_draw_a_sign_up_is_refused(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    with pytest.raises(UserError, match=r"抽選の申込は.*で締め切りました"):
        sign_up(db, actor, event.id, SignUpDraft(people(db, 1)[0]), today=DRAW_DAY)


def test_the_draw_is_refused_before_the_closing_day_has_passed_and_a_second_time(
        db, actor, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    _apply(db, actor, event.id, people(db, 3), [1, 1, 1])
    assert not lottery_state(db, actor, event.id).may_draw(TODAY)
    with pytest.raises(UserError, match="過ぎてから抽選できます"):
        draw_lottery(db, actor, event.id, today=TODAY)
    with pytest.raises(PermissionDenied):
        draw_lottery(db, actor, event.id, today=TODAY, early=True)
    draw_lottery(db, admin, event.id, today=TODAY, early=True)
    with pytest.raises(UserError, match="抽選は一度だけです"):
        draw_lottery(db, actor, event.id, today=DRAW_DAY)


def test_the_draw_seats_the_drawn_whole_and_waitlists_the_rest_in_drawn_order(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities, capacity=6)
    sizes = [2, 3, 1, 4, 2, 1, 3, 2]
    ids = _apply(db, actor, event.id, people(db, len(sizes)), sizes)
    state = lottery_state(db, actor, event.id)
    assert state.counts() == "申込8組18名・定員6名" and state.may_draw(DRAW_DAY)

    result = draw_lottery(db, actor, event.id, today=DRAW_DAY)

    # Anyone with the applications in 受付番号 order and the printed seed draws the same.
    again = draw([Application(i, n) for i, n in zip(ids, sizes, strict=True)], 6, result.seed)
    regs = {r.id: r for r in list_registrations(db, actor, event.id)}
    assert [regs[i].queue_number for i in again.confirmed] == \
        [e.queue_number for e in result.drawn]
    assert {regs[i].status for i in again.confirmed} == {S.CONFIRMED}
    assert sum(e.party_size for e in result.drawn) <= 6
    waiting = [r for r in list_registrations(db, actor, event.id) if r.status is S.WAITLISTED]
    assert [r.id for r in waiting] == list(again.waitlisted)
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    assert result.summary().startswith("申込8組18名・定員6名 → 当選")
    assert get_event(db, actor, event.id).lottery_drawn_at is not None
    assert lottery_result(db, actor, event.id) == result
    with db.reading(None) as session:
        stored = session.get(Event, event.id)
        assert stored is not None and stored.lottery_seed == result.seed
        assert stored.lottery_drawn_by == actor.name
        ranks = dict(session.execute(select(Registration.id, Registration.lottery_rank)
                                     .where(Registration.event_id == event.id)).all())
    assert ranks == again.ranks


def test_after_the_draw_a_freed_seat_goes_to_the_first_drawn_waiting_and_new_sign_ups_queue(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities, capacity=2)
    contacts = people(db, 6)
    _apply(db, actor, event.id, contacts[:5], [1] * 5)
    result = draw_lottery(db, actor, event.id, today=DRAW_DAY)
    late = sign_up(db, actor, event.id, SignUpDraft(contacts[5]), today=DRAW_DAY)
    assert late.registration.status is S.WAITLISTED
    assert late.message.startswith("満席のため、キャンセル待ち4番目")
    regs = list_registrations(db, actor, event.id)
    winner = next(r for r in regs if r.queue_number == result.drawn[0].queue_number)
    moved = cancel_registration(db, actor, winner.id).moved
    assert [p.queue_number for p in moved.promoted] == [result.waitlisted[0].queue_number]


def test_the_draw_is_one_audited_entry_with_the_seed_and_counts_and_no_names(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    _apply(db, actor, event.id, people(db, 3, prefix="抽選太郎"), [1, 2, 3])
    result = draw_lottery(db, actor, event.id, today=DRAW_DAY)
    with db.reading(None) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "lottery")).one()
    queue = sorted(e.queue_number for e in (*result.drawn, *result.waitlisted))
    assert entry.changes == {"lottery_seed": result.seed, "capacity": 5,
                             "drawn_from": [[q, n] for q, n in zip(queue, [1, 2, 3], strict=True)],
                             "applications": 3, "drawn": len(result.drawn),
                             "waitlisted": len(result.waitlisted)}
    assert entry.record_id == event.id
    assert "抽選太郎" not in str(entry.changes)


def _drawer(url: str, side: int, event_id: int, actor: Actor, barrier: Any, out: Any) -> None:
    """One counter's process: its own connection; draws when the other is ready too."""
    try:
        db = open_database(url)
        try:
            barrier.wait(timeout=TIMEOUT)
            try:
                draw_lottery.__wrapped__(db, actor, event_id, today=DRAW_DAY)  # type: ignore[attr-defined]
                seen = ("done", "")
            except UserError as exc:
                seen = ("refused", exc.message)
        finally:
            db.dispose()
    except BaseException:
        seen = ("error", traceback.format_exc())
    out.put((side, seen))


def test_two_counters_drawing_at_once_make_exactly_one_draw(
        db, database_url, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities, capacity=10)
    _apply(db, actor, event.id, people(db, 30), [1, 2, 3] * 10)
    db.dispose()  # the test's own connection stays out of the race

    seen = race(_drawer, database_url, event.id, actor)

    kinds = sorted(kind for kind, _ in seen.values())
    assert kinds == ["done", "refused"], seen
    assert any("抽選は一度だけです" in message for _, message in seen.values())
    db = open_database(database_url)
    try:
        regs = list_registrations(db, actor, event.id)
        assert sum(r.party_size for r in regs if r.status is S.CONFIRMED) <= 10
        assert not [r for r in regs if r.status is S.APPLIED]
        with db.reading(None) as session:
            assert verify(session.connection()).intact
    finally:
        db.dispose()


def test_the_command_line_draws_once_and_prints_the_posting(
        db, database_url, actor, facilities, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=3, lottery_until=TODAY - timedelta(days=1),
                       title="抽選の料理教室")
    for contact in people(db, 5):
        sign_up(db, actor, event.id, SignUpDraft(contact), today=TODAY - timedelta(days=2))

    assert cli.main(["--database", database_url, "events", "draw", str(event.id)]) == 0
    out = capsys.readouterr().out
    seed = lottery_result(db, actor, event.id).seed
    assert "申込5組5名・定員3名 → 当選3組3名、キャンセル待ち2組" in out and seed in out
    assert cli.main(["--database", database_url, "events", "draw", str(event.id)]) == 2
    assert "抽選は一度だけです" in capsys.readouterr().err
    assert cli.main(["--database", database_url, "events", "verify-draw", str(event.id)]) == 0
    assert f"抽選の種 {seed} で申込5組を抽選し直し、記録された結果と一致しました" in \
        capsys.readouterr().out
    pdf = tmp_path / "lottery.pdf"
    assert cli.main(["--database", database_url, "leaflet", "lottery-result", "--event",
                     str(event.id), "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_an_applications_receipt_says_it_waits_for_the_draw(
        db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    applied = sign_up(db, actor, event.id, SignUpDraft(people(db, 1)[0]), today=TODAY)
    pdf = leaflets.render("event-receipt", db, actor, registration_id=applied.registration.id)
    text = flat(text_of(pdf, tmp_path))
    assert "抽選待ち" in text and flat("現在抽選待ちです。") in text
    assert "キャンセル待ち" not in text


# --- what the draw decided stays as drawn ---------------------------------------------------

def test_a_winner_cancelling_after_the_draw_leaves_the_result_and_its_reprint_as_drawn(
        db, actor, admin, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities, capacity=4)
    _apply(db, actor, event.id, people(db, 6, prefix="抽選花子"), [2] * 6)
    drawn = draw_lottery(db, actor, event.id, today=DRAW_DAY)
    posting = flat(text_of(leaflets.render("lottery-result", db, admin, event_id=event.id),
                           tmp_path))
    assert flat("当選（2組4名）") in posting
    regs = {r.queue_number: r for r in list_registrations(db, actor, event.id)}
    winner, other = (regs[e.queue_number] for e in drawn.drawn)

    cancel_registration(db, actor, winner.id)  # its seat goes to the first drawn waiting
    update_sign_up(db, actor, other.id, get_registration(db, actor, other.id).version,
                   SignUpDraft(other.contact_id, party_size=1))

    again = lottery_result(db, actor, event.id)
    assert again == replace(drawn, drawn=(replace(drawn.drawn[0], status_label="キャンセル"),
                                          drawn.drawn[1]),
                            waitlisted=(replace(drawn.waitlisted[0], status_label="受付済"),
                                        *drawn.waitlisted[1:]))
    assert flat(text_of(leaflets.render("lottery-result", db, admin, event_id=event.id),
                        tmp_path)) == posting
    staff = flat(text_of(leaflets.render("lottery-result-staff", db, admin, event_id=event.id),
                         tmp_path))
    assert flat(f"{drawn.drawn[0].rank}{winner.queue_number}{winner.contact_name}"
                f"{winner.party_size}名キャンセル") in staff
    assert verify_lottery(db, actor, event.id).matches


def test_the_draw_is_verified_from_its_audit_entry_and_a_changed_record_is_found(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities, capacity=5)
    _apply(db, actor, event.id, people(db, 7), [1, 2, 3, 1, 2, 3, 1])
    result = draw_lottery(db, actor, event.id, today=DRAW_DAY)
    check = verify_lottery(db, actor, event.id)
    assert check.matches and check.applications == 7 and check.seed == result.seed
    assert check.message().startswith(f"抽選の種 {result.seed} で申込7組を抽選し直し")

    loser = result.waitlisted[0].queue_number
    with db.writing(actor) as session:  # a record altered outside the draw
        reg = session.scalars(select(Registration).where(
            Registration.event_id == event.id, Registration.queue_number == loser)).one()
        reg.lottery_won = True
    check = verify_lottery(db, actor, event.id)
    assert not check.matches and check.differing == (loser,)
    assert f"受付番号 {loser}" in check.message()


def test_a_lottery_not_drawn_cannot_be_verified(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    with pytest.raises(UserError, match="まだ抽選していません"):
        verify_lottery(db, actor, event.id)


# --- the lottery's closing day, the door, the counts, the roster, a merge ------------------

def test_after_the_draw_the_lottery_cannot_be_changed_or_removed(
        db, actor, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.errors import ValidationError
    from kyodo_desk.services.events import update_event

    event = _lottery(db, facilities)
    moved = update_event(db, admin, event.id, event.version,
                         replace(event.as_draft(), lottery_until=TODAY + timedelta(days=1)))
    assert moved.lottery_until == TODAY + timedelta(days=1)
    draw_lottery(db, admin, event.id, today=TODAY, early=True)
    event = get_event(db, admin, event.id)
    for changed in (TODAY + timedelta(days=2), None):
        with pytest.raises(ValidationError) as exc:
            update_event(db, admin, event.id, event.version,
                         replace(event.as_draft(), lottery_until=changed))
        assert "抽選は" in exc.value.for_field("lottery_until")
        assert "変更・解除できません" in exc.value.for_field("lottery_until")
    assert get_event(db, admin, event.id).lottery_until == TODAY + timedelta(days=1)
    kept = update_event(db, admin, event.id, event.version,
                        replace(event.as_draft(), title="抽選の料理教室（改）"))
    assert kept.title == "抽選の料理教室（改）"


def test_an_application_is_refused_at_the_door_until_the_draw(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.dates import month_day
    from kyodo_desk.services.events.checkin import CheckInOutcome, check_in

    event = _lottery(db, facilities)
    [reg_id] = _apply(db, actor, event.id, people(db, 1, prefix="抽選次郎"), [2])
    seen = check_in(db, actor, reg_id, event.sessions[0].id)
    assert seen.outcome is CheckInOutcome.REFUSED
    day = month_day(TODAY + timedelta(days=1), with_weekday=False)
    assert seen.message.startswith(f"抽選待ちの申込です（抽選は{day}以降）。")
    assert "抽選次郎001さん" in seen.message
    assert list_registrations(db, actor, event.id)[0].status is S.APPLIED


def test_applications_are_counted_in_the_seats_and_the_event_list(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.events import list_events

    event = _lottery(db, facilities, capacity=20)
    _apply(db, actor, event.id, people(db, 3), [1, 2, 3])
    seats = get_event(db, actor, event.id).seats
    assert seats.label() == "抽選申込3組6名（定員20名）"
    [listed] = [e for e in list_events(db, actor) if e.id == event.id]
    assert listed.seats.label() == "抽選申込3組6名（定員20名）"
    assert listed.lottery_until == TODAY and not listed.lottery_drawn
    draw_lottery(db, actor, event.id, today=DRAW_DAY)
    [listed] = [e for e in list_events(db, actor) if e.id == event.id]
    assert listed.lottery_drawn and "抽選申込" not in listed.seats.label()
    assert listed.seats.label() == "6/20名（残り14）"


def test_the_roster_lists_the_applications_in_their_own_block_before_the_draw(
        db, actor, admin, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = _lottery(db, facilities)
    _apply(db, actor, event.id, people(db, 2, prefix="応募者"), [1, 3])
    roster = flat(text_of(leaflets.render("event-roster", db, admin, event_id=event.id),
                          tmp_path))
    assert flat("抽選待ち（2組 4名）") in roster
    assert flat("抽選待ち 2組 4名") in roster
    assert flat("抽選の前のため、まだ参加者はいません") in roster
    assert roster.index(flat("抽選待ち（2組 4名）")) < roster.index("応募者001")
    assert roster.index("応募者001") < roster.index("応募者002")
    draw_lottery(db, actor, event.id, today=DRAW_DAY)
    after = flat(text_of(leaflets.render("event-roster", db, admin, event_id=event.id),
                         tmp_path))
    assert "抽選待ち" not in after and "応募者001" in after


def test_two_contacts_each_with_an_application_to_one_lottery_are_not_merged(
        db, actor, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services import contacts
    from kyodo_desk.services.contacts import merge

    event = _lottery(db, facilities)
    keep_id, twin_id = people(db, 2, prefix="山田")
    _apply(db, actor, event.id, [keep_id, twin_id], [1, 1])
    keep, twin = contacts.get_contact(db, admin, keep_id), contacts.get_contact(db, admin, twin_id)
    with pytest.raises(UserError, match=r"両方の申込があります.*抽選待ち"):
        merge.merge_contacts(db, admin, keep_id=keep.id, keep_version=keep.version,
                             merge_id=twin.id, merge_version=twin.version)
