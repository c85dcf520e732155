"""取り込み of 相談記録: the salon's and the centers' past consultation logs.

Each row becomes a ConsultationDraft and passes the form's own checks (clean_draft, the
field bounds, the 担当者 rule); its names are looked up in the records:

- 相談者: the one contact (person or group, not merged away) whose folded name is the cell's.
  An empty cell, 匿名 or 不明 is an anonymous consultation (年代 and 地域 不明); a name no contact
  has is refused — a consultation is never recorded against a consultee made up on the way,
  the contacts are imported first — and so is a name several contacts share.
- 担当者: the account whose folded display name is the cell's (none: the importing account).
- 施設: a facility's name, short name (東部, 中央, 市民交流サロン) or code, or the one facility
  whose name holds the cell (サロン); none: the importing account's facility.
- 相談の分野: topic names separated by 、 , ／ or ・ (a name with ・ in it, 資金・交付金, stays
  whole).

Matching: a row is SAME when a record of the same day, facility and consultee (anonymous
ones: with none) with the same folded 相談内容 is stored, each record answering one row, so a
second import of the file adds nothing; otherwise NEW. There is no FILL or ASK here: a
consultation is there or it is not.

新規/継続 is derived as create_consultation derives it (the consultee consulted on or before
that day), over the stored records and the imported rows taken in date order; a stored
record marked 新規 whose consultee an imported row shows consulted earlier becomes 継続.

Retention (services/retention.py): a row held before the retention cut-off is stored already
anonymised, as the retention job would leave it — the date, facility, staff, channel,
topics, status and 新規/継続 that the statistics count, and none of the personal fields.
Storing the personal text first and waiting for the job would keep, for however long
until it is run, what the law says must no longer be kept; refusing the rows would leave
holes in past years' figures. Such a row, and a stored record anonymised since, match on
day, facility, staff, channel and status instead of the content they no longer hold.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.database.field_bounds import check_row
from kyodo_desk.domain.cell_values import Cell, cell_choice, cell_date, cell_text
from kyodo_desk.domain.errors import FieldProblem, UserError, ValidationError
from kyodo_desk.domain.labels import UNKNOWN
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.imports.mapping import CONSULTATIONS
from kyodo_desk.models import (
    Account,
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    Contact,
    Facility,
    Setting,
)
from kyodo_desk.services.consultations import (
    ANONYMOUS,
    CHANNEL_LABELS,
    STATUS_LABELS,
    ConsultationDraft,
    NewConsultation,
    add_consultations,
    clean_draft,
    staff_problem,
)
from kyodo_desk.services.consultations.stats import short_facility_name
from kyodo_desk.services.imports import (
    Cancelled,
    ImportPlan,
    ImportResult,
    ImportSource,
    Outcome,
    PlannedRow,
    Progress,
    RowProblem,
    runnable,
)
from kyodo_desk.services.imports.rows import SourceRows, field_label, read_source
from kyodo_desk.services.retention import ANONYMISED_TEXT, RETENTION_KEY, retention_cutoff

STEP = 500  # rows between two progress calls
WRITE_CHUNK = 2000  # new records inserted by one statement

# Cells that say the consultee is not known by name.
_NAMELESS = frozenset(fold(w) for w in (ANONYMOUS, UNKNOWN, "匿名希望", "なし"))
_TOPIC_SEPARATORS = re.compile(r"[、,，／/;；\n]+")
_CHANNELS = {label: channel for channel, label in CHANNEL_LABELS.items()} | {
    "来館": ConsultationChannel.VISIT, "窓口": ConsultationChannel.VISIT,
    "Eメール": ConsultationChannel.EMAIL, "mail": ConsultationChannel.EMAIL,
    "出張": ConsultationChannel.OUTREACH}
_STATUSES = {label: status for status, label in STATUS_LABELS.items()} | {
    "対応済み": ConsultationStatus.DONE, "済": ConsultationStatus.DONE,
    "終了": ConsultationStatus.DONE, "継続中": ConsultationStatus.IN_PROGRESS}
# The draft's fields → the import's, so a refusal is reported under the file's column.
_DRAFT_TO_FIELD = {"topic_ids": "topics", "consultee_contact_id": "consultee",
                   "staff_account_id": "staff", "facility_id": "facility",
                   "follow_up_plan": "follow_up"}
# What the retention job clears (services/retention.py): an expired row is stored so.
_CLEARED: dict[str, Any] = {"consultee_contact_id": None, "age_band": "", "area": "",
                            "asked": ANONYMISED_TEXT, "answered": "", "referral": "",
                            "follow_up_plan": ""}

_ContentKey = tuple[date, int, int | None, str]  # day, facility, consultee, folded content
_BareKey = tuple[date, int, int, str, str]  # day, facility, staff, channel, status


@dataclass(frozen=True)
class _Row:
    """A row ready to store: its cleaned draft, 担当者 and whether it is past retention."""

    row: int
    draft: ConsultationDraft
    staff_id: int
    expired: bool

    @property
    def content_key(self) -> _ContentKey:
        d = self.draft
        return d.held_on, d.facility_id, d.consultee_contact_id, fold(d.asked)

    @property
    def bare_key(self) -> _BareKey:
        d = self.draft
        return d.held_on, d.facility_id, self.staff_id, d.channel.value, d.status.value


@dataclass(frozen=True)
class _Prepared:
    """What run needs again: the rows as read, and the day the plan judged them on."""

    source: SourceRows
    today: date


# --- the records a file is read against -----------------------------------------------------

class _Records:
    """Facilities, accounts, topics, contacts' names and the retention, read once per plan."""

    def __init__(self, session: Session, today: date) -> None:
        self.facilities = {f.id: f.name for f in session.scalars(
            select(Facility).order_by(Facility.display_order, Facility.id))}
        self.facility_words: dict[str, set[int]] = defaultdict(set)
        for f in session.scalars(select(Facility)):
            for word in (f.name, short_facility_name(f.name), f.code):
                self.facility_words[fold(word)].add(f.id)
        self.accounts = {a.id: a for a in session.scalars(select(Account))}
        self.staff: dict[str, list[int]] = defaultdict(list)
        for a in self.accounts.values():
            self.staff[fold(a.display_name)].append(a.id)
        topics = list(session.execute(select(ConsultationTopic.id, ConsultationTopic.name)
                                      .order_by(ConsultationTopic.display_order)))
        self.topic_names = {topic_id: name for topic_id, name in topics}
        self.topics = {fold(name): topic_id for topic_id, name in topics}
        self.contacts: dict[str, list[int]] = defaultdict(list)
        self.contact_names: dict[int, str] = {}
        for contact_id, name in session.execute(
                select(Contact.id, Contact.name).where(Contact.merged_into_id.is_(None),
                                                       Contact.erased_on.is_(None))):
            self.contacts[fold(name)].append(contact_id)
            self.contact_names[contact_id] = name
        years = session.scalar(select(Setting.value).where(Setting.key == RETENTION_KEY))
        self.cutoff = retention_cutoff(today, int(years)) if years else None

    def facility(self, text: str) -> int:
        folded = fold(text)
        found = self.facility_words.get(folded) or {
            fid for fid, name in self.facilities.items() if folded and folded in fold(name)}
        if len(found) == 1:
            return next(iter(found))
        names = "、".join(self.facilities[f] for f in sorted(found)) if found else ""
        raise _refused("facility", f"施設「{text}」は" + (
            f"いくつかの施設に当たります（{names}）。施設名で書いてください。" if found
            else "見つかりません。施設名か、東部・中央などの略称で書いてください。"))

    def staff_member(self, text: str) -> int:
        found = self.staff.get(fold(text), [])
        if len(found) == 1:
            return found[0]
        # Never the list of accounts: who works where is not for a file's report.
        raise _refused("staff", f"担当者「{text}」に当たるアカウントが" + (
            f"{len(found)}件あります。管理者に表示名を分けてもらってください。" if found
            else "ありません。アカウントの表示名で書いてください。"))

    def consultee(self, text: str) -> int | None:
        """The contact named *text*, or None for an anonymous consultation."""
        folded = fold(text)
        if not folded or folded in _NAMELESS:
            return None
        found = self.contacts.get(folded, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise _refused("consultee", f"相談者「{text}」に当たる連絡先が{len(found)}件あります。"
                                        "連絡先を統合するか、名前で見分けられるようにしてください。")
        raise _refused("consultee", f"相談者「{text}」が連絡先にありません。"
                                    "先に連絡先を取り込んでください。")

    def topic_ids(self, text: str) -> tuple[int, ...]:
        ids: list[int] = []
        unknown: list[str] = []
        for piece in _TOPIC_SEPARATORS.split(text):
            found, rest = _topics_in(piece, self.topics)
            ids += found
            unknown += rest
        if unknown:
            listed = "、".join(self.topic_names.values())
            raise _refused("topics", f"相談の分野「{'、'.join(unknown)}」がありません"
                                     f"（{listed}のいずれか）。")
        return tuple(dict.fromkeys(ids))


def _topics_in(piece: str, topics: Mapping[str, int]) -> tuple[list[int], list[str]]:
    """The topics in *piece*, split at ・ unless the joined words name one (資金・交付金)."""
    parts = [p.strip() for p in piece.split("・")]
    found: list[int] = []
    unknown: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -1):  # the longest run that names a topic
            if (topic_id := topics.get(fold("・".join(parts[start:end])))) is not None:
                found.append(topic_id)
                start = end
                break
        else:
            if parts[start]:
                unknown.append(parts[start])
            start += 1
    return found, unknown


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError([FieldProblem(field, message)])


