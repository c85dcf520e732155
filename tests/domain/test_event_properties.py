"""Property tests of the event rules: the waitlist, seats and receipt codes of domain/events.py,
and sign-ups through the real services on SQLite.

Invariants stated here:
  waitlist — whatever the free seats and the queue: a party moves up whole or not at all, in
    queue order, into no more seats than are free; 受付順 moves a run from the head and stops at
    the first party that does not fit; 入る組から leaves no party behind that fits; after the
    move, the queue cannot move again; a new party is confirmed at once exactly when joining
    the queue would move it up at once.
  seats — free seats are the capacity less those taken, never below 0; no capacity, no limit.
  receipt codes — every code reads back as itself, typed full-width and with spaces around it
    too; whatever is scanned, the reading never fails, and a code it returns is written exactly
    as the scan (NFKC) said.
  sign-ups, after every act, accepted or refused: seats taken ≤ capacity; the waitlist is
    numbered 1..n in arrival order with no gap; a party is never split (its seats are its size,
    whole); whoever moved up from the waitlist in an act is exactly whom the event's rule moves
    up, and the rest of the queue cannot move; a sign-up's version rises with every change of
    it and only then, and the event's only when the event itself is changed.
"""

from __future__ import annotations

import itertools
import shutil
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.events import (
    SEAT_HOLDING,
    QueueRule,
    RegistrationStatus,
    TicketCode,
    Waiting,
    free_seats,
    may_confirm_at_once,
    parse_ticket_code,
    plan_promotions,
    signup_window_problem,
)
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import events
from kyodo_desk.services.contacts import list_facilities
from kyodo_desk.services.events import EventDetail, checkin, registrations
from kyodo_desk.services.events.checkin import CheckInOutcome
from kyodo_desk.services.events.registrations import DuplicateSignUp, RegistrationInfo, SignUpDraft
from tests.event_fixtures import make_event, people

S = RegistrationStatus

# --- the waitlist ---------------------------------------------------------------------------

SIZES = st.integers(1, 6)
QUEUES = st.lists(SIZES, max_size=12).map(
    lambda sizes: [Waiting(n, size) for n, size in enumerate(sizes, start=1)])
FREE = st.none() | st.integers(0, 20)


@given(FREE, QUEUES, st.sampled_from(QueueRule))
def test_the_waitlist_moves_whole_parties_in_order_into_the_free_seats(
        free: int | None, queue: list[Waiting], rule: QueueRule) -> None:
    plan = plan_promotions(free, queue, rule)
    ids = [w.registration_id for w in queue]
    size = {w.registration_id: w.party_size for w in queue}
    assert list(plan.promoted) == [i for i in ids if i in plan.promoted]  # queue order, once
    used = sum(size[i] for i in plan.promoted)
    if free is None:
        assert plan.promoted == tuple(ids)
        return
    assert used <= free
    left = [w for w in queue if w.registration_id not in plan.promoted]
    if rule is QueueRule.STRICT:
        assert plan.promoted == tuple(ids[:len(plan.promoted)])  # a run from the head
        assert not left or left[0].party_size > free - used  # stopped where the head won't fit
    else:
        assert all(w.party_size > free - used for w in left)  # nobody behind that fits
    assert plan_promotions(free - used, left, rule).promoted == ()  # it cannot move again
    assert plan.reason.endswith("。")


@given(st.none() | st.integers(1, 20), st.integers(0, 20), QUEUES, st.sampled_from(QueueRule),
       SIZES)
def test_a_new_party_is_confirmed_at_once_exactly_when_the_queue_would_move_it_up(
        capacity: int | None, taken: int, queue: list[Waiting], rule: QueueRule,
        size: int) -> None:
    """On a settled queue (as the services keep it), signing up is joining the queue's end
    and moving it up as far as the rule allows."""
    taken = taken if capacity is None else min(taken, capacity)
    moved = plan_promotions(free_seats(capacity, taken), queue, rule).promoted
    taken += sum(w.party_size for w in queue if w.registration_id in moved)
    settled = [w for w in queue if w.registration_id not in moved]
    new = Waiting(len(queue) + 1, size)
    joined = plan_promotions(free_seats(capacity, taken), [*settled, new], rule).promoted
    assert may_confirm_at_once(capacity, taken, size, len(settled), rule) == (
        new.registration_id in joined)


@given(st.none() | st.integers(1, 10_000), st.integers(0, 20_000))
def test_free_seats_are_the_capacity_less_those_taken_never_below_zero(
        capacity: int | None, taken: int) -> None:
    free = free_seats(capacity, taken)
    if capacity is None:
        assert free is None
    else:
        assert free == max(capacity - taken, 0) and 0 <= free <= capacity


DAYS = st.none() | st.dates(date(2026, 1, 1), date(2027, 12, 31))


