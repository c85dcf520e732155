"""An event's applicants from a web form's export (申込者の取り込み): the city's forms, Google
Forms and LoGoフォーム give one row per application, with its 送信日時.

Each row is read as the sign-up dialog takes a sign-up: the person (氏名, よみ, 電話, E-mail)
checked by the contact form's rules (contacts.clean_draft), 人数 (1 when empty) and 配慮事項 by
the sign-up's (registrations.clean_sign_up), and the 送信日時 against the event's sign-up
window, as on the day it was sent. The rows are then taken in the order they were sent
(rows of one moment in the file's order), as the counter would have taken them:

- **the person**: a registry contact exactly the same (`_exactly_same`) is used as it is; one
  only likely the same (duplicates.likely_duplicates_in, the form's warning) makes the row ASK,
  the clerk choosing that contact or a new person; none: a new person is added at the run.
- **already signed up**: the same contact with an open sign-up for the event, or a row earlier
  in the file of exactly the same person (sent twice), is SAME: nothing is added, so a file
  imported twice adds nothing the second time.
- **the seat**: the event's capacity and queue rule decide, row after row, 「受付」 or
  「キャンセル待ち N番」 (the note says which; nothing is stored by the plan).

The run signs every row up through registrations.add_sign_up, in the order sent, in one
transaction under the event's lock, so the seats are never over the capacity; one audit row
records the act (the sign-ups and new contacts keep their own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.database.match_keys import facts_of
from kyodo_desk.domain import validation
from kyodo_desk.domain.bounds import FIELD_BOUNDS, problem
from kyodo_desk.domain.cell_values import Cell, cell_datetime, cell_phones, cell_text
from kyodo_desk.domain.cell_values import cell_whole_number as _whole
from kyodo_desk.domain.errors import FieldProblem, UserError, ValidationError
from kyodo_desk.domain.events import (
    REGISTRATION_STATUS_LABELS,
    RegistrationStatus,
    may_confirm_at_once,
    signup_window_problem,
)
from kyodo_desk.domain.likeness import Prepared, prepare
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.imports.mapping import APPLICANTS
from kyodo_desk.models import ContactKind, Event, Registration
from kyodo_desk.services.contacts import ContactDraft, add_contact, clean_draft
from kyodo_desk.services.contacts.duplicates import (
    DuplicateCandidate,
    draft_facts,
    likely_duplicates_in,
)
from kyodo_desk.services.events import seat_counts
from kyodo_desk.services.events.registrations import SignUpDraft, add_sign_up, clean_sign_up
from kyodo_desk.services.imports import (
    Cancelled,
    ImportPlan,
    ImportResult,
    ImportSource,
    Outcome,
    PlannedRow,
    Progress,
    RowProblem,
    row_list,
    runnable,
)
from kyodo_desk.services.imports.rows import SourceRows, field_label, read_source

PROGRESS_EVERY = 500
_NOT_A_LIMIT = 10**9  # 人数 is bounded by clean_sign_up, whose message the dialog shows
_CANDIDATES = 5
T = TypeVar("T")


@dataclass(frozen=True)
class _Applicant:
    """One row read and checked: the person as the contact form cleans it, the sign-up as
    the sign-up dialog's rules clean it, and when it was sent."""

    row: int
    sent_at: datetime
    person: ContactDraft
    party_size: int
    notes: str
    values: Mapping[str, str]
    cells: Mapping[str, Cell]  # as read, for the report of a fault found against the event


@dataclass(frozen=True)
class _Decision:
    """What the import does with one applicant: *contact* the registry's contact to sign up
    (None: a new person, or the clerk's choice among *candidates* for ASK)."""

    applicant: _Applicant
    outcome: Outcome
    contact: int | None
    candidates: tuple[int, ...]
    note: str


@dataclass(frozen=True)
class _Prepared:
    event_id: int
    applicants: tuple[_Applicant, ...]  # in the order sent


# --- plan ---------------------------------------------------------------------------------