# --- one row ----------------------------------------------------------------------------------

def _read_row(row: int, cells: Mapping[str, Cell], records: _Records, actor: Actor,
              today: date) -> _Row:
    """The row as a cleaned draft, or ValidationError naming every field at fault."""
    problems: list[FieldProblem] = []

    def text(field: str, *, multiline: bool = False) -> str:
        try:
            return cell_text(cells.get(field), multiline=multiline, field=field)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return ""

    def attempt(read: Any, *args: Any) -> Any:
        try:
            return read(*args)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return None

    label = FIELD_NAMES.get
    held_on = attempt(cell_date, cells.get("held_on"), "held_on", label("held_on"))
    if held_on is None and not any(p.field == "held_on" for p in problems):
        problems.append(FieldProblem("held_on", "相談日がありません。"))
    due = attempt(cell_date, cells.get("follow_up_due"), "follow_up_due",
                  label("follow_up_due"))
    consultee = attempt(records.consultee, text("consultee"))
    staff_text = text("staff")
    staff_id = attempt(records.staff_member, staff_text) if staff_text else actor.account_id
    facility_text = text("facility")
    facility_id = (attempt(records.facility, facility_text) if facility_text
                   else actor.facility_id)
    if facility_id is None and not facility_text:
        problems.append(FieldProblem("facility", "施設がありません。施設名を書いてください。"))
    elif facility_id is not None and not actor.may(Action.CREATE, Resource.CONSULTATIONS,
                                                   facility_id):
        problems.append(FieldProblem("facility", f"このアカウントでは{records.facilities[facility_id]}"
                                                 "の相談記録を登録できません。"))
    channel = attempt(cell_choice, cells.get("channel"), "channel", label("channel"), _CHANNELS)
    status = attempt(cell_choice, cells.get("status"), "status", label("status"), _STATUSES)
    topics_text = text("topics")
    topic_ids = attempt(records.topic_ids, topics_text) if topics_text else ()
    named = consultee is not None
    nameless = not named and not any(p.field == "consultee" for p in problems)
    draft = ConsultationDraft(
        held_on=held_on or today, facility_id=facility_id or 0, asked=text("asked", multiline=True),
        channel=channel or ConsultationChannel.VISIT, topic_ids=topic_ids or (),
        staff_account_id=staff_id, consultee_contact_id=consultee, anonymous=nameless,
        age_band=UNKNOWN if nameless else "", area=UNKNOWN if nameless else "",
        answered=text("answered", multiline=True), referral=text("referral"),
        follow_up_due=due, follow_up_plan=text("follow_up", multiline=True),
        # A past consultation with no 状況 was dealt with: the form's own default is 完了.
        status=status or ConsultationStatus.DONE,
    )
    try:
        draft = clean_draft(draft, today=today)
    except ValidationError as exc:
        problems += [p for p in exc.problems if not _reported(p, problems)]
    try:
        check_row(Consultation, _columns(draft))
    except ValidationError as exc:
        problems += exc.problems
    if staff_id is not None and facility_id is not None and (account := records.accounts.get(
            staff_id)) is not None and (problem := staff_problem(account, facility_id)):
        problems.append(FieldProblem("staff", problem.message))
    if problems:
        raise ValidationError([FieldProblem(_DRAFT_TO_FIELD.get(p.field, p.field), p.message)
                               for p in problems])
    assert staff_id is not None
    expired = records.cutoff is not None and draft.held_on < records.cutoff
    return _Row(row, draft, staff_id, expired)


