"""Contact lookup (センター連絡先): search, read and edit facilities, groups and people.

Every function takes the open Database, does its work in one transaction, and returns plain
frozen dataclasses, never live ORM objects.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    SQLColumnExpression,
    and_,
    func,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.audit import insert_rows
from kyodo_desk.database.backend import BY_NUMBER
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.database.match_keys import facts_of, write_keys
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
from kyodo_desk.models.base import search_columns
from kyodo_desk.models.contacts import NAME_START_CHARS, ContactActivityField
from kyodo_desk.services.contacts.erasure import refuse_erased
from kyodo_desk.services.contacts.registry import (
    ActivityFieldRef,
    activity_fields_of,
    apply_registry,
    public_field_keys,
    registry_columns,
    registry_of,
    registry_problems,
    representatives_of,
)

# The facilities' own module; read here too, where the lookup has always found them.
from kyodo_desk.services.facilities import FacilityDetail as FacilityDetail
from kyodo_desk.services.facilities import get_facility as get_facility
from kyodo_desk.services.facilities import list_facilities as list_facilities
from kyodo_desk.services.read_log import View, log_open, log_read

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
    """Where the next page of contacts starts (keyset pagination in list order): after the
    row (sort_key, id) of the band of a search it was in (LEADING, INSIDE)."""

    sort_key: str
    id: int
    band: int = 0
    shown: int = 0  # rows of the list before the next page (for its audit row)


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
    district: str = ""  # 地域: domain.labels.DISTRICT_CHOICES, or "" (未設定)
    # The group registry (団体台帳, services/contacts/registry.py): a group's only.
    legal_form: str = ""  # 法人格 (domain.labels.LEGAL_FORMS) or "" (不明)
    representative: Affiliation | None = None  # 代表者, a person
    activity_fields: tuple[ActivityFieldRef, ...] = ()  # 活動分野, the main one first
    activity_area: str = ""  # 活動地域
    member_count: int | None = None  # 構成員数
    founded_on: date | None = None  # 設立年月 (day 1)
    sns: str = ""  # one address per line
    listed_publicly: bool = False  # 団体一覧に掲載する
    public_fields: tuple[str, ...] = ()  # domain.labels.PUBLIC_FIELDS keys agreed to publish
    confirmed: bool = False  # 内容を確認した: 最終確認日 becomes the day of the save


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
    district: str = ""
    # The group registry, as in ContactDraft; blank for a person.
    legal_form: str = ""
    representative: Affiliation | None = None
    activity_fields: tuple[ActivityFieldRef, ...] = ()
    activity_area: str = ""
    member_count: int | None = None
    founded_on: date | None = None
    sns: str = ""
    listed_publicly: bool = False
    public_fields: tuple[str, ...] = ()
    registered_on: date | None = None  # 登録日
    confirmed_on: date | None = None  # 最終確認日
    erased_on: date | None = None  # 削除・利用停止の日: never changed again (erasure.py)

    def as_draft(self) -> ContactDraft:
        return ContactDraft(
            kind=self.kind, name=self.name, group_type=self.group_type, reading=self.reading,
            postal_code=self.postal_code, address=self.address, phone=self.phone,
            email=self.email, website=self.website, notes=self.notes, groups=self.groups,
            district=self.district, legal_form=self.legal_form,
            representative=self.representative, activity_fields=self.activity_fields,
            activity_area=self.activity_area, member_count=self.member_count,
            founded_on=self.founded_on, sns=self.sns, listed_publicly=self.listed_publicly,
            public_fields=self.public_fields,
        )


# --- search -------------------------------------------------------------------------------
#
# The order of a search (検索順): first the contacts whose reading or name begins with the
# words (やまだ: 山田 花子), then those holding them anywhere else (畠山 大輔, an address, a
# phone), each band in reading order. A reading begins sort_key (the reading, or the name if
# there is none) and a name begins search_text (the folded fields joined by spaces), so a row
# leads exactly when one of the two begins with the folded words.

LEADING, INSIDE = 0, 1  # the bands of a search, in list order
_ABOVE_ALL = "\U0010ffff"  # above every character a folded text holds (prefix ranges)
# Rows sharing the first two characters of a longer name start (佐藤 for 佐藤花) read in list
# order before the gram index is asked instead (each costs a row read).
_LEAD_WINDOW = 2_000
# Names beginning with a word, up to this many, are put in list order from the range of their
# starts (ix_contacts_name_start); PostgreSQL reads each one's row there (no index-only scan
# on an expression), so beyond it the window above is read instead.
_NAME_RANGE = 500
_MAX_TRIGRAMS = 8  # tokens counted for one term: a pasted page needs no more to be narrowed


def search_facilities(db: Database, actor: Actor, query: str = "") -> list[DirectoryEntry]:
    """Active facilities matching *query*: those whose name or reading begins with it first,
    each band in the order of the summary edition."""
    actor.require(Action.READ, Resource.FACILITIES)
    folded = fold_query(query)
    stmt = select(Facility).where(Facility.active).order_by(Facility.display_order, Facility.id)
    if folded:
        stmt = stmt.where(db.backend.contains(Facility.search_text, folded))
    with db.reading(actor) as session:
        facilities = [
            (INSIDE if folded and not _begins(f.sort_key, f.search_text, folded) else LEADING,
             DirectoryEntry(
                 ref=EntryRef("facility", f.id), kind=f.kind.value, group_type=None,
                 name=f.name, reading=f.reading, postal_code=f.postal_code,
                 address=f.full_address, phone=f.phone, email=f.email, sort_key=f.sort_key))
            for f in session.scalars(stmt)
        ]
    return [entry for _band, entry in sorted(facilities, key=lambda f: f[0])]  # stable


def _begins(sort_key: str, search_text: str, folded: str) -> bool:
    return sort_key.startswith(folded) or search_text.startswith(folded)


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
    district: str | None = None,
) -> ContactPage:
    """One page of active groups and people matching *query*: those whose reading or name
    begins with it, then the others, each in reading (よみ) order.

    The query matches names, readings, postal codes, addresses, phones and e-mails, ignoring
    width, kana, case, hyphens and spaces; it is only ever text, never SQL. A page further
    down costs about what the first does, in either band. *district*: only the contacts of
    that 地域 ("" 未設定), None all.
    """
    actor.require(Action.READ, Resource.CONTACTS)
    folded = fold_query(query)
    wanted = _Wanted.of(kinds, district)
    with db.reading(actor) as session:
        if not folded:
            conditions = [*_listed(Contact.__table__.c, wanted),
                          *_after(Contact.__table__.c, after)]
            rows = session.execute(
                select(*_ENTRY_COLUMNS).where(*conditions)
                .order_by(Contact.sort_key, Contact.id).limit(limit)
            ).all()
            bands = [LEADING] * len(rows)
        else:
            found = _matching_ids(db, session, wanted, folded, after, limit)
            rows = _rows_in_order(session, [i for _, i in found])
            bands = [band for band, _ in found]
    entries = [_entry(row) for row in rows]
    offset = after.shown if after else 0
    log_read(db, actor, Contact.__tablename__, View.CONTACT_LIST, rows=len(entries),
             offset=offset, page_size=limit, searched=bool(folded),
             filters=_filter_kinds(kinds, district))
    next_key = None
    if len(entries) == limit:
        next_key = PageKey(entries[-1].sort_key, entries[-1].ref.id, bands[-1],
                           offset + len(entries))
    return ContactPage(entries, next_key)


def _filter_kinds(kinds: Iterable[ContactKind] | None, district: str | None) -> list[str]:
    """The kinds of filter a list applies, for its audit row (never the values chosen)."""
    return [name for name, value in (("kinds", kinds), ("district", district))
            if value is not None]


def count_contacts(db: Database, actor: Actor, query: str = "", *,
                   kinds: Iterable[ContactKind] | None = None,
                   district: str | None = None) -> int:
    """How many active groups and people match *query* in all: the true number beside the
    list (「1,234 件」), however many. A common character among a million contacts takes a
    few hundred milliseconds (benchmarks/search.py), so the list asks after its first page.
    """
    actor.require(Action.READ, Resource.CONTACTS)
    folded = fold_query(query)
    wanted = _Wanted.of(kinds, district)
    with db.reading(actor) as session:
        if not folded:
            return session.scalar(select(func.count()).select_from(Contact)
                                  .where(*_listed(Contact.__table__.c, wanted))) or 0
        return _count_matches(db, session, wanted, folded)


def _listed(c: Any, kinds: _Wanted) -> list[ColumnElement[bool]]:
    """Active, and of the kinds asked for; *c*: the columns of contacts or of an alias."""
    return [c.active, *_of_kinds(c, kinds)]


def _of_kinds(c: Any, kinds: _Wanted) -> list[ColumnElement[bool]]:
    return [*([] if kinds.kinds is None else [c.kind.in_(kinds.kinds)]),
            *([] if kinds.district is None else [c.district == kinds.district])]


@dataclass(frozen=True)
class _Wanted:
    """What a search asks for besides its words: the kinds of contact (None: every kind) and
    the 地域 (None: every one; "" 未設定)."""

    kinds: tuple[ContactKind, ...] | None = None
    district: str | None = None

    @classmethod
    def of(cls, kinds: Iterable[ContactKind] | None, district: str | None) -> _Wanted:
        return cls(None if kinds is None else tuple(kinds), district)


def _after(c: Any, after: PageKey | None) -> list[ColumnElement[bool]]:
    return [] if after is None else [tuple_(c.sort_key, c.id) > tuple_(after.sort_key, after.id)]


def _name_start(c: Any, n: int) -> ColumnElement[str]:
    """The first *n* characters of the folded name, as ix_contacts_lead1/2 hold them (in
    literal numbers: an index on an expression serves only that very expression)."""
    return func.substr(c.search_text, literal_column("1"), literal_column(str(n)))


def _reading_begins(c: Any, folded: str) -> ColumnElement[bool]:
    return and_(c.sort_key >= folded, c.sort_key < folded + _ABOVE_ALL)


def _name_begins(c: Any, folded: str) -> ColumnElement[bool]:
    return func.substr(c.search_text, 1, len(folded)) == folded


def _inside(db: Database, c: Any, folded: str) -> list[ColumnElement[bool]]:
    """The row holds *folded*, but its reading and name do not begin with it: the second band."""
    return [db.backend.contains(c.search_text, folded),
            not_(or_(_reading_begins(c, folded), _name_begins(c, folded)))]


def _matching_ids(db: Database, session: Session, kinds: _Wanted,
                  folded: str, after: PageKey | None, limit: int) -> list[tuple[int, int]]:
    """(band, id) of the first *limit* matches after *after*, in list order."""
    found: list[tuple[int, int]] = []
    if after is None or after.band == LEADING:
        found = [(LEADING, i) for i in _leading_ids(db, session, kinds, folded, after, limit)]
        after = None  # the second band from its start
    if len(found) < limit:
        found += [(INSIDE, i) for i in _inside_ids(db, session, kinds, folded, after,
                                                   limit - len(found))]
    return found


def _leading_ids(db: Database, session: Session, kinds: _Wanted,
                 folded: str, after: PageKey | None, limit: int) -> list[int]:
    """The first band: readings beginning with *folded* (a range of the list's own order)
    merged with names beginning with it (ix_contacts_lead1/2), each read in list order."""
    c = Contact.__table__.c
    by_reading = [(key, id_) for key, id_ in session.execute(
        select(c.sort_key, c.id)
        .where(*_listed(c, kinds), *_after(c, after), _reading_begins(c, folded))
        .order_by(c.sort_key, c.id).limit(limit))]
    by_name: Sequence[tuple[str, int]]
    if len(folded) <= 2:
        lead = db.backend.indexed(Contact.__table__, f"ix_contacts_lead{len(folded)}")
        by_name = [(key, id_) for key, id_ in session.execute(
            select(lead.c.sort_key, lead.c.id)
            .where(*_listed(lead.c, kinds), *_after(lead.c, after),
                   _name_start(lead.c, len(folded)) == folded)
            .order_by(lead.c.sort_key, lead.c.id).limit(limit))]
    else:
        by_name = _names_beginning(db, session, kinds, folded, after, limit)
    merged: list[int] = []
    for _key, id_ in heapq.merge(by_reading, by_name):
        if not merged or merged[-1] != id_:
            merged.append(id_)
    return merged[:limit]


def _names_beginning(db: Database, session: Session, kinds: _Wanted,
                     folded: str, after: PageKey | None,
                     limit: int) -> Sequence[tuple[str, int]]:
    """(sort_key, id) of names beginning with *folded* (three characters or more) in list
    order. Few names begin with most such words (秋田市: none, though 2,043 begin with 秋田
    at a million contacts): then all of them, a range of ix_contacts_name_start, are put in
    order. Where more than _NAME_RANGE do, they
    are read among those sharing its first two characters (ix_contacts_lead2) in list order;
    and the range is sorted after all when those go on without enough of them (佐藤花子
    among 56,000 佐藤 at a million contacts)."""
    start = db.backend.indexed(Contact.__table__, "ix_contacts_name_start")
    c = start.c
    in_range = [*_listed(c, kinds), *_after(c, after),
                db.backend.bytewise_prefix(_name_start(c, NAME_START_CHARS),
                                           folded[:NAME_START_CHARS])]
    if len(folded) > NAME_START_CHARS:
        in_range.append(_name_begins(c, folded))
    few = select(c.id).where(*in_range).limit(_NAME_RANGE + 1).subquery()
    if (session.scalar(select(func.count()).select_from(few)) or 0) > _NAME_RANGE:
        lead = db.backend.indexed(Contact.__table__, "ix_contacts_lead2")
        rows, whole = _read_in_order(
            db, session, lead,
            [*_listed(lead.c, kinds), *_after(lead.c, after),
             _name_start(lead.c, 2) == folded[:2]],
            lambda c: [_name_begins(c, folded)], _LEAD_WINDOW, limit, narrow=True)
        if len(rows) == limit or whole:
            return rows
    # Sorting on expressions keeps the planner from walking the list's index row by row.
    return [(key, id_) for key, id_ in session.execute(
        select(c.sort_key, c.id).where(*in_range)
        .order_by(c.sort_key.concat(""), c.id + 0).limit(limit))]


def _read_in_order(db: Database, session: Session, source: Any,
                   within: list[ColumnElement[bool]],
                   wanted: Callable[[Any], list[ColumnElement[bool]]],
                   window: int, need: int, *,
                   narrow: bool) -> tuple[list[tuple[str, int]], bool]:
    """(sort_key, id) of the first *need* rows meeting *wanted* (made for given columns)
    among the next *window* rows of *source* (an index, read in list order) meeting
    *within*; and whether those were all the rows there are. What lies beyond the window is
    never read. *narrow*: *within* keeps a small part of the list (a name's start)."""
    keys = (source.c.sort_key, source.c.id)
    if db.backend.keeps_subquery_order:
        listed = select(source).where(*within).order_by(*keys).limit(window).subquery("listed")
        rows = session.execute(
            select(listed.c.sort_key, listed.c.id).where(*wanted(listed.c))
            .order_by(listed.c.sort_key, listed.c.id).limit(need)).all()
        if len(rows) == need:
            return [(k, i) for k, i in rows], False
        if not narrow:  # a window of the whole list is all but never the whole list, and
            # asking costs a read of the window: a small table is
            return [(k, i) for k, i in rows], (
                session.scalar(select(func.max(Contact.id))) or 0) <= window
        beyond = session.execute(select(source.c.id).where(*within).order_by(*keys)
                                 .offset(window).limit(1)).first()
        return [(k, i) for k, i in rows], beyond is None
    # SQLite would sort a subquery's rows again, reading them all: the window's last row
    # first (from the index alone, skipped through), then one read in the index's order
    # that stops at the page's last match.
    end = session.execute(select(*keys).where(*within).order_by(*keys)
                          .offset(window - 1).limit(1)).first()
    bounded = [*within, tuple_(*keys) <= tuple_(*end)] if end is not None else within
    rows = session.execute(
        select(*keys).where(*bounded, *wanted(source.c)).order_by(*keys).limit(need)).all()
    return [(k, i) for k, i in rows], end is None


def _index_tokens(db: Database, folded: str) -> tuple[bool, list[str]]:
    """(trigrams?, the tokens) the gram index is asked for *folded*."""
    if not db.backend.uses_trigrams(folded):
        return False, query_grams(folded)
    trigrams = list(dict.fromkeys(folded[i:i + 3] for i in range(len(folded) - 2)))
    step = max(1, len(trigrams) // _MAX_TRIGRAMS)
    return True, trigrams[::step][:_MAX_TRIGRAMS]


def _inside_ids(db: Database, session: Session, kinds: _Wanted,
                folded: str, after: PageKey | None, need: int) -> list[int]:
    """The second band: rows holding *folded* elsewhere than at the start of their reading
    or name, in list order.

    A rare term is answered from the gram index's candidates (each placed in the list); a
    common one by reading the list in order, which soon fills a page. The count of the
    term's rarest token decides: c candidates cost c × candidate_us, a walk to the page's
    end about need × rows / c × walk_row_us. A walk that ends without a page (the matches
    lie further on) falls back on the index.
    """
    backend = db.backend
    trigram, tokens = _index_tokens(db, folded)
    rows = session.scalar(select(func.max(Contact.id))) or 0
    # Beyond this many candidates the walk is the cheaper guess.
    crossover = math.isqrt(int(need * rows * backend.walk_row_us / backend.candidate_us))
    estimate, tokens = backend.candidates(session, Contact.__table__, tokens, cap=crossover + 1,
                                          trigram=trigram)
    if estimate <= crossover:
        return _inside_by_index(db, session, kinds, folded, after, need, trigram, tokens)
    ids, whole = _inside_by_walk(db, session, kinds, folded, after, need)
    if len(ids) == need or whole:
        return ids
    # Every token was common, the term is not: which token is rarest is worth its count.
    _estimate, tokens = backend.candidates(session, Contact.__table__, tokens,
                                           cap=crossover + 1, trigram=trigram, rows=rows)
    return _inside_by_index(db, session, kinds, folded, after, need, trigram, tokens)


def _inside_by_walk(db: Database, session: Session, kinds: _Wanted,
                    folded: str, after: PageKey | None,
                    need: int) -> tuple[list[int], bool]:
    """Matches of the second band among the next walk_window rows of the list, read from
    ix_contacts_walk alone; and whether those were all the rows left."""
    backend = db.backend
    walk = backend.indexed(Contact.__table__, "ix_contacts_walk")
    rows, whole = _read_in_order(
        db, session, walk,
        [walk.c.active, *backend.walk_conditions(walk.c), *_after(walk.c, after)],
        lambda c: [*_of_kinds(c, kinds), *_inside(db, c, folded)], backend.walk_window, need,
        narrow=False)
    long = backend.indexed(Contact.__table__, "ix_contacts_walk_long")
    long_text = backend.long_text_conditions(long.c)
    if long_text is not None:  # the rows too long for the walking index, read apart
        extra = session.execute(
            select(long.c.sort_key, long.c.id)
            .where(*_listed(long.c, kinds), *long_text, *_after(long.c, after),
                   *_inside(db, long.c, folded))
            .order_by(long.c.sort_key, long.c.id).limit(need)).all()
        # Merged only where the list was read: up to a full page's last row (any beyond it
        # fall off the end) or all of it. A page still short is the index's to answer.
        if len(rows) == need or whole:
            rows = sorted([*rows, *((k, i) for k, i in extra)])[:need]
    return [id_ for _key, id_ in rows], whole


def _inside_by_index(db: Database, session: Session, kinds: _Wanted,
                     folded: str, after: PageKey | None, need: int, trigram: bool,
                     tokens: list[str]) -> list[int]:
    """Matches of the second band from the gram index's candidates, in list order."""
    backend = db.backend
    table = Contact.__table__
    if backend.candidate_order_index is None:
        # PostgreSQL: every candidate's row is read from the heap, so the candidates are
        # narrowed by every token. Sorting on expressions keeps the planner from walking the
        # list's index row by row: matches clustered late in the list (さとう…) made that
        # take 350 ms.
        c = table.c
        stmt = (select(c.id).where(*_listed(c, kinds), *_after(c, after), *_inside(db, c, folded))
                .order_by(c.sort_key.concat(""), c.id + 0).limit(need))
        backend.favour_index(session)
        return list(session.scalars(backend.with_grams(stmt, table, tokens[:2],
                                                       trigram=trigram)))
    # SQLite: the candidates of the rarest tokens, put in list order from an index (no row
    # read) and checked from the top: about a page's worth first (the usual case: SQLite keeps
    # just the best of them as it goes), then, if too few were matches, the rest in turn.
    matches = backend.fts_matches(table, tokens[:2], trigram=trigram)
    order = backend.indexed(table, backend.candidate_order_index)

    def candidates(cursor: PageKey | None) -> Select[str, int]:
        return (select(order.c.sort_key, order.c.id)
                .select_from(matches.join(order, order.c.id == matches.c.id))
                .where(*_listed(order.c, kinds), *_after(order.c, cursor),
                       not_(_reading_begins(order.c, folded)))
                .order_by(order.c.sort_key, order.c.id))

    def check(rows: Sequence[Row[str, int]]) -> list[int]:
        ids = [id_ for _key, id_ in rows]
        hits = set(session.scalars(
            select(table.c.id).where(table.c.id.in_(ids), *_inside(db, table.c, folded))))
        return [id_ for id_ in ids if id_ in hits]

    # Room for false hits (the trigrams of user424 in user4200 018-842-4…): checking a row
    # costs ~2 µs, asking again for the candidates milliseconds.
    first_size = 2 * need + 50
    first = session.execute(candidates(after).limit(first_size)).all()
    found = check(first) if first else []
    if len(found) >= need or len(first) < first_size:
        return found[:need]
    last_key, last_id = first[-1]
    rest = session.execute(candidates(PageKey(last_key, last_id, INSIDE)))
    chunk = 500
    while len(found) < need and (rows := rest.fetchmany(chunk)):
        found += check(rows)
        chunk = min(chunk * 2, 2_000)
    rest.close()
    return found[:need]


def _count_matches(db: Database, session: Session, kinds: _Wanted,
                   folded: str) -> int:
    """The exact number of matches: from the gram index's candidates when they are few
    enough, else by reading the whole walking index."""
    backend = db.backend
    table = Contact.__table__
    rows = session.scalar(select(func.max(Contact.id))) or 0
    trigram, tokens = _index_tokens(db, folded)
    estimate, tokens = backend.candidates(session, table, tokens, cap=max(rows // 16, 1000),
                                          trigram=trigram, rows=rows)
    exact_tokens = len(folded) <= 2  # the term is its own token: no text to check
    per_candidate = backend.candidate_us if exact_tokens else backend.checked_candidate_us
    if estimate * per_candidate <= rows * backend.walk_row_us:
        if backend.candidate_order_index is None:
            stmt = select(func.count()).select_from(table).where(
                *_listed(table.c, kinds), backend.contains(table.c.search_text, folded))
            backend.favour_index(session)
            return session.scalar(backend.with_grams(stmt, table, tokens[:3],
                                                     trigram=trigram)) or 0
        matches = backend.fts_matches(table, tokens[:3], trigram=trigram)
        if exact_tokens:  # its index alone tells each candidate's state and kind
            c = backend.indexed(table, backend.candidate_order_index)
            return session.scalar(
                select(func.count()).select_from(matches.join(c, c.c.id == matches.c.id))
                .where(*_listed(c.c, kinds))) or 0
        c = backend.indexed(table, BY_NUMBER)
        return session.scalar(
            select(func.count()).select_from(matches.join(c, c.c.id == matches.c.id))
            .where(*_listed(c.c, kinds), backend.contains(c.c.search_text, folded))) or 0
    total = 0
    for index, part in (("ix_contacts_walk", backend.walk_conditions),
                        ("ix_contacts_walk_long", backend.long_text_conditions)):
        walk = backend.indexed(table, index)
        conditions = part(walk.c)
        if conditions is not None:
            total += session.scalar(select(func.count()).select_from(walk).where(
                *_listed(walk.c, kinds), *conditions,
                backend.contains(walk.c.search_text, folded))) or 0
    return total


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

def get_contact(db: Database, actor: Actor, contact_id: int) -> ContactDetail:
    actor.require(Action.READ, Resource.CONTACTS)
    with db.reading(actor) as session:
        detail = _detail(session, _load(session, contact_id))
    log_open(db, actor, Contact.__tablename__, contact_id, View.CONTACT)
    return detail


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
        # Filtered and sorted here: with `active` or the order in the query, SQLite walks
        # every active contact in list order (14 ms at 100,000) instead of the group's few.
        rows = session.execute(
            select(Contact.id, Contact.name, Contact.active, Contact.sort_key, Membership.role)
            .join(Membership, Membership.person_id == Contact.id)
            .where(Membership.group_id == c.id)
        ).all()
        members = tuple(Affiliation(r.id, r.name, r.role)
                        for r in sorted(rows, key=lambda r: (r.sort_key, r.id)) if r.active)
    return ContactDetail(
        id=c.id, kind=c.kind, group_type=c.group_type, name=c.name, reading=c.reading,
        postal_code=c.postal_code, address=c.address, phone=c.phone, email=c.email,
        website=c.website, notes=c.notes, active=c.active, version=c.version, groups=groups,
        members=members, merged_into_id=c.merged_into_id, **registry_of(session, c),
        erased_on=c.erased_on,
    )


# --- write --------------------------------------------------------------------------------

def clean_draft(draft: ContactDraft, today: date | None = None) -> ContactDraft:
    """The draft in stored form, or ValidationError listing every field at fault."""
    registry, problems = registry_problems(draft, today or date.today())

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
    if draft.kind is not ContactKind.GROUP:  # a person has no registry (see registry.py)
        cleaned = replace(cleaned, legal_form="", representative=None, activity_fields=(),
                          activity_area="", member_count=None, founded_on=None, sns="",
                          listed_publicly=False, public_fields=(), confirmed=False)
    cleaned = replace(cleaned, **registry)
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
        return _detail(session, add_contact(session, actor, cleaned))


def add_contact(session: Session, actor: Actor, cleaned: ContactDraft, *,
                flush: bool = True) -> Contact:
    """create_contact's work inside the caller's write transaction (an import adds many in
    one): *cleaned* as clean_draft gives it; permission is the caller's to check. Without
    *flush* the record may have no number yet: the caller flushes many at once."""
    from kyodo_desk.services.contacts.duplicates import remember_distinct  # it imports this

    contact = Contact(kind=cleaned.kind, active=True)
    _apply(session, contact, cleaned)
    session.add(contact)
    if flush or cleaned.distinct_from:
        session.flush()
    if cleaned.distinct_from:  # 別の方です, said before the contact had a number
        remember_distinct(session, actor, contact.id, cleaned.distinct_from)
    return contact


def add_contacts(session: Session, drafts: Sequence[ContactDraft]) -> list[int]:
    """Many new contacts inside the caller's write transaction, in a few statements (an
    import of 100,000 rows, for which a flush of ORM objects took minutes): stored, audited
    and matched exactly as add_contact would, their 活動分野 and 代表者 (an existing active
    person, whom the caller has checked) included; memberships are the caller's to add
    (`add_memberships`), once every record they link exists. *drafts* as clean_draft gives
    them. Returns their numbers in order; permission is the caller's."""
    today = date.today()
    rows = []
    for d in drafts:
        if d.groups or d.distinct_from:
            raise ValueError("add_contacts takes no memberships or 別の方です")
        is_group = d.kind is ContactKind.GROUP
        values = {**_columns(d), **registry_columns(d), "active": True, "version": 1,
                  "registered_on": today,
                  "representative_id": d.representative.contact_id
                  if is_group and d.representative else None,
                  "confirmed_on": today if is_group and d.confirmed else None}
        rows.append(values | search_columns(Contact, values))
    ids = insert_rows(session, Contact, rows)
    write_keys(session.connection(), (
        (id_, facts_of(d.kind, d.name, d.reading, d.phone, d.email, d.postal_code))
        for id_, d in zip(ids, drafts, strict=True)), new=True)
    insert_rows(session, ContactActivityField, [
        {"contact_id": id_, "field_id": f.id, "position": position}
        for id_, d in zip(ids, drafts, strict=True) if d.kind is ContactKind.GROUP
        for position, f in enumerate(d.activity_fields)], new_owners=True)
    return ids


def add_memberships(session: Session, links: Iterable[tuple[int, int, str]]) -> None:
    """Add each (person, group, role) in one statement, audited as a save would be, joined
    today (加入日); the pairs must be new and both contacts active (the caller has checked)."""
    today = date.today()
    insert_rows(session, Membership, [
        {"person_id": person, "group_id": group, "role": role, "joined_on": today}
        for person, group, role in links])


def change_contact(session: Session, actor: Actor, contact: Contact,
                   cleaned: ContactDraft) -> None:
    """update_contact's work inside the caller's write transaction, without the version
    check (the caller holds the record as it is now)."""
    from kyodo_desk.services.contacts.duplicates import remember_distinct  # it imports this

    _apply(session, contact, cleaned)
    session.flush()
    if cleaned.distinct_from:
        remember_distinct(session, actor, contact.id, cleaned.distinct_from)


@retry_on_contention
def update_contact(db: Database, actor: Actor, contact_id: int, version: int,
                   draft: ContactDraft) -> ContactDetail:
    """Save changes made to the record as it was at *version*; refuse if it moved on since."""
    actor.require(Action.CHANGE, Resource.CONTACTS)
    cleaned = clean_draft(draft)
    try:
        with db.writing(actor) as session:
            contact = _load(session, contact_id)
            refuse_erased(contact.erased_on)  # before the version: a stale form is told why
            _check_version(contact, version)
            change_contact(session, actor, contact, cleaned)
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
            refuse_erased(contact.erased_on)  # removed for good: never restored
            _check_version(contact, version)
            contact.active = active
            session.flush()
            return contact.version
    except StaleDataError:
        raise ConcurrentEdit("連絡先") from None


def _check_version(contact: Contact, version: int) -> None:
    if contact.version != version:
        raise ConcurrentEdit("連絡先")



def _columns(d: ContactDraft) -> dict[str, Any]:
    """The record's own columns as the (cleaned) draft sets them, the registry's apart."""
    return {"kind": d.kind, "group_type": d.group_type, "name": d.name, "reading": d.reading,
            "postal_code": d.postal_code, "address": d.address, "phone": d.phone,
            "email": d.email, "website": d.website, "notes": d.notes}


def _apply(session: Session, contact: Contact, d: ContactDraft) -> None:
    for key, value in _columns(d).items():
        setattr(contact, key, value)
    today = date.today()
    apply_registry(session, contact, d, today)
    wanted = {a.contact_id: a.role for a in d.groups}
    if wanted:
        found = {row.id: row.erased_on for row in session.execute(
            select(Contact.id, Contact.erased_on)
            .where(Contact.id.in_(wanted), Contact.kind == ContactKind.GROUP))}
        if missing := set(wanted) - set(found):
            raise ValidationError.single(
                "groups", f"所属団体（番号 {sorted(missing)}）が見つかりません。選び直してください。"
            )
        # A membership kept with a group erased since stays; a new one is refused.
        joined = {m.group_id for m in contact.memberships}
        for group_id in sorted(set(wanted) - joined):
            refuse_erased(found[group_id], "groups")
    kept = []
    for m in contact.memberships:
        if m.group_id in wanted:
            m.role = wanted.pop(m.group_id)
            kept.append(m)
    contact.memberships = kept + [Membership(group_id=g, role=r, joined_on=today)
                                  for g, r in wanted.items()]


# --- the whole registry -------------------------------------------------------------------

EXPORT_PAGE_SIZE = 2_000
# The form's fields only, not the long search columns a whole record would bring.
_DETAIL_COLUMNS = (
    Contact.id, Contact.kind, Contact.group_type, Contact.name, Contact.reading,
    Contact.postal_code, Contact.address, Contact.phone, Contact.email, Contact.website,
    Contact.notes, Contact.active, Contact.version, Contact.merged_into_id, Contact.district,
    Contact.legal_form, Contact.representative_id, Contact.activity_area, Contact.member_count,
    Contact.founded_on, Contact.sns, Contact.listed_publicly, Contact.public_fields,
    Contact.registered_on, Contact.confirmed_on, Contact.erased_on,
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
            fields = activity_fields_of(session, [row.id for row in page])
            named = representatives_of(session, [row.representative_id for row in page
                                                 if row.representative_id is not None])
            details = [_page_detail(row, groups, members, fields, named) for row in page]
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
                 members: dict[int, list[Affiliation]],
                 fields: dict[int, list[ActivityFieldRef]],
                 named: dict[int, str]) -> ContactDetail:
    representative = (Affiliation(row.representative_id, named.get(row.representative_id, ""))
                      if row.representative_id is not None else None)
    return ContactDetail(
        id=row.id, kind=row.kind, group_type=row.group_type, name=row.name,
        reading=row.reading, postal_code=row.postal_code, address=row.address, phone=row.phone,
        email=row.email, website=row.website, notes=row.notes, active=row.active,
        version=row.version, groups=tuple(groups.get(row.id, ())),
        members=tuple(members.get(row.id, ())), merged_into_id=row.merged_into_id,
        district=row.district, legal_form=row.legal_form, representative=representative,
        activity_fields=tuple(fields.get(row.id, ())), activity_area=row.activity_area,
        member_count=row.member_count, founded_on=row.founded_on, sns=row.sns,
        listed_publicly=row.listed_publicly, public_fields=public_field_keys(row.public_fields),
        registered_on=row.registered_on, confirmed_on=row.confirmed_on,
        erased_on=row.erased_on,
    )
