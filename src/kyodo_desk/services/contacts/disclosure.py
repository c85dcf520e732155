"""保有個人情報の開示: everything held about one person or group, gathered for the print that is
handed to them (leaflets/disclosure.py), as the 個人情報保護法 lets a person ask.

What is gathered: the record itself (every field, empty ones too, labelled as the screens
label them), its memberships, every consultation it is the consultee of with its content
(what was asked and answered, the referral, the follow-up: this is their own data), every
sign-up with its notes and attendance, a group's grant cases with their amounts and stage
moves, and the audit trail of its record, its consultations, sign-ups and cases: when, by
whom and what was done, and which fields changed. The log keeps no values of personal fields
(database/audit.py); of a change only the names of the fields changed are given, so nothing
of anyone else's can come out of it either.

Who: administrators only, checked as reading the audit log (操作記録), which only they may
read and which the disclosure contains. The disclosure is a legal act on the person's
request, not a look at a record: it shows the consultations' content although an
administrator otherwise only counts consultations (件数のみ), and it is audited ("disclose",
with the reason the officer typed, never a value) in the transaction that read the data.

A contact whose personal values were erased (削除・利用停止) still discloses what is left: its
number, dates and kept fields, its sign-ups and cases, and the log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import clock, full_date, japan_time, print_style
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.grants import STAGE_LABELS, Stage
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.registry_text import REGISTRY_LABELS, registry_text
from kyodo_desk.models import (
    Account,
    AuditEntry,
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    ContactKind,
    Facility,
    GrantCase,
    GrantCaseMove,
    Registration,
)
from kyodo_desk.services.audit_log import (
    ACTION_LABELS,
    HIDDEN_FIELDS,
    TABLE_LABELS,
    described_fields,
    field_label,
    look_up_names,
    pointed_at,
)
from kyodo_desk.services.consultations import CHANNEL_LABELS, STATUS_LABELS
from kyodo_desk.services.contacts import Affiliation, ContactDetail
from kyodo_desk.services.contacts.record import (
    GrantEntry,
    SignUpEntry,
    contact_detail,
    grant_entries,
    sign_up_entries,
)

__all__ = ["MAX_REASON", "Disclosure", "HeldCase", "HeldConsultation", "HeldSignUp",
           "HistoryLine", "Move", "disclosure"]

MAX_REASON = 300  # a line (domain/bounds.py): what the officer types as the request's reason
_CHANGES = frozenset({"insert", "update", "delete"})  # rows of a change: fields, never values
# The tables whose rows are this contact's own, in the order the history names them.
_CONSULTATIONS, _REGISTRATIONS, _CASES = "consultations", "registrations", "grant_cases"


@dataclass(frozen=True)
class HeldConsultation:
    """One consultation in full. *facts*: the short fields (label, text), *texts*: what was
    asked and answered, the referral and the follow-up plan, which may run long."""

    id: int
    held_on: date
    facility_name: str
    facts: tuple[tuple[str, str], ...]
    texts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HeldSignUp:
    """One sign-up (申込) as the カルテ lists it, with its 受付番号 and its notes (配慮事項)."""

    entry: SignUpEntry
    queue_number: int
    notes_label: str
    notes: str


@dataclass(frozen=True)
class Move:
    """A grant case's move from one stage to the next (段階の移動)."""

    at: datetime  # in Japan time
    from_label: str
    to_label: str
    moved_by: str
    comment: str


@dataclass(frozen=True)
class HeldCase:
    entry: GrantEntry
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class HistoryLine:
    """One audit row about the contact's records: when, who, what was done to which record,
    and which fields (of a change) or what (of a print, an export: its title and pages)."""

    at: datetime  # in Japan time
    actor: str
    action_label: str
    target: str  # 連絡先, or 相談記録（番号 12） …
    what: str


@dataclass(frozen=True)
class Disclosure:
    """Everything held about one contact, for the 開示 print."""

    contact_id: int
    is_group: bool
    name: str
    reason: str
    record: tuple[tuple[str, str], ...]  # every field of the record, "" where empty
    affiliations: tuple[Affiliation, ...]  # a group's members, a person's groups (with role)
    consultations: tuple[HeldConsultation, ...]  # newest first
    sign_ups: tuple[HeldSignUp, ...]  # newest event first
    grant_cases: tuple[HeldCase, ...]  # newest year first
    history: tuple[HistoryLine, ...]  # oldest first