def _reported(problem: FieldProblem, problems: Iterable[FieldProblem]) -> bool:
    """clean_draft's complaint about a field already refused as read (相談者 not found)."""
    field = _DRAFT_TO_FIELD.get(problem.field, problem.field)
    return any(p.field == field for p in problems)


def _columns(d: ConsultationDraft) -> dict[str, Any]:
    return {"age_band": d.age_band, "area": d.area, "asked": d.asked, "answered": d.answered,
            "referral": d.referral, "follow_up_plan": d.follow_up_plan}


FIELD_NAMES = {f: field_label(CONSULTATIONS, f) for f in (
    "held_on", "consultee", "staff", "facility", "channel", "topics", "asked", "answered",
    "referral", "follow_up", "follow_up_due", "status")}


def _shown(r: _Row, records: _Records) -> dict[str, str]:
    """The row as it will be stored, for the wizard's preview."""
    d = r.draft
    consultee = (records.contact_names.get(d.consultee_contact_id, "")
                 if d.consultee_contact_id is not None else ANONYMOUS)
    values = {
        "相談日": d.held_on.isoformat(), "相談者": consultee,
        "担当者": records.accounts[r.staff_id].display_name,
        "施設": records.facilities.get(d.facility_id, ""),
        "相談方法": CHANNEL_LABELS[d.channel],
        "相談分野": "、".join(records.topic_names[t] for t in d.topic_ids),
        "相談内容": d.asked, "回答・助言": d.answered, "紹介先": d.referral,
        "今後の対応": d.follow_up_plan,
        "フォローアップの期限": d.follow_up_due.isoformat() if d.follow_up_due else "",
        "状況": STATUS_LABELS[d.status]}
    if r.expired:
        values |= {"相談者": "", "相談内容": ANONYMISED_TEXT, "回答・助言": "", "紹介先": "",
                   "今後の対応": ""}
    return values