@given(DAYS, DAYS, st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_the_sign_up_window_is_open_from_its_first_to_its_last_day(
        opens: date | None, closes: date | None, today: date) -> None:
    inside = (opens is None or opens <= today) and (closes is None or today <= closes)
    problem = signup_window_problem(opens, closes, today)
    assert (problem is None) == inside
    if problem:
        assert problem.endswith("。") and ("受付開始は" in problem or "締め切りました" in problem)


# --- receipt codes ---------------------------------------------------------------------------

TOKENS = st.text("ABCXYZabcxyz0189_-", min_size=8, max_size=64)
IDS = st.integers(1, 999_999_999)
FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}  # what an IME left on types
SPACES = st.sampled_from(["", " ", "\u3000", "\n", "\t", " \r\n"])


@given(IDS, IDS, TOKENS, st.booleans(), SPACES, SPACES)
def test_a_receipt_code_reads_back_as_itself_however_it_was_typed(
        event_id: int, registration_id: int, token: str, wide: bool, before: str,
        after: str) -> None:
    code = TicketCode(event_id, registration_id, token)
    typed = code.text().translate(FULL_WIDTH) if wide else code.text()
    assert parse_ticket_code(before + typed + after) == code


@given(st.text() | st.builds(
    lambda digits, tail: f"KYODO-EV:{digits}:1:{tail}",
    st.text("0123456789٣३١", min_size=1, max_size=5_000), st.text(min_size=0, max_size=70)))
def test_whatever_is_scanned_the_reading_never_fails_and_names_only_what_was_written(
        scanned: str) -> None:
    code = parse_ticket_code(scanned)  # no exception: a scanner types anything
    if code is not None:
        assert code.text() == unicodedata.normalize("NFKC", scanned).strip()
        assert 0 < code.event_id < 2**31 and 0 < code.registration_id < 2**31


# --- sign-ups through the services -----------------------------------------------------------

ACTOR = Actor.command_line()
PEOPLE = 8
PICK = st.integers(0, 99)
_runs = itertools.count()


@dataclass(frozen=True)
class Seen:
    """The event and its sign-ups as the services report them."""

    event: EventDetail
    regs: dict[int, RegistrationInfo]

    def waiting(self) -> list[RegistrationInfo]:
        return sorted((r for r in self.regs.values() if r.status is S.WAITLISTED),
                      key=lambda r: r.queue_number)


def _what_changed(r: RegistrationInfo) -> tuple[object, ...]:
    """Every field of a sign-up a person can see, but its version."""
    return replace(r, version=0, waitlist_position=None)


