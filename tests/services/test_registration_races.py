"""One sign-up, two counters at the same moment: a cancellation against a door check-in (by the
receipt's code and by name), against the reply to a seat offer, and a change of party size
against a check-in — on both databases, in separate processes, each with its own connection.

Each write takes the event's lock first, then the sign-up's (services/events/registrations.py), so
one of the two is served first and the other decides on what the first committed: never a
deadlock, never a save over a sign-up changed under it, never 予期しないエラー. The services
are called without their retry (`__wrapped__`), so a deadlock would surface here as Contention
instead of being hidden by a second run.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import Contention, UserError
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Attendance
from kyodo_desk.services.events import checkin, registrations
from kyodo_desk.services.events.checkin import CheckInOutcome
from kyodo_desk.services.events.registrations import SignUpDraft, get_registration, sign_up
from tests.event_fixtures import TODAY, make_event
from tests.services.test_registration_concurrency import add_people
from tests.two_processes import TIMEOUT, race

S = RegistrationStatus
ROUNDS = 20  # per kind of race

# Each race: what the first counter does, what the second does at the same moment.
CANCEL_VS_SCAN, CANCEL_VS_NAME = "cancel / check-in by code", "cancel / check-in by name"
CANCEL_VS_ACCEPT, CHANGE_VS_SCAN = "cancel / offer accepted", "change party size / check-in"


@dataclass(frozen=True)
class Round:
    race: str
    registration_id: int
    version: int
    ticket: str


@dataclass(frozen=True)
class Seen:
    """What one counter was told: done, refused (with the message shown), or an error that
    reached it (with its traceback)."""

    kind: str
    message: str = ""


def _first(actor: Actor, db: Any, r: Round, _session_id: int) -> Seen:
    if r.race == CHANGE_VS_SCAN:
        registrations.update_sign_up.__wrapped__(
            db, actor, r.registration_id, r.version,
            SignUpDraft(_contact_of(db, actor, r.registration_id), party_size=2))
    else:
        registrations.cancel_registration.__wrapped__(db, actor, r.registration_id)
    return Seen("done")


def _second(actor: Actor, db: Any, r: Round, session_id: int) -> Seen:
    if r.race == CANCEL_VS_ACCEPT:
        registrations.record_offer_reply.__wrapped__(db, actor, r.registration_id,
                                                     accepted=True)
        return Seen("done")
    if r.race == CANCEL_VS_NAME:
        result = checkin.check_in.__wrapped__(db, actor, r.registration_id, session_id)
    else:
        result = checkin.check_in_by_code.__wrapped__(db, actor, session_id, r.ticket)
    done = result.outcome is CheckInOutcome.CHECKED_IN
    return Seen("done" if done else "refused", result.message)


def _contact_of(db: Any, actor: Actor, registration_id: int) -> int:
    return get_registration(db, actor, registration_id).contact_id


def _counter(url: str, side: int, actor: Actor, rounds: list[Round], session_id: int,
             barrier: Any, out: Any) -> None:
    """One counter's process: its own connection; at each round it waits for the other, then
    acts at once."""
    act = _first if side == 0 else _second
    seen: list[Seen] = []
    try:
        db = open_database(url)
        try:
            for r in rounds:
                barrier.wait(timeout=TIMEOUT)
                try:
                    seen.append(act(actor, db, r, session_id))
                except Contention:  # a deadlock or serialization failure: the defect itself
                    seen.append(Seen("error", traceback.format_exc()))
                except UserError as exc:
                    seen.append(Seen("refused", exc.message))
                except Exception:
                    seen.append(Seen("error", traceback.format_exc()))
        finally:
            db.dispose()
    except BaseException:
        seen.append(Seen("error", traceback.format_exc()))
        barrier.abort()
    out.put((side, seen))


def _race(url: str, actor: Actor, rounds: list[Round], session_id: int) -> list[tuple[Seen,
                                                                                      Seen]]:
    reports = race(_counter, url, actor, rounds, session_id)
    errors = [s.message for side in (0, 1) for s in reports[side] if s.kind == "error"]
    assert not errors, (f"an error reached a counter in {len(errors)} of {len(rounds)} rounds:\n"
                        + "\n".join(errors[:3]))
    assert len(reports[0]) == len(reports[1]) == len(rounds)
    return list(zip(reports[0], reports[1], strict=True))


def _attendances(db: Any, registration_id: int) -> int:
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Attendance)
                              .where(Attendance.registration_id == registration_id))


def test_a_cancellation_and_a_check_in_or_an_offer_reply_at_once_are_served_one_after_the_other(
        db, database_url, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    door = make_event(db, facilities["east"], capacity=200)
    session_id = door.sessions[0].id
    offered = make_event(db, facilities["east"], capacity=ROUNDS, title="繰り上げの講座")
    people = add_people(db, "同時操作", ROUNDS * 5)
    signed = [sign_up(db, actor, door.id, SignUpDraft(c), today=TODAY).registration
              for c in people[:ROUNDS * 3]]
    holders = [sign_up(db, actor, offered.id, SignUpDraft(c), today=TODAY).registration
               for c in people[ROUNDS * 3:ROUNDS * 4]]
    for c in people[ROUNDS * 4:]:
        sign_up(db, actor, offered.id, SignUpDraft(c), today=TODAY)
    promoted = [registrations.cancel_registration(db, actor, h.id).moved.promoted[0]
                for h in holders]
    assert all(p.awaiting_call for p in promoted)
    races = [CANCEL_VS_SCAN, CANCEL_VS_NAME, CHANGE_VS_SCAN]
    rounds = [Round(races[n % 3], r.id, r.version, r.ticket.text())
              for n, r in enumerate(signed)]
    rounds += [Round(CANCEL_VS_ACCEPT, p.id, p.version, "") for p in promoted]
    rounds.sort(key=lambda r: r.registration_id % 7)  # the kinds of race take turns
    db.dispose()  # the test's own connection stays out of the race

    results = _race(database_url, actor, rounds, session_id)

    db = open_database(database_url)
    try:
        for r, (first, second) in zip(rounds, results, strict=True):
            now = get_registration(db, actor, r.registration_id)
            attended = _attendances(db, r.registration_id)
            where = f"{r.race}: {first} / {second}"
            if r.race == CANCEL_VS_ACCEPT:
                # The cancellation always goes through; the reply before it is kept on record,
                # after it is refused.
                assert first.kind == "done" and now.status is S.CANCELLED, where
                assert second.kind == "done" or "受付済ではありません" in second.message, where
                assert (now.contacted_at is not None) == (second.kind == "done"), where
            elif r.race == CHANGE_VS_SCAN:
                # The check-in always goes through; a change read before it is refused, not
                # saved over it.
                assert second.kind == "done" and now.status is S.ATTENDED, where
                assert attended == 1, where
                assert first.kind == "done" or "他の窓口で変更されました" in first.message, where
                assert now.party_size == (2 if first.kind == "done" else 1), where
            elif first.kind == "done":  # cancelled first: the door is told so
                assert second.kind == "refused" and "キャンセルされています" in second.message
                assert now.status is S.CANCELLED and attended == 0, where
            else:  # checked in first: the cancellation is refused
                assert second.kind == "done" and "出席済みの申込はキャンセルできません" in \
                    first.message, where
                assert now.status is S.ATTENDED and attended == 1, where
            assert now.version > r.version, where
    finally:
        db.dispose()