# --- matching ---------------------------------------------------------------------------------

def _stored(session: Session, rows: list[_Row]) -> tuple[Counter[_ContentKey], Counter[_BareKey]]:
    """The stored records a row of *rows* could be: by content, and the anonymised ones."""
    by_content: Counter[_ContentKey] = Counter()
    bare: Counter[_BareKey] = Counter()
    if not rows:
        return by_content, bare
    days = [r.draft.held_on for r in rows]
    wanted = {(r.draft.held_on, r.draft.facility_id) for r in rows}
    c = Consultation
    for held_on, facility_id, consultee, asked, anonymised, staff, channel, status in \
            session.execute(select(c.held_on, c.facility_id, c.consultee_contact_id, c.asked,
                                   c.anonymised_on, c.staff_account_id, c.channel, c.status)
                            .where(c.held_on.between(min(days), max(days)))):
        if (held_on, facility_id) not in wanted:
            continue
        if anonymised is not None:
            bare[(held_on, facility_id, staff, ConsultationChannel(channel).value,
                  ConsultationStatus(status).value)] += 1
        else:
            by_content[(held_on, facility_id, consultee, fold(asked))] += 1
    return by_content, bare


def _matched(rows: list[_Row], by_content: Counter[_ContentKey],
             bare: Counter[_BareKey]) -> list[bool]:
    """Whether each row is already stored; each stored record answers one row only."""
    out = []
    for r in rows:
        key = r.content_key
        if by_content[key] > 0:
            by_content[key] -= 1
            out.append(True)
        elif r.expired and bare[r.bare_key] > 0:
            bare[r.bare_key] -= 1
            out.append(True)
        else:
            out.append(False)
    return out


# --- plan ----------------------------------------------------------------------------------

def plan(db: Database, actor: Actor, source: ImportSource, *,
         progress: Progress | None = None) -> ImportPlan:
    """What importing *source* would do, row by row; nothing is stored."""
    actor.require(Action.CREATE, Resource.CONSULTATIONS)
    rows = read_source(source, CONSULTATIONS)
    with db.reading(actor) as session:
        return _plan(session, actor, source, rows, date.today(), progress)


def _plan(session: Session, actor: Actor, source: ImportSource, rows: SourceRows, today: date,
          progress: Progress | None) -> ImportPlan:
    records = _Records(session, today)
    ready: list[_Row] = []
    problems: list[RowProblem] = list(rows.formula_problems)
    refused: list[int] = sorted({p.row for p in problems})
    total = rows.count
    for done, (number, cells) in enumerate(rows.rows()):
        if progress is not None and done % STEP == 0 and not progress(done, total):
            raise Cancelled()
        try:
            ready.append(_read_row(number, cells, records, actor, today))
        except ValidationError as exc:
            problems += rows.problems(number, cells, exc)
            refused.append(number)
    if progress is not None and not progress(total, total):
        raise Cancelled()
    planned = [PlannedRow(n, Outcome.REFUSED) for n in refused]
    for r, same in zip(ready, _matched(ready, *_stored(session, ready)), strict=True):
        planned.append(PlannedRow(r.row, Outcome.SAME if same else Outcome.NEW,
                                  _shown(r, records),
                                  note="同じ日・施設・相談者・相談内容の記録があります" if same else ""))
    planned.sort(key=lambda p: p.row)
    return ImportPlan(CONSULTATIONS, source, rows.table.sheet, rows.layout.headings,
                      rows.mapping, tuple(planned), tuple(problems), _Prepared(rows, today))