class SignUps(RuleBasedStateMachine):
    """Counter acts in any order on one event (capacity 1–8 seats, either queue rule) with
    eight people in the contacts. Each run starts from a copy of `start`."""

    start: Path
    facility_id: int
    people: list[int]

    def __init__(self) -> None:
        super().__init__()
        copy = self.start.with_name(f"run-{next(_runs)}.sqlite3")
        shutil.copyfile(self.start, copy)
        self.db = open_database(f"sqlite:///{copy}")

    def teardown(self) -> None:
        self.db.dispose()

    @initialize(capacity=st.integers(1, 8), rule=st.sampled_from(QueueRule))
    def open_event(self, capacity: int, rule: QueueRule) -> None:
        event = make_event(self.db, self.facility_id, capacity=capacity, rule=rule)
        self.event_id, self.session_id = event.id, event.sessions[0].id
        self.seen = self.read()

    def read(self) -> Seen:
        return Seen(events.get_event(self.db, ACTOR, self.event_id),
                    {r.id: r for r in registrations.list_registrations(self.db, ACTOR,
                                                                       self.event_id)})

    def picked(self, pick: int) -> RegistrationInfo | None:
        regs = sorted(self.seen.regs.values(), key=lambda r: r.id)
        return regs[pick % len(regs)] if regs else None

    def settle(self, *, refused: bool = False, event_changed: bool = False) -> Seen:
        """Read the act's outcome and check every invariant against what was before it."""
        before, after = self.seen, self.read()
        self.seen = after
        if refused:
            assert after == before, "a refused act changed something"
            return after
        capacity, seats = after.event.capacity, after.event.seats
        holding = [r for r in after.regs.values() if r.status in SEAT_HOLDING]
        waiting = after.waiting()
        assert seats.taken == sum(r.party_size for r in holding)  # parties whole, never split
        assert seats.waiting_parties == len(waiting)
        assert capacity is None or seats.taken <= capacity
        assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
        numbers = sorted(r.queue_number for r in after.regs.values())
        assert numbers == list(range(1, len(numbers) + 1))
        # Whoever moved up in this act is whom the rule moves up from the queue as it stood.
        moved = [r for r in after.regs.values()
                 if r.id in before.regs and before.regs[r.id].status is S.WAITLISTED
                 and r.status is S.CONFIRMED]
        queue = sorted([*waiting, *moved], key=lambda r: r.queue_number)
        free = free_seats(capacity, seats.taken - sum(r.party_size for r in moved))
        plan = plan_promotions(free, [Waiting(r.id, r.party_size) for r in queue],
                               after.event.queue_rule)
        assert set(plan.promoted) == {r.id for r in moved}, (plan, moved)
        for r in moved:
            assert r.awaiting_call and r.offer_until is not None
        # Versions: a sign-up's rises with each change of it, and only then.
        for reg_id, old in before.regs.items():
            new = after.regs[reg_id]
            if _what_changed(new) != _what_changed(old):
                assert new.version > old.version, (old, new)
            else:
                assert new.version == old.version, (old, new)
        if event_changed:
            assert after.event.version > before.event.version
        else:
            assert after.event.version == before.event.version
        return after

    @rule(who=st.integers(0, PEOPLE - 1), size=st.integers(1, 4))
    def sign_up(self, who: int, size: int) -> None:
        contact_id = self.people[who]
        before = self.seen
        live = [r for r in before.regs.values()
                if r.contact_id == contact_id and r.status is not S.CANCELLED]
        event = before.event
        try:
            done = registrations.sign_up(self.db, ACTOR, self.event_id,
                                         SignUpDraft(contact_id, size)).registration
        except DuplicateSignUp:
            assert live
            self.settle(refused=True)
            return
        except ValidationError:
            assert event.capacity is not None and size > event.capacity
            self.settle(refused=True)
            return
        assert not live
        confirmed = may_confirm_at_once(event.capacity, event.seats.taken, size,
                                        event.seats.waiting_parties, event.queue_rule)
        assert done.status is (S.CONFIRMED if confirmed else S.WAITLISTED)
        after = self.settle()
        assert after.regs[done.id] == done  # what the counter was told is what was stored

    @rule(pick=PICK)
    def cancel(self, pick: int) -> None:
        if (reg := self.picked(pick)) is None:
            return
        try:
            registrations.cancel_registration(self.db, ACTOR, reg.id)
        except UserError:
            assert reg.status in (S.CANCELLED, S.ATTENDED)
            self.settle(refused=True)
            return
        assert self.settle().regs[reg.id].status is S.CANCELLED

    @rule(pick=PICK, size=st.integers(1, 6))
    def change_party_size(self, pick: int, size: int) -> None:
        if (reg := self.picked(pick)) is None:
            return
        capacity, free = self.seen.event.capacity, self.seen.event.seats.free
        try:
            registrations.update_sign_up(self.db, ACTOR, reg.id, reg.version,
                                         replace(reg.as_draft(), party_size=size))
        except ValidationError:
            grows_into_nothing = (reg.status in SEAT_HOLDING and free is not None
                                  and size - reg.party_size > free)
            assert capacity is not None and (size > capacity or grows_into_nothing)
            self.settle(refused=True)
            return
        assert self.settle().regs[reg.id].party_size == size

    @rule(capacity=st.integers(1, 10))
    def change_capacity(self, capacity: int) -> None:
        event = self.seen.event
        try:
            events.update_event(self.db, ACTOR, event.id, event.version,
                                replace(event.as_draft(), capacity=capacity))
        except ValidationError:
            assert capacity < event.seats.taken
            self.settle(refused=True)
            return
        self.settle(event_changed=event.capacity != capacity)

    @rule(pick=PICK, accepted=st.booleans())
    def offer_reply(self, pick: int, accepted: bool) -> None:
        if (reg := self.picked(pick)) is None:
            return
        try:
            registrations.record_offer_reply(self.db, ACTOR, reg.id, accepted=accepted)
        except UserError:
            assert reg.status is not S.CONFIRMED if accepted else \
                reg.status in (S.CANCELLED, S.ATTENDED)
            self.settle(refused=True)
            return
        after = self.settle()
        assert after.regs[reg.id].status is (S.CONFIRMED if accepted else S.CANCELLED)

    @rule(pick=PICK)
    def check_in(self, pick: int) -> None:
        if (reg := self.picked(pick)) is None:
            return
        outcome = checkin.check_in(self.db, ACTOR, reg.id, self.session_id).outcome
        if reg.status in (S.CANCELLED, S.WAITLISTED):
            assert outcome is CheckInOutcome.REFUSED
        elif self.session_id in reg.attended_session_ids:
            assert outcome is CheckInOutcome.ALREADY
        else:
            assert outcome is CheckInOutcome.CHECKED_IN
        after = self.settle(refused=outcome is not CheckInOutcome.CHECKED_IN)
        if outcome is CheckInOutcome.CHECKED_IN:
            assert after.regs[reg.id].status is S.ATTENDED


def test_counter_acts_in_any_order_keep_the_seats_the_queue_and_the_versions(  # type: ignore[no-untyped-def]
        template_databases, tmp_path: Path) -> None:
    start = tmp_path / "start.sqlite3"
    shutil.copyfile(template_databases["sqlite"], start)
    db = open_database(f"sqlite:///{start}")
    facility_id = next(f.id for f in list_facilities(db, Actor.system()) if f.code == "east")
    contacts = people(db, PEOPLE)
    db.dispose()

    class Run(SignUps):
        pass

    Run.start, Run.facility_id, Run.people = start, facility_id, contacts
    run_state_machine_as_test(Run, settings=settings(max_examples=25, stateful_step_count=30))