@retry_on_contention
def disclosure(db: Database, actor: Actor, contact_id: int, *, reason: str = "") -> Disclosure:
    """Everything held about the contact *contact_id* (see the module's docstring), read and
    audited ("disclose", with *reason*) in one transaction."""
    actor.require(Action.READ, Resource.AUDIT_LOG)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError([FieldProblem(
            "reason", f"開示の理由は{MAX_REASON}文字以内で入力してください（{len(reason)}文字）。")])
    with db.writing(actor) as session:
        contact = contact_detail(session, contact_id)
        consultations = _consultations(session, contact_id)
        sign_ups = _held_sign_ups(session, contact_id)
        cases = _cases(session, contact_id)
        history = _history(session, contact_id)
        # Last: the rows read above are all committed ones (see database/audit.py).
        record_event(session, actor, "disclose", Contact.__tablename__, contact_id,
                     {"理由": [None, reason]} if reason else {})
    is_group = contact.kind is ContactKind.GROUP
    return Disclosure(
        contact_id=contact_id, is_group=is_group, name=contact.name, reason=reason,
        record=_record_fields(contact),
        affiliations=contact.members if is_group else contact.groups,
        consultations=tuple(consultations), sign_ups=tuple(sign_ups), grant_cases=tuple(cases),
        history=tuple(history))


# --- the record -----------------------------------------------------------------------------

def _record_fields(c: ContactDetail) -> tuple[tuple[str, str], ...]:
    """Every field of the record as the form and the detail pane label it, in the form's
    order; a group's registry (団体台帳) too."""
    group = c.kind is ContactKind.GROUP
    style = print_style()

    def label(key: str) -> str:
        return field_label(Contact.__tablename__, key)

    rows = [(label("id"), str(c.id)), (label("kind"), KIND_LABELS.get(c.kind.value, ""))]
    if group:
        rows.append((label("group_type"),
                     GROUP_TYPE_LABELS.get(c.group_type or "", "") if c.group_type else ""))
    rows += [(label(key), str(getattr(c, key) or "")) for key in
             ("name", "reading", "postal_code", "address", "phone", "email", "website")]
    registry = (tuple(REGISTRY_LABELS) if group else ("district", "registered_on"))
    rows += [(REGISTRY_LABELS[key], registry_text(c, key, style)) for key in registry]
    rows.append((label("notes"), c.notes))
    erased = c.erased_on
    state = (f"統合済み（番号 {c.merged_into_id} へ）" if c.merged_into_id is not None
             else f"削除・利用停止（{full_date(erased, style)}）" if erased is not None
             else "有効" if c.active else "削除済み")
    rows.append(("状態", state))
    return tuple(rows)


# --- consultations --------------------------------------------------------------------------

def _consultations(session: Session, contact_id: int) -> list[HeldConsultation]:
    table = Consultation.__tablename__
    style = print_style()
    topics: dict[int, list[str]] = defaultdict(list)
    mine = Consultation.consultee_contact_id == contact_id
    for consultation_id, name in session.execute(
            select(ConsultationTopicLink.consultation_id, ConsultationTopic.name)
            .join(Consultation, Consultation.id == ConsultationTopicLink.consultation_id)
            .join(ConsultationTopic, ConsultationTopic.id == ConsultationTopicLink.topic_id)
            .where(mine).order_by(ConsultationTopic.display_order, ConsultationTopic.id)):
        topics[consultation_id].append(name)
    held = []
    columns = [getattr(Consultation, key) for key in _CONSULTATION_COLUMNS]

    def label(key: str) -> str:
        return field_label(table, key)

    for c in session.execute(
            select(*columns, Facility.name.label("facility_name"), Account.display_name)
            .join(Facility, Facility.id == Consultation.facility_id)
            .join(Account, Account.id == Consultation.staff_account_id)
            .where(mine).order_by(Consultation.held_on.desc(), Consultation.id.desc())):
        facts = [
            (label("start_time"), _time_text(c.start_time, c.duration_minutes)),
            (label("channel"), CHANNEL_LABELS[ConsultationChannel(c.channel)]),
            (label("topic_id"), "、".join(topics.get(c.id, ()))),
            (label("staff_account_id"), c.display_name),
            (label("status"), STATUS_LABELS[ConsultationStatus(c.status)]),
            (label("returning_consultee"), {True: "継続", False: "新規"}.get(
                c.returning_consultee, "") if c.returning_consultee is not None else ""),
            (label("age_band"), c.age_band), (label("area"), c.area),
            (label("follow_up_due"), full_date(c.follow_up_due, style) if c.follow_up_due
             else ""),
            (label("anonymised_on"), full_date(c.anonymised_on, style) if c.anonymised_on
             else ""),
        ]
        texts = [(label(key), getattr(c, key)) for key in
                 ("asked", "answered", "referral", "follow_up_plan")]
        held.append(HeldConsultation(
            id=c.id, held_on=c.held_on, facility_name=c.facility_name,
            facts=tuple((k, v) for k, v in facts if v),
            texts=tuple((k, v) for k, v in texts if v.strip())))
    return held


