"""Contact lookup (センター連絡先): search, read and edit facilities, groups and people.

Every function takes the open Database, does its work in one transaction, and returns plain
frozen dataclasses, never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Row, SQLColumnExpression, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.errors import (
    ConcurrentEdit,
    FieldProblem,
    NotFound,
    ValidationError,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold_query, query_grams
from kyodo_desk.models import Contact, ContactKind, Facility, GroupType, Membership

PAGE_SIZE = 200



@dataclass(frozen=True)
class EntryRef:
    """Which record a list row stands for: ("facility", id) or ("contact", id)."""

    table: str
    id: int


@dataclass(frozen=True)
class DirectoryEntry:
    """One row of the lookup list."""

    ref: EntryRef
    kind: str  # "center" | "salon" | "group" | "person"
    group_type: str | None
    name: str
    reading: str
    postal_code: str
    address: str
    phone: str
    email: str
    sort_key: str


@dataclass(frozen=True)
class PageKey:
    """Where the next page of contacts starts (keyset pagination in list order)."""

    sort_key: str
    id: int


@dataclass(frozen=True)
class ContactPage:
    entries: list[DirectoryEntry]
    next_key: PageKey | None


@dataclass(frozen=True)
class Affiliation:
    """A membership seen from one side: the other contact, and the role."""

    contact_id: int
    name: str
    role: str = ""

    @property
    def label(self) -> str:
        """The other contact with the role held there: 「秋田まちづくりの会（事務局）」."""
        return f"{self.name}（{self.role}）" if self.role else self.name


@dataclass(frozen=True)
class FacilityDetail:
    id: int
    code: str
    kind: str
    name: str
    reading: str
    postal_code: str
    address: str
    building: str
    phone: str
    email: str
    website: str
    facebook: str
    hours: str
    notes: str
    version: int

    @property
    def full_address(self) -> str:
        return self.address + self.building


@dataclass(frozen=True)
class ContactDraft:
    """What the contact form hands over: the fields as typed."""

    kind: ContactKind
    name: str
    group_type: GroupType | None = None
    reading: str = ""
    postal_code: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    notes: str = ""
    groups: tuple[Affiliation, ...] = ()  # for a person: the groups they belong to
    # 別の方です: contacts the clerk said this one is not, though the form offered them as
    # likely duplicates; remembered for each pair when the contact is saved.
    distinct_from: tuple[int, ...] = ()


@dataclass(frozen=True)
class ContactDetail:
    id: int
    kind: ContactKind
    group_type: GroupType | None
    name: str
    reading: str
    postal_code: str
    address: str
    phone: str
    email: str
    website: str
    notes: str
    active: bool
    version: int
    groups: tuple[Affiliation, ...] = ()  # a person's groups
    members: tuple[Affiliation, ...] = field(default=())  # a group's people
    merged_into_id: int | None = None  # 統合済み: the record this one was merged into

    def as_draft(self) -> ContactDraft:
        return ContactDraft(
            kind=self.kind, name=self.name, group_type=self.group_type, reading=self.reading,
            postal_code=self.postal_code, address=self.address, phone=self.phone,
            email=self.email, website=self.website, notes=self.notes, groups=self.groups,
        )


# --- search -------------------------------------------------------------------------------

def search_facilities(db: Database, actor: Actor, query: str = "") -> list[DirectoryEntry]:
    """Active facilities matching *query*, in the order of the summary edition."""
    actor.require(Action.READ, Resource.FACILITIES)
    folded = fold_query(query)
    stmt = select(Facility).where(Facility.active).order_by(Facility.display_order, Facility.id)
    if folded:
        stmt = stmt.where(db.backend.contains(Facility.search_text, folded))
    with db.reading(actor) as session:
        return [
            DirectoryEntry(
                ref=EntryRef("facility", f.id), kind=f.kind.value, group_type=None, name=f.name,
                reading=f.reading, postal_code=f.postal_code, address=f.full_address,
                phone=f.phone, email=f.email, sort_key=f.sort_key,
            )
            for f in session.scalars(stmt)
        ]


_ENTRY_COLUMNS = (
    Contact.id, Contact.kind, Contact.group_type, Contact.name, Contact.reading,
    Contact.postal_code, Contact.address, Contact.phone, Contact.email, Contact.sort_key,
)


def search_contacts(
    db: Database,
    actor: Actor,
    query: str = "",
    *,
    after: PageKey | None = None,
    kinds: Iterable[ContactKind] | None = None,
    limit: int = PAGE_SIZE,
) -> ContactPage:
    """One page of active groups and people matching *query*, in reading (よみ) order.

    The query matches names, readings, postal codes, addresses, phones and e-mails, ignoring
    width, kana, case, hyphens and spaces; it is only ever text, never SQL.
    """
    actor.require(Action.READ, Resource.CONTACTS)
    folded = fold_query(query)
    conditions: list[SQLColumnExpression[bool]] = [Contact.active]
    if kinds is not None:
        conditions.append(Contact.kind.in_(list(kinds)))
    if after is not None:
        conditions.append(tuple_(Contact.sort_key, Contact.id) > tuple_(after.sort_key, after.id))
    with db.reading(actor) as session:
        if not folded:
            rows = session.execute(
                select(*_ENTRY_COLUMNS).where(*conditions)
                .order_by(Contact.sort_key, Contact.id).limit(limit)
            ).all()
        else:
            rows = _rows_in_order(session, _matching_ids(db, session, conditions, folded, limit))
    entries = [_entry(row) for row in rows]
    next_key = None
    if len(entries) == limit:
        next_key = PageKey(entries[-1].sort_key, entries[-1].ref.id)
    return ContactPage(entries, next_key)


def _matching_ids(db: Database, session: Session, conditions: list[SQLColumnExpression[bool]],
                  folded: str, limit: int) -> Sequence[int]:
    """Ids of the first *limit* matches in list order; only narrow columns are read."""
    window = (
        select(Contact.id, Contact.sort_key, Contact.search_text)
        .where(*conditions)
        .order_by(Contact.sort_key, Contact.id)
        .limit(db.backend.scan_window)
        .subquery()
    )
    ids = session.scalars(
        select(window.c.id)
        .where(db.backend.contains(window.c.search_text, folded))
        .order_by(window.c.sort_key, window.c.id)
        .limit(limit)
    ).all()
    if len(ids) == limit:
        return ids
    matched = list(conditions)
    if len(folded) > 1:  # one character is in the text exactly when it is among the grams
        matched.append(db.backend.contains(Contact.search_text, folded))
    # Sorting on expressions stops the planner from walking the sort index again and
    # filtering row by row: matches clustered late in the order (さとう…) made that take 350 ms.
    stmt = (
        select(Contact.id)
        .where(*matched)
        .order_by(Contact.sort_key.concat(""), Contact.id + 0)
        .limit(limit)
    )
    db.backend.favour_index(session)
    return session.scalars(
        db.backend.with_grams(stmt, Contact.__table__, query_grams(folded))
    ).all()


def _rows_in_order(session: Session, ids: Sequence[int]) -> list[Row[*tuple[Any, ...]]]:
    if not ids:
        return []
    by_id = {row.id: row for row in session.execute(
        select(*_ENTRY_COLUMNS).where(Contact.id.in_(ids)))}
    return [by_id[i] for i in ids]


def _entry(row: Row[*tuple[Any, ...]]) -> DirectoryEntry:
    return DirectoryEntry(
        ref=EntryRef("contact", row.id), kind=ContactKind(row.kind).value,
        group_type=row.group_type.value if row.group_type else None, name=row.name,
        reading=row.reading, postal_code=row.postal_code, address=row.address, phone=row.phone,
        email=row.email, sort_key=row.sort_key,
    )


# --- read ---------------------------------------------------------------------------------

def get_facility(db: Database, actor: Actor, facility_id: int) -> FacilityDetail:
    actor.require(Action.READ, Resource.FACILITIES)
    with db.reading(actor) as session:
        f = session.get(Facility, facility_id)
        if f is None:
            raise NotFound("この施設は見つかりません。一覧を更新してください。")
        return FacilityDetail(
            id=f.id, code=f.code, kind=f.kind.value, name=f.name, reading=f.reading,
            postal_code=f.postal_code, address=f.address, building=f.building, phone=f.phone,
            email=f.email, website=f.website, facebook=f.facebook, hours=f.hours,
            notes=f.notes, version=f.version,
        )


def list_facilities(db: Database, actor: Actor) -> list[FacilityDetail]:
    actor.require(Action.READ, Resource.FACILITIES)
    with db.reading(actor) as session:
        ids = session.scalars(
            select(Facility.id).where(Facility.active).order_by(Facility.display_order)
        ).all()
    return [get_facility(db, actor, i) for i in ids]


def get_contact(db: Database, actor: Actor, contact_id: int) -> ContactDetail:
    actor.require(Action.READ, Resource.CONTACTS)
    with db.reading(actor) as session:
        return _detail(session, _load(session, contact_id))


def _load(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("この連絡先は削除されています。一覧を更新してください。")
    return contact


def _detail(session: Session, c: Contact) -> ContactDetail:
    groups = tuple(
        Affiliation(m.group_id, m.group.name, m.role)
        for m in sorted(c.memberships, key=lambda m: m.group.sort_key)
    )
    members: tuple[Affiliation, ...] = ()
    if c.kind is ContactKind.GROUP:
        rows = session.execute(
            select(Contact.id, Contact.name, Membership.role)
            .join(Membership, Membership.person_id == Contact.id)
            .where(Membership.group_id == c.id, Contact.active)
            .order_by(Contact.sort_key)
        ).all()
        members = tuple(Affiliation(r.id, r.name, r.role) for r in rows)
    return ContactDetail(
        id=c.id, kind=c.kind, group_type=c.group_type, name=c.name, reading=c.reading,
        postal_code=c.postal_code, address=c.address, phone=c.phone, email=c.email,
        website=c.website, notes=c.notes, active=c.active, version=c.version, groups=groups,
        members=members, merged_into_id=c.merged_into_id,
    )


# --- write --------------------------------------------------------------------------------

def clean_draft(draft: ContactDraft) -> ContactDraft:
    """The draft in stored form, or ValidationError listing every field at fault."""
    problems: list[FieldProblem] = []

    def check(name: str, fn: Callable[[str], str], value: str) -> str:
        try:
            return fn(value)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return value

    label = "団体名" if draft.kind is ContactKind.GROUP else "氏名"
    name = check("name", lambda v: validation.require("name", label, v), draft.name)
    cleaned = replace(
        draft,
        name=name,
        reading=check("reading", validation.reading, draft.reading),
        postal_code=check("postal_code", validation.postal_code, draft.postal_code),
        address=draft.address.strip(),
        phone=check("phone", validation.phone, draft.phone),
        email=check("email", validation.email, draft.email),
        website=check("website", validation.web_address, draft.website),
        notes=draft.notes.strip(),
        group_type=draft.group_type if draft.kind is ContactKind.GROUP else None,
        groups=draft.groups if draft.kind is ContactKind.PERSON else (),
    )
    if draft.kind is ContactKind.GROUP and draft.group_type is None:
        problems.append(FieldProblem("group_type", "団体の種類を選んでください。"))
    if problems:
        raise ValidationError(problems)
    return cleaned


@retry_on_contention
def create_contact(db: Database, actor: Actor, draft: ContactDraft) -> ContactDetail:
    actor.require(Action.CREATE, Resource.CONTACTS)
    cleaned = clean_draft(draft)
    with db.writing(actor) as session:
        contact = Contact(kind=cleaned.kind, active=True)
        _apply(session, contact, cleaned)
        session.add(contact)
        session.flush()
        return _detail(session, contact)


@retry_on_contention
def update_contact(db: Database, actor: Actor, contact_id: int, version: int,
                   draft: ContactDraft) -> ContactDetail:
    """Save changes made to the record as it was at *version*; refuse if it moved on since."""
    actor.require(Action.CHANGE, Resource.CONTACTS)
    cleaned = clean_draft(draft)
    try:
        with db.writing(actor) as session:
            contact = _load(session, contact_id)
            _check_version(contact, version)
            _apply(session, contact, cleaned)
            session.flush()
            return _detail(session, contact)
    except StaleDataError:
        raise ConcurrentEdit("連絡先") from None


@retry_on_contention
def set_contact_active(db: Database, actor: Actor, contact_id: int, version: int,
                       active: bool) -> int:
    """Remove (deactivate) or restore a contact; linked records keep pointing at it.

    Returns the new version.
    """
    actor.require(Action.DELETE, Resource.CONTACTS)
    try:
        with db.writing(actor) as session:
            contact = _load(session, contact_id)
            _check_version(contact, version)
            contact.active = active
            session.flush()
            return contact.version
    except StaleDataError:
        raise ConcurrentEdit("連絡先") from None


def _check_version(contact: Contact, version: int) -> None:
    if contact.version != version:
        raise ConcurrentEdit("連絡先")



def _apply(session: Session, contact: Contact, d: ContactDraft) -> None:
    contact.kind = d.kind
    contact.group_type = d.group_type
    contact.name = d.name
    contact.reading = d.reading
    contact.postal_code = d.postal_code
    contact.address = d.address
    contact.phone = d.phone
    contact.email = d.email
    contact.website = d.website
    contact.notes = d.notes
    wanted = {a.contact_id: a.role for a in d.groups}
    if wanted:
        found = set(session.scalars(
            select(Contact.id).where(Contact.id.in_(wanted), Contact.kind == ContactKind.GROUP)
        ))
        if missing := set(wanted) - found:
            raise ValidationError.single(
                "groups", f"所属団体（番号 {sorted(missing)}）が見つかりません。選び直してください。"
            )
    kept = []
    for m in contact.memberships:
        if m.group_id in wanted:
            m.role = wanted.pop(m.group_id)
            kept.append(m)
    contact.memberships = kept + [Membership(group_id=g, role=r) for g, r in wanted.items()]


# --- the whole registry -------------------------------------------------------------------

EXPORT_PAGE_SIZE = 2_000
# The form's fields only, not the long search columns a whole record would bring.
_DETAIL_COLUMNS = (
    Contact.id, Contact.kind, Contact.group_type, Contact.name, Contact.reading,
    Contact.postal_code, Contact.address, Contact.phone, Contact.email, Contact.website,
    Contact.notes, Contact.active, Contact.version,
)


def every_contact(db: Database, actor: Actor, *,
                  page_size: int = EXPORT_PAGE_SIZE) -> Iterable[ContactDetail]:
    """Every group and person, removed ones too, by number, each with its groups or members
    as `get_contact` gives them (a group's removed members left out).

    Read a page at a time, each page in a transaction of its own, so a registry of any size
    is never held whole. Numbers never change, so a contact edited meanwhile is still read
    exactly once; one added meanwhile comes last.
    """
    actor.require(Action.READ, Resource.CONTACTS)  # here, not at the first row read
    return _every_contact(db, actor, page_size)


def _every_contact(db: Database, actor: Actor, page_size: int) -> Iterable[ContactDetail]:
    after = 0
    while True:
        with db.reading(actor) as session:
            page = session.execute(
                select(*_DETAIL_COLUMNS).where(Contact.id > after).order_by(Contact.id)
                .limit(page_size)
            ).all()
            if not page:
                return
            last = page[-1].id
            groups = _affiliations(session, Membership.person_id, Membership.group_id,
                                   after, last)
            members = _affiliations(session, Membership.group_id, Membership.person_id,
                                    after, last, Contact.active)
            details = [_page_detail(row, groups, members) for row in page]
        yield from details
        if len(page) < page_size:
            return
        after = last


def _affiliations(session: Session, side: SQLColumnExpression[int],
                  other: SQLColumnExpression[int], after: int, last: int,
                  *conditions: SQLColumnExpression[bool]) -> dict[int, list[Affiliation]]:
    """The other side of each membership of the contacts numbered after *after* up to *last*,
    in reading order. A range, not a list of 2,000 numbers, which cost more to send and to
    look up than the rows themselves."""
    found: dict[int, list[Affiliation]] = {}
    rows = session.execute(
        select(side, Contact.id, Contact.name, Membership.role)
        .join(Contact, Contact.id == other)
        .where(side > after, side <= last, *conditions)
        .order_by(Contact.sort_key, Contact.id)
    )
    for owner, contact_id, name, role in rows:
        found.setdefault(owner, []).append(Affiliation(contact_id, name, role))
    return found


def _page_detail(row: Row[*tuple[Any, ...]], groups: dict[int, list[Affiliation]],
                 members: dict[int, list[Affiliation]]) -> ContactDetail:
    return ContactDetail(
        id=row.id, kind=row.kind, group_type=row.group_type, name=row.name,
        reading=row.reading, postal_code=row.postal_code, address=row.address, phone=row.phone,
        email=row.email, website=row.website, notes=row.notes, active=row.active,
        version=row.version, groups=tuple(groups.get(row.id, ())),
        members=tuple(members.get(row.id, ())),
    )