def plan(db: Database, actor: Actor, source: ImportSource, *,
         progress: Progress | None = None) -> ImportPlan:
    """What importing *source* into its event would do, row by row; nothing is stored."""
    actor.require(Action.CREATE, Resource.REGISTRATIONS)
    if source.event_id is None:
        raise UserError("申込者を取り込むイベントを選んでください。")
    rows = read_source(source, APPLICANTS)
    if "submitted_at" not in rows.mapping.values():
        raise UserError(f"「{source.path.name}」に申込日時（送信日時・タイムスタンプ）の列がありません。"
                        "申込の順番が決められないため、列の対応を指定してください。")
    applicants, problems, refused = _read(rows, progress)
    with db.reading(actor) as session:
        event = _open_event(session, source.event_id)
        late = _outside_window(rows, event, applicants)
        problems += late
        refused |= {p.row for p in late}
        applicants = [a for a in applicants if a.row not in refused]
        decisions = _decide(session, event, applicants)
    planned = [PlannedRow(d.applicant.row, d.outcome, d.applicant.values,
                          d.candidates if d.outcome is Outcome.ASK
                          else (d.contact,) if d.outcome is Outcome.SAME and d.contact
                          else (), d.note) for d in decisions]
    planned += [PlannedRow(row, Outcome.REFUSED) for row in sorted(refused)]
    problems.sort(key=lambda p: p.row)  # the report in the file's order
    return ImportPlan(APPLICANTS, source, rows.table.sheet, rows.layout.headings,
                      rows.mapping, tuple(planned), tuple(problems),
                      _Prepared(source.event_id, tuple(a.applicant for a in decisions)))


def _read(rows: SourceRows, progress: Progress | None
          ) -> tuple[list[_Applicant], list[RowProblem], set[int]]:
    """Every data row checked; the good ones in the order sent (rows with no 送信日時 are
    refused: their place in the queue would be made up)."""
    applicants: list[_Applicant] = []
    problems: list[RowProblem] = list(rows.formula_problems)
    refused: set[int] = {p.row for p in problems}
    total = rows.count
    for done, (row, cells) in enumerate(rows.rows(), 1):
        try:
            applicants.append(_applicant(row, cells))
        except ValidationError as error:
            problems += rows.problems(row, cells, error)
            refused.add(row)
        _tell(progress, done, total)
    applicants.sort(key=lambda a: a.sent_at)  # stable: one moment keeps the file's order
    return applicants, problems, refused


def _applicant(row: int, cells: Mapping[str, Cell]) -> _Applicant:
    """One row as the sign-up dialog would take it, or ValidationError listing every fault."""
    problems: list[FieldProblem] = []
    sent_at = _checked(problems, lambda: cell_datetime(
        cells.get("submitted_at"), "submitted_at", field_label(APPLICANTS, "submitted_at")))
    if sent_at is None and not any(p.field == "submitted_at" for p in problems):
        problems.append(FieldProblem("submitted_at", "申込日時がありません（申込の順番が決められません）。"))
    text = {f: _text(problems, cells.get(f), f) for f in ("name", "reading", "email", "notes")}
    phones = [*_numbers(problems, cells, "phone"), *_numbers(problems, cells, "mobile")]
    others = [f"{'携帯' if kind == 'mobile' else '電話2'}: {number}" for kind, number in phones[1:]]
    person = ContactDraft(kind=ContactKind.PERSON, name=text["name"], reading=text["reading"],
                          phone=phones[0][1] if phones else "", email=text["email"],
                          notes="\n".join(others))
    person = _checked(problems, lambda: clean_draft(person)) or person
    for field in ("name", "reading", "email", "notes"):
        _add(problems, problem(field, FIELD_BOUNDS["contacts"][field], getattr(person, field)))
    size = _checked(problems, lambda: _whole(
        cells.get("party_size"), "party_size", field_label(APPLICANTS, "party_size"),
        lowest=0, highest=_NOT_A_LIMIT))
    sign_up = SignUpDraft(contact_id=0, party_size=1 if size is None else size,
                          notes=text["notes"])
    sign_up = _checked(problems, lambda: clean_sign_up(sign_up)) or sign_up
    _add(problems, problem("notes", FIELD_BOUNDS["registrations"]["notes"], sign_up.notes))
    if problems or sent_at is None:
        raise ValidationError(problems)
    values = {field_label(APPLICANTS, "submitted_at"): f"{sent_at:%Y/%m/%d %H:%M:%S}",
              field_label(APPLICANTS, "name"): person.name,
              field_label(APPLICANTS, "reading"): person.reading,
              field_label(APPLICANTS, "phone"): person.phone,
              field_label(APPLICANTS, "email"): person.email,
              field_label(APPLICANTS, "party_size"): str(sign_up.party_size),
              field_label(APPLICANTS, "notes"): sign_up.notes}
    return _Applicant(row, sent_at, person, sign_up.party_size, sign_up.notes, values,
                      dict(cells))