_CONSULTATION_COLUMNS = (
    "id", "held_on", "start_time", "duration_minutes", "channel", "status",
    "returning_consultee", "age_band", "area", "follow_up_due", "anonymised_on", "asked",
    "answered", "referral", "follow_up_plan")


def _time_text(start: time | None, minutes: int | None) -> str:
    if start is None:
        return f"{minutes}分" if minutes else ""
    return clock(start) + (f"から{minutes}分" if minutes else "")


# --- sign-ups and cases ---------------------------------------------------------------------

def _held_sign_ups(session: Session, contact_id: int) -> list[HeldSignUp]:
    extra = {r.id: (r.queue_number, r.notes) for r in session.execute(
        select(Registration.id, Registration.queue_number, Registration.notes)
        .where(Registration.contact_id == contact_id))}
    notes_label = field_label(Registration.__tablename__, "notes")
    return [HeldSignUp(e, extra[e.registration_id][0], notes_label, extra[e.registration_id][1])
            for e in sign_up_entries(session, contact_id)]


def _cases(session: Session, contact_id: int) -> list[HeldCase]:
    entries = grant_entries(session, contact_id)
    if not entries:
        return []
    moves: dict[int, list[Move]] = defaultdict(list)
    for m in session.execute(
            select(GrantCaseMove.case_id, GrantCaseMove.moved_at, GrantCaseMove.from_stage,
                   GrantCaseMove.to_stage, GrantCaseMove.moved_by, GrantCaseMove.comment)
            .where(GrantCaseMove.case_id.in_(_case_ids(contact_id)))
            .order_by(GrantCaseMove.moved_at, GrantCaseMove.id)):
        moves[m.case_id].append(Move(
            japan_time(m.moved_at), STAGE_LABELS[Stage(m.from_stage)] if m.from_stage else "",
            STAGE_LABELS[Stage(m.to_stage)], m.moved_by, m.comment))
    return [HeldCase(e, tuple(moves.get(e.case_id, ()))) for e in entries]


def _case_ids(contact_id: int) -> Select[int]:
    return select(GrantCase.id).where(GrantCase.contact_id == contact_id)


# --- the audit trail ------------------------------------------------------------------------

def _history(session: Session, contact_id: int) -> list[HistoryLine]:
    """The audit rows of the contact's record and of its consultations, sign-ups and cases,
    oldest first. Their ids are asked for by subqueries, not lists, so that no database's
    limit on bound parameters is met by a long history."""
    owned: Mapping[str, Select[int]] = {
        _CONSULTATIONS: select(Consultation.id).where(
            Consultation.consultee_contact_id == contact_id),
        _REGISTRATIONS: select(Registration.id).where(Registration.contact_id == contact_id),
        _CASES: _case_ids(contact_id),
    }
    theirs: list[ColumnElement[bool]] = [and_(AuditEntry.table_name == Contact.__tablename__,
                                              AuditEntry.record_id == contact_id)]
    theirs += [and_(AuditEntry.table_name == table, AuditEntry.record_id.in_(ids))
               for table, ids in owned.items()]
    rows = [(r, dict(r.changes or {})) for r in session.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.table_name,
               AuditEntry.record_id, AuditEntry.changes)
        .where(or_(false(), *theirs)).order_by(AuditEntry.id))]
    # The records an event's details point at (an event, a merged record) by name, as the
    # audit screen names them; a change's rows show field names only and need none.
    names = look_up_names(session, pointed_at(
        (r.table_name, changes) for r, changes in rows if r.action not in _CHANGES))
    return [HistoryLine(
        at=japan_time(r.at), actor=r.actor, action_label=ACTION_LABELS.get(r.action, r.action),
        target=_target(r.table_name, r.record_id),
        what=_what(r.action, r.table_name, changes, names)) for r, changes in rows]


def _target(table_name: str, record_id: int | None) -> str:
    label = TABLE_LABELS.get(table_name, table_name)
    if table_name == Contact.__tablename__ or record_id is None:
        return label
    return f"{label}（番号 {record_id}）"


def _what(action: str, table_name: str, changes: dict[str, Any],
          names: Mapping[tuple[str, int], str]) -> str:
    """Of a change, the fields changed, by their labels (never a value); of anything else
    (a print, an export, a merge: details the log keeps without personal values), the
    description the audit screen shows."""
    if action in _CHANGES:
        hidden = HIDDEN_FIELDS.get(table_name, frozenset())
        return "、".join(field_label(table_name, key) for key, value in changes.items()
                        if key != "id" and key not in hidden and not _blank(value))
    return "、".join(described_fields(changes, table_name, names))


def _blank(value: Any) -> bool:
    """Whether a logged [old, new] pair is empty on both sides (a field a new record left
    blank): only emptiness is looked at, no value is shown."""
    pair = value if isinstance(value, list | tuple) and len(value) == 2 else (None, value)
    return all(v is None or v == "" for v in pair)
