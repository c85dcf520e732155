"""The draw of an event decided by lottery (抽選) and its result (抽選結果).

Until the event's 抽選の申込締切 a sign-up is an application (抽選待ち, no seat:
registrations.add_sign_up with domain/lottery.takes_applications). After that day the draw
(`draw_lottery`) ranks every application with a recorded seed, seats the drawn parties whole
and puts the rest on the waitlist in drawn order, in one transaction under the event's lock:
two counters drawing at once are served one after the other, and the second is refused.
From then on the event takes sign-ups first come, first served.

What the draw decided is stored on each application (lottery_rank, lottery_won), so the
抽選結果 reprinted after a cancellation still shows the draw. The draw's input (each
application's 受付番号 and party, and the capacity; no names) is in its audit entry, so
`verify_lottery` can draw again from it and the seed and compare (抽選の検証).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import date_and_time, full_date, japan_time
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import (
    REGISTRATION_STATUS_LABELS,
    WINDOW_OVERRIDE_ROLES,
    RegistrationStatus,
)
from kyodo_desk.domain.lottery import LOTTERY_RULE, Application, draw, new_seed
from kyodo_desk.domain.permissions import Action, Actor, PermissionDenied, Resource
from kyodo_desk.models import AuditEntry, Contact, Event, Registration
from kyodo_desk.services.events import load_event
from kyodo_desk.services.events.registrations import lock_sign_ups
from kyodo_desk.services.read_log import View, log_read

S = RegistrationStatus


@dataclass(frozen=True)
class LotteryEntry:
    """One application as drawn: its 抽選順, 受付番号, and (for staff) who it is."""

    rank: int
    queue_number: int
    party_size: int  # as drawn (the party may have changed since)
    contact_name: str
    status_label: str  # as it is now (a winner may have cancelled since)


@dataclass(frozen=True)
class LotteryResult:
    """抽選結果: what the draw decided, with what anyone needs to draw again and compare."""

    event_id: int
    title: str
    capacity: int
    lottery_until: date
    drawn_at: datetime  # in Japan time
    drawn_by: str
    seed: str
    drawn: tuple[LotteryEntry, ...]  # 当選, in drawn order
    waitlisted: tuple[LotteryEntry, ...]  # キャンセル待ち, in drawn order
    rule: str = LOTTERY_RULE

    @property
    def parties(self) -> int:
        return len(self.drawn) + len(self.waitlisted)

    @property
    def people(self) -> int:
        return sum(e.party_size for e in (*self.drawn, *self.waitlisted))

    @property
    def drawn_people(self) -> int:
        return sum(e.party_size for e in self.drawn)

    def summary(self) -> str:
        """e.g. 「申込12組30名・定員20名 → 当選7組19名、キャンセル待ち5組」."""
        return (f"申込{self.parties}組{self.people}名・定員{self.capacity}名 → "
                f"当選{len(self.drawn)}組{self.drawn_people}名、"
                f"キャンセル待ち{len(self.waitlisted)}組")


@dataclass(frozen=True)
class LotteryState:
    """What the 「抽選する…」 button needs: whether a draw may be made today, and the counts
    the confirmation names (申込N組M名・定員K名)."""

    lottery_until: date | None
    drawn: bool
    applications: int
    people: int
    capacity: int | None

    def may_draw(self, today: date) -> bool:
        return (self.lottery_until is not None and not self.drawn
                and today > self.lottery_until)

    def counts(self) -> str:
        return f"申込{self.applications}組{self.people}名・定員{self.capacity or 0}名"


def lottery_state(db: Database, actor: Actor, event_id: int) -> LotteryState:
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        event = load_event(session, event_id)
        sizes = session.scalars(select(Registration.party_size).where(
            Registration.event_id == event_id, Registration.status == S.APPLIED)).all()
        return LotteryState(event.lottery_until, event.lottery_drawn_at is not None,
                            len(sizes), sum(sizes), event.capacity)


@retry_on_contention
def draw_lottery(db: Database, actor: Actor, event_id: int, *, today: date | None = None,
                 early: bool = False) -> LotteryResult:
    """抽選する: once, after the 抽選の申込締切 has passed (*early*: before it, by a
    collaboration officer only, audited as every draw is). Records the seed, when and by
    whom; the drawn are 受付済, the rest キャンセル待ち in drawn order; every application
    keeps its 抽選順."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    if early and actor.role not in WINDOW_OVERRIDE_ROLES:
        raise PermissionDenied("締切前の抽選は、協働担当のアカウントでのみできます。")
    today = today or date.today()
    with db.writing(actor) as session:
        event = load_event(session, event_id, lock=True)
        _refuse_draw(event, today, early=early)
        assert event.lottery_until is not None and event.capacity is not None  # _refuse_draw
        applied = sorted(lock_sign_ups(session, Registration.event_id == event_id,
                                       Registration.status == S.APPLIED),
                         key=lambda r: r.queue_number)
        seed = new_seed()
        result = draw([Application(r.id, r.party_size) for r in applied], event.capacity, seed)
        winners = set(result.confirmed)
        for reg in applied:
            reg.lottery_rank = result.ranks[reg.id]
            reg.lottery_won = reg.id in winners
            reg.status = S.CONFIRMED if reg.lottery_won else S.WAITLISTED
        event.lottery_seed, event.lottery_drawn_by = seed, actor.name
        event.lottery_drawn_at = datetime.now(UTC)
        session.flush()
        record_event(session, actor, "lottery", Event.__tablename__, event_id,
                     {"lottery_seed": seed, "capacity": event.capacity,
                      "drawn_from": [[r.queue_number, r.party_size] for r in applied],
                      "applications": len(applied),
                      "drawn": len(result.confirmed), "waitlisted": len(result.waitlisted)})
        return _result(session, event)