def _tell(progress: Progress | None, done: int, total: int) -> None:
    """Progress every PROGRESS_EVERY rows and at the end; False from it cancels."""
    if progress is not None and (done % PROGRESS_EVERY == 0 or done == total) \
            and progress(done, total) is False:
        raise Cancelled()


def _checked(problems: list[FieldProblem], check: Callable[[], T]) -> T | None:
    """*check*'s answer, or None with its faults added to *problems* (every fault of a row is
    reported at once, not the first alone)."""
    try:
        return check()
    except ValidationError as error:
        for found in error.problems:
            _add(problems, found)
        return None


def _add(problems: list[FieldProblem], found: FieldProblem | None) -> None:
    if found is not None and found not in problems:
        problems.append(found)


def _text(problems: list[FieldProblem], cell: Cell, field: str) -> str:
    return _checked(problems, lambda: cell_text(cell, field=field,
                                                multiline=field == "notes")) or ""


def _numbers(problems: list[FieldProblem], cells: Mapping[str, Cell],
             field: str) -> list[tuple[str, str]]:
    """(field, number as stored) for each number in the cell, each checked as the contact
    form checks a phone, the fault named on this cell's column."""
    found = []
    for number in cell_phones(cells.get(field)):
        if stored := _checked(problems, _phone_check(number, field)):
            found.append((field, stored))
    return found


def _phone_check(number: str, field: str) -> Callable[[], str]:
    return lambda: validation.phone(number, field)


def _open_event(session: Session, event_id: int, *, lock: bool = False) -> Event:
    """The event to sign up for (with *lock*, its seat lock taken), or UserError."""
    stmt = select(Event).where(Event.id == event_id)
    event = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if event is None:
        raise UserError(f"イベント（番号 {event_id}）が見つかりません。")
    if event.cancelled:
        raise UserError(f"「{event.title}」は中止になったため、申込を取り込めません。")
    return event


def _outside_window(rows: SourceRows, event: Event,
                    applicants: list[_Applicant]) -> list[RowProblem]:
    """Rows the sign-up would refuse for this event: sent outside its sign-up window (as on
    the day they were sent), or a party larger than its capacity (add_sign_up's words)."""
    found = []
    for a in applicants:
        faults = []
        late = signup_window_problem(event.signup_opens_on, event.signup_closes_on,
                                     a.sent_at.date())
        if late:
            faults.append(FieldProblem("submitted_at", f"受付期間外の申込です。{late}"))
        if event.capacity is not None and a.party_size > event.capacity:
            faults.append(FieldProblem(
                "party_size", f"{a.party_size}名では定員（{event.capacity}名）を超えるため、"
                "受け付けられません。"))
        if faults:
            found += rows.problems(a.row, a.cells, ValidationError(faults))
    return found


# --- matching and seats ---------------------------------------------------------------------

def _exactly_same(a: Prepared, b: Prepared) -> bool:
    """Exactly the same person (not only likely): the same folded name, no よみ, phone or
    E-mail that differs, and at least one of them the same. A namesake with nothing else
    to compare stays only likely the same (ASK)."""
    if a.kind != b.kind or not a.name or a.name != b.name:
        return False
    pairs = ((a.reading, b.reading), (a.phone, b.phone), (a.email, b.email))
    if any(x and y and x != y for x, y in pairs):
        return False
    return any(x and x == y for x, y in pairs)


def _candidate_facts(c: DuplicateCandidate) -> Prepared:
    return prepare(facts_of(c.kind, c.name, c.reading, c.phone, c.email, c.postal_code))


