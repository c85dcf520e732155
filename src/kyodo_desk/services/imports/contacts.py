"""取り込み: contacts (連絡先 — people and groups, their memberships and representatives).

Reading a row (the same rules as the contact form: `services.contacts.clean_draft` and the
field bounds):

- 区分 (kind): 団体 or 個人 when the file has the column. Without it a row is a group when it
  has a 団体種別, a 法人格 or a 代表者, or when its name carries a legal form (NPO法人, 株式会社 …:
  `likeness.group_core_name` drops something), or when the name column is headed 団体名 (a
  list of groups); else a person.
- 団体種別: a group with none is an NPO法人 when its 法人格 or name says 特定非営利活動法人/NPO法人,
  a 企業 when it says 株式会社/有限会社/合同会社, else a 市民活動団体 (registers seldom have the
  column; the clerk corrects a few by hand rather than refuse a whole register).
- 電話 and 携帯: contacts have one phone number. It is the phone column's first number, or the
  mobile's when the phone column is empty; every other number goes to 備考 as 「電話2: …」 (nothing
  is lost, nothing is guessed). FAX goes to 備考 as 「FAX: …」 (contacts have no fax field).
- 住所1 + 住所2 are joined; 地域 left empty is the one the address suggests (services.districts).
- 活動分野: names separated by 、 , ／ / matched to the administrator's list; an unknown name is
  refused. 設立年月: `cell_year_month`.
- 代表者 (a group's): the person of that name in the file, else the one active person of that
  name in the registry, else a new person of that name. Several of that name in the registry
  is refused (the clerk picks the right one in the form afterwards).
- 所属団体 + 役職 (a person's): the group of that name in the file or the registry (it must exist).

Matching (the duplicates engine of issue 16, `domain.likeness`): a row is *exactly* an
existing record when the kind and the folded name are the same, the readings are the same or
one is empty, and phone, e-mail and address do not contradict (each equal after folding, or
empty on one side). Exactly one such record: SAME if the row adds nothing to it, FILL if it
fills empty fields (a non-empty field is never overwritten; a differing value is left and the
row's note says so). Otherwise the row's likely duplicates (`likely_same`, through the match
keys) scoring ASK_SCORE or more make it ASK; none: NEW. A row exactly like an earlier row of
the same file is SAME/FILL to that row's record (within-file dedupe).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.database.match_keys import facts_of
from kyodo_desk.domain import validation
from kyodo_desk.domain.bounds import FIELD_BOUNDS, MAX_MEMBER_COUNT, problem
from kyodo_desk.domain.cell_values import (
    Cell,
    cell_choice,
    cell_fax,
    cell_phones,
    cell_postal_code,
    cell_text,
    cell_whole_number,
    cell_year_month,
)
from kyodo_desk.domain.dates import year_month
from kyodo_desk.domain.districts import suggest_district
from kyodo_desk.domain.errors import FieldProblem, UserError, ValidationError
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, LEGAL_FORMS
from kyodo_desk.domain.likeness import (
    REASON_WEIGHTS,
    Prepared,
    blocking_keys,
    email_key,
    fold_name,
    group_core_name,
    likely_same,
    phone_key,
    prepare,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.models import ActivityField, Contact, ContactKind, GroupType, Membership
from kyodo_desk.models.contacts import ContactMatchKey
from kyodo_desk.services.contacts import (
    Affiliation,
    ContactDraft,
    _detail,
    add_contacts,
    add_memberships,
    change_contact,
    clean_draft,
)
from kyodo_desk.services.contacts.registry import REPRESENTATIVE_ROLE, ActivityFieldRef
from kyodo_desk.services.districts import town_table
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

TARGET = "contacts"
# A likely duplicate scoring this or more makes a row ASK: the lowest weight of one reason,
# i.e. every candidate the contact form would warn about (same postal code and similar name
# upward). Anything the clerk would be warned of while typing is worth one question here.
ASK_SCORE = min(REASON_WEIGHTS.values())
WRITE_CHUNK = 2_000  # new records inserted by one statement; changed ones held at most
PROGRESS_EVERY = 500
_CHUNK = 500  # values in one IN (…): well under SQLite's and PostgreSQL's limits
_SCANNED_FROM = 4 * _CHUNK
MATCH_BLOCK = 20_000  # rows matched against the registry's side read for them at once
_FIELD_SEPARATORS = re.compile(r"[、,，/／・\n]+")
_KINDS = {"団体": ContactKind.GROUP, "個人": ContactKind.PERSON}
_GROUP_TYPES = {label: GroupType(code) for code, label in GROUP_TYPE_LABELS.items()} | {
    "NPO": GroupType.NPO, "特定非営利活動法人": GroupType.NPO, "企業": GroupType.COMPANY}
_LEGAL_FORMS = {form: form for form in LEGAL_FORMS} | {
    "NPO法人": "特定非営利活動法人", "任意団体": "任意団体（法人格なし）", "なし": "任意団体（法人格なし）"}
_GROUP_HEADINGS = frozenset(fold(h) for h in ("団体名", "団体名称", "団体の名称"))
_NPO_WORDS = ("特定非営利活動法人", "npo法人", "特非")
_COMPANY_WORDS = ("株式会社", "有限会社", "合同会社", "株", "有")
# What the row may fill in a record, as compared after folding (label for the note).
_FILLED = ("reading", "postal_code", "address", "phone", "email", "website", "notes",
           "district", "legal_form", "member_count", "founded_on")
_NOT_CONTRADICTING = ("phone", "email", "address")


# --- the plan's own data (ImportPlan.prepared) ------------------------------------------------

@dataclass
class _Entry:
    """One contact the import writes or meets: the first row that names it, its values in
    stored form (relations apart), the registry record it is (None: new) and its relations
    by name as the file gives them."""

    row: int
    draft: ContactDraft
    existing: int | None = None
    adds: bool = True  # to the existing record: a field or a relation it lacks
    candidates: tuple[int, ...] = ()  # ASK: the likely ones
    representative: str = ""  # a group's, by name
    group: str = ""  # a person's, by name
    role: str = ""
    rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Read:
    """The file's rows read (the slow part of a plan: every cell checked as the form would),
    with the registry's lists the reading depended on: a run reads again only if they
    changed since."""

    rows: tuple[tuple[int, _Entry], ...]  # each as read, before any matching
    problems: tuple[RowProblem, ...]
    lists: tuple[Mapping[str, ActivityFieldRef], Mapping[str, str]]  # 活動分野, town → 地域


@dataclass(frozen=True)
class _Prepared:
    source: SourceRows
    read: _Read
    entries: tuple[_Entry, ...]
    entry_of_row: Mapping[int, int]  # file row → index in entries
    signature: tuple[tuple[int, str, tuple[int, ...]], ...]
    registry_state: tuple[Any, ...]  # _registry_state when the matching was done


# --- plan -------------------------------------------------------------------------------------

def plan(db: Database, actor: Actor, source: ImportSource, *,
         progress: Progress | None = None) -> ImportPlan:
    """What importing *source* would do, row by row; nothing is stored."""
    actor.require(Action.CREATE, Resource.CONTACTS)
    rows = read_source(source, TARGET)
    with db.reading(actor) as session:
        return _plan(session, source, rows, None, progress)


def _lists(session: Session) -> tuple[Mapping[str, ActivityFieldRef], Mapping[str, str]]:
    fields = {fold(name): ActivityFieldRef(id_, name) for id_, name in session.execute(
        select(ActivityField.id, ActivityField.name).where(ActivityField.active))}
    return fields, town_table(session)


def _read_all(session: Session, src: SourceRows, progress: Progress | None) -> _Read:
    lists = _lists(session)
    fields, towns = lists
    has_mobile = "mobile" in src.mapping.values()
    groups_file = fold(src.heading("name")) in _GROUP_HEADINGS
    problems: list[RowProblem] = list(src.formula_problems)
    read: list[tuple[int, _Entry]] = []
    total = src.count
    for done, (row, cells) in enumerate(src.rows()):
        if progress is not None and done % PROGRESS_EVERY == 0 and not progress(done, total):
            raise Cancelled
        entry, faults = _read_row(src, row, cells, fields, towns, has_mobile, groups_file)
        problems.extend(faults)
        if entry is not None and not faults:
            read.append((row, entry))
    if progress is not None and not progress(total, total):
        raise Cancelled
    return _Read(tuple(read), tuple(problems), lists)


def _plan(session: Session, source: ImportSource, src: SourceRows, earlier: _Read | None,
          progress: Progress | None) -> ImportPlan:
    """The plan; *earlier*: the rows as an earlier plan read them, used again unless the
    lists they were read against have changed."""
    read = earlier if earlier is not None and earlier.lists == _lists(session) \
        else _read_all(session, src, progress)
    problems = list(read.problems)
    entries, planned, entry_of_row = _match(session, read.rows)
    problems.extend(_relation_problems(session, src, entries))
    refused = {p.row for p in problems}
    planned_rows = [p for p in planned if p.row not in refused]
    planned_rows += [PlannedRow(r, Outcome.REFUSED) for r in sorted(refused)]
    planned_rows.sort(key=lambda p: p.row)
    signature = tuple((p.row, p.outcome.value, p.existing) for p in planned_rows)
    return ImportPlan(
        target=TARGET, source=source, sheet=src.table.sheet,
        headings=tuple(src.layout.headings), mapping=dict(src.mapping), rows=tuple(planned_rows),
        problems=tuple(sorted(problems, key=lambda p: p.row)),
        prepared=_Prepared(src, read, tuple(entries), entry_of_row, signature,
                           _registry_state(session)))


def _registry_state(session: Session) -> tuple[Any, ...]:
    """What changes whenever any contact or membership does: how many contacts there are,
    the highest number, the sum of their versions (every save raises one, a membership its
    person's). The same at the run as at the plan: the plan's matching still holds."""
    return tuple(session.execute(select(func.count(), func.max(Contact.id),
                                        func.sum(Contact.version))).one())


def _read_row(src: SourceRows, row: int, cells: Mapping[str, Cell],
              fields: Mapping[str, ActivityFieldRef], towns: Mapping[str, str],
              has_mobile: bool, groups_file: bool) -> tuple[_Entry | None, list[RowProblem]]:
    """The row as a cleaned draft and its relations by name, or the report's lines."""
    faults: list[FieldProblem] = []

    def read(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if name not in cells:
            return None
        try:
            return fn(cells[name], *args, **kwargs)
        except ValidationError as exc:
            faults.extend(exc.problems)
            return None

    text = {name: read(name, cell_text, field=name) or "" for name in (
        "name", "reading", "address", "address_1", "address_2", "email", "website",
        "representative", "group", "role", "district")}
    notes = read("notes", cell_text, multiline=True, field="notes") or ""
    if not text["name"] and not any(cells.get(f) not in (None, "") for f in cells if f != "name"):
        return None, []  # an empty row the header finder let through
    kind = read("kind", cell_choice, "kind", "区分", _KINDS)
    group_type = read("group_type", cell_choice, "group_type", "団体種別", _GROUP_TYPES)
    legal_form = read("legal_form", cell_choice, "legal_form", "法人格", _LEGAL_FORMS) or ""
    if kind is None:
        carries_form = group_core_name(text["name"]) != fold_name(text["name"])
        kind = (ContactKind.GROUP if group_type or legal_form or text["representative"]
                or carries_form or groups_file else ContactKind.PERSON)
    if kind is ContactKind.GROUP and group_type is None:
        group_type = _group_type_of(text["name"], legal_form)
    postal = read("postal_code", cell_postal_code) or ""
    address = text["address"] or " ".join(
        part for part in (text["address_1"], text["address_2"]) if part)
    phones = list(read("phone", cell_phones) or ())
    mobiles = list(read("mobile", cell_phones) or ()) if has_mobile else []
    numbers = phones + mobiles
    extra_lines: list[str] = []
    for number in numbers[1:]:
        try:
            extra_lines.append(f"電話2: {validation.phone(number)}")
        except ValidationError as exc:
            faults.extend(FieldProblem("mobile" if number in mobiles and number not in phones
                                       else "phone", p.message) for p in exc.problems)
    faxes = read("fax", cell_fax) or ()
    for number in faxes:
        try:
            extra_lines.append(f"FAX: {validation.phone(number, 'fax')}")
        except ValidationError as exc:
            faults.extend(exc.problems)
    notes = "\n".join(part for part in (notes, *extra_lines) if part)
    member_count = read("member_count", cell_whole_number, "member_count", "構成員数",
                        lowest=0, highest=MAX_MEMBER_COUNT)
    founded = read("founded_on", _founded)
    activity = _activity_fields(read("activity_fields", cell_text, field="activity_fields") or "",
                                fields, faults)
    district = text["district"] or suggest_district(address, postal, towns)
    draft = ContactDraft(
        kind=kind, name=text["name"], group_type=group_type, reading=text["reading"],
        postal_code=postal, address=address, phone=numbers[0] if numbers else "",
        email=text["email"], website=text["website"], notes=notes, district=district,
        legal_form=legal_form, member_count=member_count, founded_on=founded,
        activity_fields=tuple(activity))
    faulted = {p.field for p in faults}
    try:
        draft = clean_draft(draft)
    except ValidationError as exc:
        faults.extend(p for p in exc.problems if p.field not in faulted)
    faults.extend(_bound_problems(draft, text["role"]))
    if faults:
        return None, src.problems(row, cells, ValidationError(_in_columns(faults, src)))
    is_group = kind is ContactKind.GROUP
    return _Entry(row, draft, representative=text["representative"] if is_group else "",
                  group="" if is_group else text["group"],
                  role="" if is_group else text["role"], rows=[row]), []


def _founded(cell: Cell) -> date | None:
    """設立年月; five digits as text are the Excel serial a CSV saved from a General cell
    holds (40269: 2010年4月), as no year-month is written that way."""
    if isinstance(cell, str) and cell.strip().isascii() and cell.strip().isdigit() \
            and len(cell.strip()) == 5:
        cell = int(cell.strip())
    return cell_year_month(cell, "founded_on", "設立年月")


def _in_columns(faults: list[FieldProblem], src: SourceRows) -> list[FieldProblem]:
    """Faults of fields with no column of their own shown at the column they came from (a
    joined address, a phone read from the mobile column)."""
    out = []
    for p in faults:
        name = p.field
        if not src.heading(name):
            name = {"address": "address_1", "phone": "mobile", "fax": "fax"}.get(name, name)
        out.append(FieldProblem(name, p.message))
    return out


def _group_type_of(name: str, legal_form: str) -> GroupType:
    said = fold(f"{legal_form} {name}")
    bracketed = re.findall(r"[(（]([^)）]+)[)）]", name) + re.findall(r"[㈱㈲]", name)
    if legal_form == "特定非営利活動法人" or any(w in said for w in _NPO_WORDS[:2]) \
            or "特非" in bracketed:
        return GroupType.NPO
    if legal_form in ("株式会社", "合同会社") or any(w in said for w in _COMPANY_WORDS[:3]) \
            or any(b in ("株", "有", "㈱", "㈲") for b in bracketed):
        return GroupType.COMPANY
    return GroupType.CIVIC_GROUP


def _activity_fields(text: str, fields: Mapping[str, ActivityFieldRef],
                     faults: list[FieldProblem]) -> list[ActivityFieldRef]:
    found: list[ActivityFieldRef] = []
    unknown = []
    for name in (n.strip() for n in _FIELD_SEPARATORS.split(text)):
        if not name:
            continue
        ref = fields.get(fold(name))
        if ref is None:
            unknown.append(name)
        elif ref not in found:
            found.append(ref)
    if unknown:
        faults.append(FieldProblem("activity_fields", f"活動分野「{'、'.join(unknown)}」は一覧に"
                                   "ありません。管理者の活動分野の一覧にある名前で書いてください。"))
    return found


def _bound_problems(draft: ContactDraft, role: str) -> list[FieldProblem]:
    bounds = FIELD_BOUNDS["contacts"]
    out = [p for name in ("name", "reading", "address", "notes", "website", "email", "phone")
           if (p := problem(name, bounds[name], getattr(draft, name))) is not None]
    if role and (p := problem("role", FIELD_BOUNDS["memberships"]["role"], role)):
        out.append(p)
    return out


# --- matching -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Stored:
    """What the matching reads of a registry contact."""

    id: int
    draft: ContactDraft
    prepared: Prepared


def _facts(draft: ContactDraft) -> Prepared:
    return prepare(facts_of(draft.kind, draft.name, draft.reading, draft.phone, draft.email,
                            draft.postal_code))


def _exactly(a: ContactDraft, pa: Prepared, b: ContactDraft, pb: Prepared) -> bool:
    """The same record: kind and folded name equal, readings equal or one empty, and phone,
    e-mail and address not contradicting."""
    if pa.kind != pb.kind or pa.name != pb.name:
        return False
    if pa.reading and pb.reading and pa.reading != pb.reading:
        return False
    if any(x and y and x != y for x, y in ((pa.phone, pb.phone), (pa.email, pb.email))):
        return False
    return a.address == b.address or not (ours := fold(a.address)) \
        or not (theirs := fold(b.address)) or ours == theirs


@dataclass(frozen=True)
class _Block:
    """What the registry holds for a block of the file's rows (read a block at a time, so
    that a register of 100,000 rows never has the whole registry's side in memory at once)."""

    by_name: Mapping[str, list[_Stored]]
    keyed: Mapping[str, set[int]]
    likely: Mapping[int, _Stored]
    relations: _StoredRelations


def _block(session: Session, rows: Sequence[tuple[_Entry, Prepared]]) -> _Block:
    by_name = _stored_by_name(session, {facts.name for _, facts in rows})
    # Likely duplicates are looked for only where no one record is exactly the row (a second
    # import of a register finds each row's own record by name and needs none of this).
    unmatched = [facts for entry, facts in rows
                 if len([s for s in by_name.get(facts.name, ())
                         if _exactly(entry.draft, facts, s.draft, s.prepared)]) != 1]
    keyed, likely = _stored_by_keys(session, {k for p in unmatched for k in blocking_keys(p)})
    relations = _stored_relations(session, [
        (s.id, entry) for entry, facts in rows if entry.representative or entry.group
        for s in by_name.get(facts.name, ())])
    return _Block(by_name, keyed, likely, relations)


def _match(session: Session, read: Sequence[tuple[int, _Entry]]
           ) -> tuple[list[_Entry], list[PlannedRow], dict[int, int]]:
    # Matching fills in the entries: copies, so that the rows as read serve a later run.
    read = [(row, replace(entry, rows=[row])) for row, entry in read]
    entries: list[_Entry] = []
    in_file: dict[tuple[str, str], list[int]] = {}  # (kind, folded name) → entries
    planned: list[PlannedRow] = []
    entry_of_row: dict[int, int] = {}
    for done, (row, entry) in enumerate(read):
        if done % MATCH_BLOCK == 0:
            ahead = [(e, _facts(e.draft)) for _, e in read[done:done + MATCH_BLOCK]]
            block = _block(session, ahead)
        facts = ahead[done % MATCH_BLOCK][1]
        earlier = [i for i in in_file.get((facts.kind, facts.name), ())
                   if _exactly(entry.draft, facts, entries[i].draft, _facts(entries[i].draft))]
        if earlier:
            target = entries[earlier[0]]
            added, notes = _fill(target, entry)
            target.rows.append(row)
            entry_of_row[row] = earlier[0]
            planned.append(PlannedRow(
                row, Outcome.FILL if added else Outcome.SAME, _Shown(target.draft),
                _ids(target.existing), "／".join([f"{target.row}行目と同じ", *notes])))
            continue
        index = len(entries)
        entries.append(entry)
        entry_of_row[row] = index
        in_file.setdefault((facts.kind, facts.name), []).append(index)
        same = [s for s in block.by_name.get(facts.name, ())
                if _exactly(entry.draft, facts, s.draft, s.prepared)]
        if len(same) == 1:
            stored = same[0]
            filled, notes = _fill_from(stored.draft, entry.draft)
            adds_relation = _adds_relation(block.relations, stored.id, entry)
            entry.existing = stored.id
            entry.draft = filled
            outcome = Outcome.FILL if filled != stored.draft or adds_relation else Outcome.SAME
            entry.adds = outcome is Outcome.FILL
            planned.append(PlannedRow(row, outcome, _Shown(filled), (stored.id,),
                                      "／".join(notes)))
            continue
        met = {i for k in blocking_keys(facts) for i in block.keyed.get(k, ())}
        candidates = {i: block.likely[i] for i in met if i in block.likely} | {
            s.id: s for s in same}
        scored = sorted(
            ((lk.score, s.id) for s in candidates.values()
             if (lk := likely_same(facts, s.prepared)) is not None and lk.score >= ASK_SCORE),
            key=lambda found: (-found[0], found[1]))
        # Several records exactly alike (namesakes with nothing to tell them apart): asked.
        scored += [(100, s.id) for s in same if s.id not in {i for _, i in scored}]
        if scored:
            entry.candidates = tuple(i for _, i in scored[:5])
            planned.append(PlannedRow(row, Outcome.ASK, _Shown(entry.draft), entry.candidates,
                                      "登録済みの連絡先と同じかもしれません"))
        else:
            planned.append(PlannedRow(row, Outcome.NEW, _Shown(entry.draft)))
    return entries, planned, entry_of_row


def _ids(existing: int | None) -> tuple[int, ...]:
    return () if existing is None else (existing,)


def _fill_from(stored: ContactDraft, row: ContactDraft) -> tuple[ContactDraft, list[str]]:
    """*stored* with its empty fields filled from *row*, and a note for each field whose
    value differs (the stored one is kept)."""
    changes: dict[str, Any] = {}
    notes = []
    for name in _FILLED:
        theirs, ours = getattr(stored, name), getattr(row, name)
        if ours in (None, "") or ours == theirs:
            continue
        if theirs in (None, ""):
            changes[name] = ours
        elif _folded_value(name, theirs) != _folded_value(name, ours):
            notes.append(f"{field_label(TARGET, name)}が登録と違います（登録のまま）")
    if stored.kind is ContactKind.GROUP:
        if not stored.activity_fields and row.activity_fields:
            changes["activity_fields"] = row.activity_fields
        elif row.activity_fields and {f.id for f in row.activity_fields} != {
                f.id for f in stored.activity_fields}:
            notes.append("活動分野が登録と違います（登録のまま）")
    return (replace(stored, **changes) if changes else stored), notes


def _folded_value(name: str, value: Any) -> Any:
    if name == "phone":
        return phone_key(value)
    if name == "email":
        return email_key(value)
    return fold(value) if isinstance(value, str) else value


def _fill(target: _Entry, row: _Entry) -> tuple[bool, list[str]]:
    """A later row of the file meeting *target*'s record: fill what the row adds."""
    filled, notes = _fill_from(target.draft, row.draft)
    added = filled != target.draft
    target.draft = filled
    for name in ("representative", "group", "role"):
        if getattr(row, name) and not getattr(target, name):
            setattr(target, name, getattr(row, name))
            added = True
    return added, notes


@dataclass(frozen=True)
class _StoredRelations:
    """Of registry contacts a row may be: each group's 代表者 and each person's groups, by
    folded name."""

    representative: Mapping[int, str]
    groups: Mapping[int, set[str]]


def _stored_relations(session: Session, rows: Sequence[tuple[int, _Entry]]) -> _StoredRelations:
    """The relations of the registry contacts *rows* may be (id, the row naming a relation),
    read for all at once rather than by a query or two per row."""
    groups = sorted({contact for contact, e in rows if e.representative})
    people = sorted({contact for contact, e in rows if e.group})
    person = aliased(Contact)
    representative: dict[int, str] = {}
    for chunk in _chunks(groups):
        representative.update((group, fold_name(name)) for group, name in session.execute(
            select(Contact.id, person.name).join(person, person.id == Contact.representative_id)
            .where(Contact.id.in_(chunk))))
    member_of: dict[int, set[str]] = {}
    for chunk in _chunks(people):
        for someone, name in session.execute(
                select(Membership.person_id, Contact.name)
                .join(Contact, Contact.id == Membership.group_id)
                .where(Membership.person_id.in_(chunk))):
            member_of.setdefault(someone, set()).add(fold_name(name))
    return _StoredRelations(representative, member_of)


def _adds_relation(known: _StoredRelations, contact_id: int, entry: _Entry) -> bool:
    """Whether the row's representative or membership is one the record lacks."""
    if entry.representative:
        return known.representative.get(contact_id) != fold_name(entry.representative)
    if entry.group:
        return fold_name(entry.group) not in known.groups.get(contact_id, set())
    return False


def _stored(row: Any) -> _Stored:
    draft = ContactDraft(
        kind=ContactKind(row.kind), name=row.name, group_type=row.group_type,
        reading=row.reading, postal_code=row.postal_code, address=row.address,
        phone=row.phone, email=row.email, website=row.website, notes=row.notes,
        district=row.district, legal_form=row.legal_form, member_count=row.member_count,
        founded_on=row.founded_on)
    return _Stored(row.id, draft, _facts(draft))


_STORED_COLUMNS = (Contact.id, Contact.kind, Contact.name, Contact.group_type, Contact.reading,
                   Contact.postal_code, Contact.address, Contact.phone, Contact.email,
                   Contact.website, Contact.notes, Contact.district, Contact.legal_form,
                   Contact.member_count, Contact.founded_on)
_OFFERED = (Contact.active, Contact.merged_into_id.is_(None))


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = sorted(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _stored_by_name(session: Session, names: set[str]) -> dict[str, list[_Stored]]:
    """Active registry contacts by folded name: those whose search_text begins with the folded
    name as its first word. A few names are looked up by that prefix; a register's worth
    (more than _SCANNED_FROM) by one pass over the registry's first words, as a query per
    500 names read the whole table as many times (100,000 names: minutes)."""
    starts = {fold(name) for name in names if name}
    ids: set[int] = set()
    if len(starts) > _SCANNED_FROM:
        longest = max(map(len, starts)) + 1
        for contact_id, text in session.execute(
                select(Contact.id, func.substr(Contact.search_text, 1, longest))
                .where(*_OFFERED).execution_options(yield_per=10_000)):
            if text.split(" ", 1)[0] in starts:
                ids.add(contact_id)
    else:
        by_length: dict[int, set[str]] = {}
        for start in starts:
            by_length.setdefault(len(start), set()).add(start)
        for length, same_length in by_length.items():
            for chunk in _chunks(same_length):
                # 鈴木一郎101 begins with 鈴木一郎1: the set keeps it once.
                ids.update(session.scalars(select(Contact.id).where(
                    *_OFFERED, func.substr(Contact.search_text, 1, length).in_(chunk))))
    found: dict[str, list[_Stored]] = {}
    for chunk in _chunks(ids):
        for row in session.execute(select(*_STORED_COLUMNS).where(Contact.id.in_(chunk))):
            stored = _stored(row)
            if stored.prepared.name in names:
                found.setdefault(stored.prepared.name, []).append(stored)
    for same in found.values():
        same.sort(key=lambda s: s.id)
    return found


def _stored_by_keys(session: Session, keys: set[str]
                    ) -> tuple[dict[str, set[int]], dict[int, _Stored]]:
    """The registry's match keys among *keys* (key → contact ids), and those contacts."""
    keyed: dict[str, set[int]] = {}
    for chunk in _chunks(keys):
        for key, contact_id in session.execute(
                select(ContactMatchKey.key, ContactMatchKey.contact_id)
                .where(ContactMatchKey.key.in_(chunk))):
            keyed.setdefault(key, set()).add(contact_id)
    found: dict[int, _Stored] = {}
    for chunk in _chunks(set().union(*keyed.values()) if keyed else set()):
        for row in session.execute(select(*_STORED_COLUMNS).where(*_OFFERED,
                                                                   Contact.id.in_(chunk))):
            found[row.id] = _stored(row)
    return keyed, found


class _Shown(Mapping[str, str]):
    """A planned row's values, worked out when read (`_shown`): the wizard shows a few rows,
    and 100,000 dicts made up front took a fifth of the plan's memory."""

    __slots__ = ("draft",)

    def __init__(self, draft: ContactDraft) -> None:
        self.draft = draft

    def __getitem__(self, key: str) -> str:
        return _shown(self.draft)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(_shown(self.draft))

    def __len__(self) -> int:
        return len(_shown(self.draft))


def _shown(draft: ContactDraft) -> dict[str, str]:
    """Field label → value as it will be stored, for the wizard's preview."""
    values: dict[str, Any] = {
        "kind": "団体" if draft.kind is ContactKind.GROUP else "個人", "name": draft.name,
        "reading": draft.reading,
        "group_type": GROUP_TYPE_LABELS.get(draft.group_type or "", ""),
        "postal_code": draft.postal_code, "address": draft.address, "phone": draft.phone,
        "email": draft.email, "website": draft.website, "notes": draft.notes,
        "district": draft.district, "legal_form": draft.legal_form,
        "member_count": "" if draft.member_count is None else str(draft.member_count),
        "founded_on": year_month(draft.founded_on) if draft.founded_on else "",
        "activity_fields": "、".join(f.name for f in draft.activity_fields),
    }
    return {field_label(TARGET, k): v for k, v in values.items() if v}


# --- relations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Relations:
    """Representatives and groups by folded name: in the file (entry index) or the registry
    (ids of the active contacts of that name)."""

    people_in_file: Mapping[str, int]
    groups_in_file: Mapping[str, int]
    people: Mapping[str, Sequence[int]]
    groups: Mapping[str, Sequence[int]]


def _relations(session: Session, entries: Sequence[_Entry]) -> _Relations:
    people_in_file: dict[str, int] = {}
    groups_in_file: dict[str, int] = {}
    for index, entry in enumerate(entries):
        side = groups_in_file if entry.draft.kind is ContactKind.GROUP else people_in_file
        side.setdefault(fold_name(entry.draft.name), index)
    wanted = {fold_name(e.representative) for e in entries if e.representative} | {
        fold_name(e.group) for e in entries if e.group}
    stored = _stored_by_name(session, wanted)
    people = {n: [s.id for s in found if s.draft.kind is ContactKind.PERSON]
              for n, found in stored.items()}
    groups = {n: [s.id for s in found if s.draft.kind is ContactKind.GROUP]
              for n, found in stored.items()}
    return _Relations(people_in_file, groups_in_file, people, groups)


def _relation_problems(session: Session, src: SourceRows,
                       entries: Sequence[_Entry]) -> list[RowProblem]:
    if not any(e.representative or e.group for e in entries):
        return []
    known = _relations(session, entries)
    out = []
    for entry in entries:
        if entry.representative:
            name = fold_name(entry.representative)
            if name not in known.people_in_file and len(known.people.get(name, ())) > 1:
                out.append(RowProblem(
                    entry.row, src.heading("representative"), entry.representative,
                    f"代表者「{entry.representative}」と同じ名前の個人が"
                    f"{len(known.people[name])}人登録されています。この欄を空にして取り込み、"
                    "連絡先の画面で代表者を選んでください。"))
        if entry.group:
            name = fold_name(entry.group)
            if name in known.groups_in_file:
                continue
            count = len(known.groups.get(name, ()))
            if count != 1:
                out.append(RowProblem(
                    entry.row, src.heading("group"), entry.group,
                    f"所属団体「{entry.group}」が登録されていません。団体を先に登録するか、"
                    "同じファイルに団体の行を加えてください。" if count == 0 else
                    f"所属団体「{entry.group}」と同じ名前の団体が{count}件あります。"
                    "連絡先の画面で所属を選んでください。"))
    return out


# --- run --------------------------------------------------------------------------------------

@retry_on_contention
def run(db: Database, actor: Actor, plan: ImportPlan, *,
        decisions: Mapping[int, int | None] | None = None,
        progress: Progress | None = None) -> ImportResult:
    """Import *plan* in one transaction (all rows or none), audited as one act."""
    actor.require(Action.CREATE, Resource.CONTACTS)
    actor.require(Action.CHANGE, Resource.CONTACTS)
    decisions = runnable(plan, TARGET, _Prepared, decisions)
    prepared: _Prepared = plan.prepared
    with db.writing(actor) as session:
        if prepared.read.lists == _lists(session) \
                and _registry_state(session) == prepared.registry_state:
            # Nothing in the registry has changed since the plan: its matching stands (a
            # copy, so that a run cancelled or refused leaves the plan as it was).
            again = plan
            now = replace(prepared, entries=tuple(copy(e) for e in prepared.entries))
        else:
            again = _plan(session, plan.source, prepared.source, prepared.read, None)
            now = again.prepared
            if again.problems or now.signature != prepared.signature:
                raise UserError("確認のあとで登録内容が変わりました。もう一度確認してから"
                                "取り込んでください。何も登録していません。")
        for r in again.rows:
            if r.outcome is not Outcome.ASK:
                continue
            chosen = decisions[r.row]
            entry = now.entries[now.entry_of_row[r.row]]
            if chosen is not None:
                stored = session.get(Contact, chosen)
                assert stored is not None
                entry.draft, _ = _fill_from(_detail(session, stored).as_draft(), entry.draft)
                entry.existing = chosen
        _write(session, actor, now.entries, progress)
        counts = {o: 0 for o in Outcome}
        for r in again.rows:
            outcome = r.outcome
            if outcome is Outcome.ASK:
                decided = now.entries[now.entry_of_row[r.row]].existing is not None
                outcome = Outcome.FILL if decided else Outcome.NEW
            counts[outcome] += 1
        record_event(session, actor, "import", Contact.__tablename__, None, {
            "ファイル": [None, plan.source.path.name], "新規": [None, counts[Outcome.NEW]],
            "追記": [None, counts[Outcome.FILL]], "登録済み": [None, counts[Outcome.SAME]]})
    return ImportResult(TARGET, plan.source.path.name, counts[Outcome.NEW],
                        counts[Outcome.FILL], counts[Outcome.SAME])


def _write(session: Session, actor: Actor, entries: Sequence[_Entry],
           progress: Progress | None) -> None:
    """New records in bulk, in an order that has every record a row links stored before it
    (people, then groups with their 代表者, then the memberships); changed ones one by one."""
    ids: list[int] = [0] * len(entries)
    known = _relations(session, entries)
    done = 0

    def add(indexes: list[int], drafts: list[ContactDraft]) -> list[int]:
        nonlocal done
        out: list[int] = []
        for start in range(0, len(drafts), WRITE_CHUNK):
            if progress is not None and not progress(done, len(entries)):
                raise Cancelled
            out += add_contacts(session, drafts[start:start + WRITE_CHUNK])
            done += len(drafts[start:start + WRITE_CHUNK])
        for i, number in zip(indexes, out, strict=True):
            ids[i] = number
        return out

    new = [i for i, e in enumerate(entries) if e.existing is None]
    people = [i for i in new if entries[i].draft.kind is ContactKind.PERSON]
    add(people, [entries[i].draft for i in people])
    for i, entry in enumerate(entries):
        if entry.existing is not None:
            ids[i] = entry.existing
    representatives = _representatives(session, entries, ids, known)
    groups = [i for i in new if entries[i].draft.kind is ContactKind.GROUP]
    add(groups, [replace(entries[i].draft, representative=Affiliation(
        representatives[i], entries[i].representative)) if i in representatives
        else entries[i].draft for i in groups])
    changed = 0
    for i, entry in enumerate(entries):
        if entry.existing is None or not entry.adds:
            continue
        if progress is not None and changed % PROGRESS_EVERY == 0 \
                and not progress(done + changed, len(entries)):
            raise Cancelled
        contact = session.get(Contact, entry.existing)
        assert contact is not None
        current = _detail(session, contact).as_draft()
        filled, _ = _fill_from(current, entry.draft)
        if i in representatives:
            contact.representative_id = representatives[i]
        if filled != current:
            change_contact(session, actor, contact, clean_draft(filled))
        changed += 1
        if changed % WRITE_CHUNK == 0:
            session.flush()
            session.expunge_all()  # written: the transaction keeps them, the session need not
    session.flush()
    session.expunge_all()
    _write_memberships(session, entries, ids, known, representatives)


def _representatives(session: Session, entries: Sequence[_Entry], ids: list[int],
                     known: _Relations) -> dict[int, int]:
    """Entry index → the person who becomes its group's 代表者, for each group of the file
    naming one and having none yet: the person of that name in the file (stored by now),
    else the one in the registry (the plan has refused several), else a new person of that
    name, added here. The plan has checked them (_relation_problems)."""
    naming = [i for i, e in enumerate(entries) if e.representative]
    current: dict[int, int | None] = {}
    for chunk in _chunks({entries[i].existing for i in naming} - {None}):
        current.update((contact, person) for contact, person in session.execute(
            select(Contact.id, Contact.representative_id).where(Contact.id.in_(chunk))))
    wanted = [i for i in naming if current.get(entries[i].existing or 0) is None]
    unmade: dict[str, str] = {}  # registered nowhere: made as persons
    for i in wanted:
        name = fold_name(entries[i].representative)
        if name not in known.people_in_file and not known.people.get(name):
            unmade.setdefault(name, entries[i].representative)
    made = dict(zip(unmade, add_contacts(session, [
        clean_draft(ContactDraft(kind=ContactKind.PERSON, name=n)) for n in unmade.values()]),
        strict=True))
    out = {}
    for i in wanted:
        name = fold_name(entries[i].representative)
        out[i] = (ids[known.people_in_file[name]] if name in known.people_in_file
                  else known.people[name][0] if known.people.get(name) else made[name])
    return out


def _write_memberships(session: Session, entries: Sequence[_Entry], ids: list[int],
                       known: _Relations, representatives: Mapping[int, int]) -> None:
    """A new 代表者 joins their group as 代表 (as the form has it, registry.apply_registry),
    and each person the 所属団体 they are given; a pair that exists already is left as it is."""
    links = [(person, ids[i], REPRESENTATIVE_ROLE) for i, person in representatives.items()]
    for i, entry in enumerate(entries):
        if entry.group:
            name = fold_name(entry.group)
            links.append((ids[i], ids[known.groups_in_file[name]] if name in known.groups_in_file
                          else known.groups[name][0], entry.role))
    if not links:
        return
    pairs: set[tuple[int, int]] = set()
    for chunk in _chunks({person for person, _, _ in links}):
        pairs.update((person, group) for person, group in session.execute(
            select(Membership.person_id, Membership.group_id)
            .where(Membership.person_id.in_(chunk))))
    new = []
    for person, group, role in links:
        if (person, group) not in pairs:
            pairs.add((person, group))
            new.append((person, group, role))
    add_memberships(session, new)