def _refuse_draw(event: Event, today: date, *, early: bool) -> None:
    if event.lottery_until is None or event.capacity is None:
        raise UserError(f"「{event.title}」は抽選のイベントではありません（先着順）。")
    if event.lottery_drawn_at is not None:
        raise UserError(
            f"「{event.title}」の抽選は{date_and_time(japan_time(event.lottery_drawn_at))}に"
            f"{event.lottery_drawn_by}さんが済ませています。抽選は一度だけです。")
    if event.cancelled:
        raise UserError(f"「{event.title}」は中止になったため、抽選できません。")
    if today <= event.lottery_until and not early:
        raise UserError(f"抽選の申込締切（{full_date(event.lottery_until)}）が過ぎてから"
                        "抽選できます。")


def lottery_result(db: Database, actor: Actor, event_id: int, *,
                   logged: bool = True) -> LotteryResult:
    """The draw's result for the screen and the print (抽選結果); names are read, so it is
    logged as a list of sign-ups is, unless not *logged* (a print logs its own)."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        event = load_event(session, event_id)
        if event.lottery_until is None:
            raise UserError(f"「{event.title}」は先着順のイベントで、抽選していません。")
        if event.lottery_drawn_at is None:
            raise UserError(f"「{event.title}」はまだ抽選していません（抽選の申込締切: "
                            f"{full_date(event.lottery_until)}）。")
        found = _result(session, event)
    if logged:
        log_read(db, actor, Registration.__tablename__, View.SIGN_UPS, rows=found.parties,
                 event_id=event_id)
    return found


def _result(session: Session, event: Event) -> LotteryResult:
    """The drawn applications as the draw decided them (lottery_won, in 抽選順), each with
    its status now: a winner who cancelled since is still listed as drawn."""
    assert event.lottery_until and event.capacity is not None and event.lottery_seed
    assert event.lottery_drawn_at is not None
    rows = session.execute(
        select(Registration.queue_number, Registration.party_size, Registration.lottery_rank,
               Registration.lottery_won, Registration.status, Contact.name)
        .join(Contact, Contact.id == Registration.contact_id)
        .where(Registration.event_id == event.id, Registration.lottery_rank.is_not(None))
        .order_by(Registration.lottery_rank)).all()
    # Each party as drawn: a party changed since does not change the counts of the result.
    entry = _draw_entry(session, event.id)
    drawn_size = dict(entry["drawn_from"]) if entry else {}
    entries = [(r.lottery_won, LotteryEntry(
        r.lottery_rank, r.queue_number, drawn_size.get(r.queue_number, r.party_size), r.name,
        REGISTRATION_STATUS_LABELS[r.status])) for r in rows]
    return LotteryResult(
        event.id, event.title, event.capacity, event.lottery_until,
        japan_time(event.lottery_drawn_at), event.lottery_drawn_by, event.lottery_seed,
        tuple(e for won, e in entries if won), tuple(e for won, e in entries if not won))


@dataclass(frozen=True)
class LotteryCheck:
    """抽選の検証: the draw made again from its audit entry's input and seed, against what
    is stored. *differing*: the 受付番号 whose stored 抽選順 or 当選 differs from the redraw
    (or that is stored but was not drawn, or drawn but not stored)."""

    seed: str
    applications: int
    differing: tuple[int, ...]

    @property
    def matches(self) -> bool:
        return not self.differing

    def message(self) -> str:
        if self.matches:
            return (f"抽選の種 {self.seed} で申込{self.applications}組を抽選し直し、"
                    "記録された結果と一致しました。")
        numbers = "、".join(str(n) for n in self.differing)
        return f"抽選し直した結果が記録と一致しません（受付番号 {numbers}）。"


def verify_lottery(db: Database, actor: Actor, event_id: int) -> LotteryCheck:
    """Draw again from the draw's audit entry (受付番号 and party of each application, the
    capacity, the seed) and compare with each application's stored 抽選順 and 当選."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        event = load_event(session, event_id)
        given = _draw_entry(session, event_id)
        if event.lottery_drawn_at is None or given is None:
            raise UserError(f"「{event.title}」はまだ抽選していません。")
        stored = {r.queue_number: (r.lottery_rank, r.lottery_won) for r in session.execute(
            select(Registration.queue_number, Registration.lottery_rank,
                   Registration.lottery_won)
            .where(Registration.event_id == event_id, Registration.lottery_rank.is_not(None)))}
    seed = given["lottery_seed"]
    # Drawn by 受付番号: the shuffle depends on the order given, never on the ids.
    again = draw([Application(q, n) for q, n in given["drawn_from"]], given["capacity"], seed)
    won = set(again.confirmed)
    redrawn = {q: (rank, q in won) for q, rank in again.ranks.items()}
    differing = sorted(q for q in stored.keys() | redrawn.keys()
                       if stored.get(q) != redrawn.get(q))
    if seed != event.lottery_seed:
        differing = sorted(stored)
    return LotteryCheck(seed, len(redrawn), tuple(differing))


def _draw_entry(session: Session, event_id: int) -> dict[str, Any] | None:
    """The details of the event's draw as its audit entry holds them (seed, capacity,
    drawn_from: [受付番号, 人数] of each application in 受付番号 order), or None."""
    return session.scalar(select(AuditEntry.changes).where(
        AuditEntry.action == "lottery", AuditEntry.table_name == Event.__tablename__,
        AuditEntry.record_id == event_id).order_by(AuditEntry.id).limit(1))