def _decide(session: Session, event: Event, applicants: Iterable[_Applicant]
            ) -> list[_Decision]:
    """Each applicant matched and given a seat or a place on the waitlist, in the order sent,
    as the event's capacity and queue rule decide (registrations.add_sign_up's rule)."""
    seats = seat_counts(session, [event.id], {event.id: event.capacity})[event.id]
    taken, waiting = seats.taken, seats.waiting_parties
    signed = {contact: (number, status) for contact, number, status in session.execute(
        select(Registration.contact_id, Registration.queue_number, Registration.status)
        .where(Registration.event_id == event.id,
               Registration.status != RegistrationStatus.CANCELLED))}
    earlier: list[tuple[Prepared, int, int | None]] = []  # facts, row, contact
    out = []
    for a in applicants:
        facts = prepare(draft_facts(a.person))
        twice = next(((row, contact) for f, row, contact in earlier
                      if _exactly_same(facts, f)), None)
        if twice is not None:
            out.append(_Decision(a, Outcome.SAME, twice[1], (),
                                 f"{twice[0]}行目と同じ方の申込です（二重申込）"))
            continue
        candidates = likely_duplicates_in(session, a.person, limit=_CANDIDATES)
        exact = [c for c in candidates if _exactly_same(facts, _candidate_facts(c))]
        contact = exact[0].contact_id if len(exact) == 1 else None
        earlier.append((facts, a.row, contact))
        if contact is not None and contact in signed:
            number, status = signed[contact]
            out.append(_Decision(a, Outcome.SAME, contact, (),
                                 f"すでに申込があります（受付番号 {number}・"
                                 f"{REGISTRATION_STATUS_LABELS[status]}）"))
            continue
        if may_confirm_at_once(event.capacity, taken, a.party_size, waiting, event.queue_rule):
            taken += a.party_size
            seat = "受付"
        else:
            waiting += 1
            seat = f"キャンセル待ち {waiting}番"
        if contact is None and candidates:
            alike = "、".join(f"「{c.name}」（{'・'.join(c.reasons) or '名前が同じ'}）"
                             for c in candidates)
            out.append(_Decision(a, Outcome.ASK, None, tuple(c.contact_id for c in candidates),
                                 f"{seat}／登録の {alike} と同じ方かもしれません"))
        else:
            who = "登録済みの連絡先" if contact is not None else "新しい連絡先"
            out.append(_Decision(a, Outcome.NEW, contact, (), f"{seat}（{who}）"))
    return out


# --- run ----------------------------------------------------------------------------------

def run(db: Database, actor: Actor, plan: ImportPlan, *,
        decisions: Mapping[int, int | None] | None = None,
        progress: Progress | None = None) -> ImportResult:
    """Sign every planned row up, in the order sent, all or none; ASK rows as *decisions*
    says (row → the contact to sign up, or None for a new person)."""
    actor.require(Action.CREATE, Resource.REGISTRATIONS)
    chosen = runnable(plan, APPLICANTS, _Prepared, decisions)
    if any(r.outcome in (Outcome.NEW, Outcome.ASK) for r in plan.rows):
        actor.require(Action.CREATE, Resource.CONTACTS)
    return _run(db, actor, plan, plan.prepared, chosen, progress)


@retry_on_contention
def _run(db: Database, actor: Actor, plan: ImportPlan, prepared: _Prepared,
         chosen: Mapping[int, int | None], progress: Progress | None) -> ImportResult:
    added = unchanged = 0
    total = len(prepared.applicants)
    with db.writing(actor) as session:
        # The event's lock first (the lock order of registrations.py), then the plan again:
        # another counter may have signed someone up or added a contact since.
        event = _open_event(session, prepared.event_id, lock=True)
        now = _decide(session, event, prepared.applicants)
        planned = {r.row: r for r in plan.rows}
        changed = [d.applicant.row for d in now
                   if (d.outcome, d.candidates) != (planned[d.applicant.row].outcome,
                                                     planned[d.applicant.row].existing)
                   and not (d.outcome is Outcome.SAME
                            and planned[d.applicant.row].outcome is Outcome.SAME)]
        if changed:
            raise UserError(f"確認の後で登録が変わりました（{row_list(changed)}）。"
                            "もう一度確認してから取り込んでください。")
        signed: set[int] = set()
        for done, d in enumerate(now, 1):
            contact = chosen[d.applicant.row] if d.outcome is Outcome.ASK else d.contact
            if d.outcome is Outcome.SAME or contact in signed or (
                    contact is not None and _signed_up(session, event.id, contact)):
                unchanged += 1
            else:
                if contact is None:
                    contact = add_contact(session, actor, d.applicant.person).id
                add_sign_up(session, actor, event.id,
                            SignUpDraft(contact, d.applicant.party_size, d.applicant.notes),
                            # A register from before the questions answered none of them.
                            today=d.applicant.sent_at.date(), allow_similar=True, asked=False)
                signed.add(contact)
                added += 1
            _tell(progress, done, total)
        name = plan.source.path.name
        record_event(session, actor, "import", Registration.__tablename__, event.id,
                     {"ファイル": [None, name], "新規": [None, added], "追記": [None, 0],
                      "登録済み": [None, unchanged]})
    return ImportResult(APPLICANTS, name, added, 0, unchanged)


def _signed_up(session: Session, event_id: int, contact_id: int) -> bool:
    """The clerk's choice for an ASK row already has an open sign-up for the event."""
    return session.scalar(select(Registration.id).where(
        Registration.event_id == event_id, Registration.contact_id == contact_id,
        Registration.status != RegistrationStatus.CANCELLED).limit(1)) is not None