# --- run -----------------------------------------------------------------------------------

@retry_on_contention
def run(db: Database, actor: Actor, plan: ImportPlan, *,
        decisions: Mapping[int, int | None] | None = None,
        progress: Progress | None = None) -> ImportResult:
    """Store the plan's new rows as one act, re-checked against the records as they are now;
    any fault, or a cancel, leaves nothing stored."""
    runnable(plan, CONSULTATIONS, _Prepared, decisions)  # nothing to decide: new or there
    actor.require(Action.CREATE, Resource.CONSULTATIONS)
    rows, today = plan.prepared.source, plan.prepared.today
    with db.writing(actor) as session:
        records = _Records(session, today)
        ready = []
        for number, cells in rows.rows():
            try:
                ready.append(_read_row(number, cells, records, actor, today))
            except ValidationError as exc:
                # The contacts, accounts or topics changed since the plan was made.
                raise UserError(
                    f"確認の後に記録が変わり、{number}行目を取り込めなくなりました"
                    f"（{exc.problems[0].message}）。もう一度確認してください。"
                    "何も登録していません。") from None
        stored = _matched(ready, *_stored(session, ready))
        new = sorted((r for r, same in zip(ready, stored, strict=True) if not same),
                     key=lambda r: (r.draft.held_on, r.row))
        corrected = _store(session, actor, new, today, progress)
        changes: dict[str, list[Any]] = {
            "ファイル": [None, plan.source.path.name], "新規": [None, len(new)],
            "追記": [None, 0], "登録済み": [None, len(ready) - len(new)]}
        if corrected:
            changes["継続に訂正"] = [None, corrected]
        record_event(session, actor, "import", Consultation.__tablename__, None, changes)
    return ImportResult(CONSULTATIONS, plan.source.path.name, len(new), 0, len(ready) - len(new))


def _store(session: Session, actor: Actor, new: list[_Row], today: date,
           progress: Progress | None) -> int:
    """Add *new* (in date order) with 新規/継続 derived; returns how many stored records
    became 継続 because an imported row came before them."""
    consultees = {r.draft.consultee_contact_id for r in new} - {None}
    first_stored: dict[int, date] = {}
    for ids in _chunks(sorted(i for i in consultees if i is not None)):
        for contact_id, held_on in session.execute(
                select(Consultation.consultee_contact_id, Consultation.held_on)
                .where(Consultation.consultee_contact_id.in_(ids))):
            if contact_id is not None and (contact_id not in first_stored
                                           or held_on < first_stored[contact_id]):
                first_stored[contact_id] = held_on
    first_new: dict[int, date] = {}
    batch: list[NewConsultation] = []
    total = len(new)
    for done, r in enumerate(new):
        if progress is not None and done % STEP == 0 and not progress(done, total):
            raise Cancelled()
        d, contact_id = r.draft, r.draft.consultee_contact_id
        returning = None
        if contact_id is not None:
            # As create_consultation: consulted on or before this day, stored or imported.
            returning = contact_id in first_new or (
                contact_id in first_stored and first_stored[contact_id] <= d.held_on)
            first_new.setdefault(contact_id, d.held_on)
        batch.append(NewConsultation(replace(d, **_CLEARED) if r.expired else d, r.staff_id,
                                     returning, today if r.expired else None))
        if len(batch) == WRITE_CHUNK:
            add_consultations(session, actor, batch)
            batch.clear()
    add_consultations(session, actor, batch)
    if progress is not None and not progress(total, total):
        raise Cancelled()
    return _correct_returning(session, first_new)


def _correct_returning(session: Session, first_new: Mapping[int, date]) -> int:
    """Stored records marked 新規 held after an imported consultation of the same consultee."""
    corrected = 0
    for ids in _chunks(sorted(first_new)):
        for record in session.scalars(select(Consultation).where(
                Consultation.consultee_contact_id.in_(ids),
                Consultation.returning_consultee.is_(False))):
            contact_id = record.consultee_contact_id
            if contact_id is not None and record.held_on > first_new[contact_id]:
                record.returning_consultee = True
                corrected += 1
    session.flush()
    return corrected


def _chunks(ids: list[int], size: int = 1000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


__all__ = ["plan", "run"]
