"""Likely duplicates (重複候補): the warning while a clerk types, 「別の方です」, and the
registry-wide list of likely pairs (重複候補の一覧) for officers and administrators.

What makes two contacts likely the same is `domain.likeness`; this module only decides whom to
compare. The form compares what is typed with the few contacts filed under one of its blocking
keys in `contact_match_keys` (an indexed lookup, never a scan of the registry). The list reads
every active contact's facts once, folds them once, and compares only the pairs that share a
fact or, at one postal code, may have similar names (`_pairs_among`). A pair marked 「別の方です」
(`distinct_contacts`) is never offered again, by either.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Indel
from sqlalchemy import Row, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.database.match_keys import facts_of
from kyodo_desk.domain.errors import NotFound, UserError
from kyodo_desk.domain.likeness import (
    SIMILAR_NAME_RATIO,
    ContactFacts,
    Likeness,
    Prepared,
    blocking_keys,
    likely_same,
    prepare,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Contact, ContactKind
from kyodo_desk.models.contacts import ContactMatchKey, DistinctContacts
from kyodo_desk.services.contacts import ContactDraft
from kyodo_desk.services.read_log import View, log_read

Progress = Callable[[int, int], None]  # (work done, work in all): for a progress bar

# How often the list reports its progress, in contacts' worth of work.
_PROGRESS_EVERY = 2_000


# Slots: the list holds two candidates per pair, 244,000 over the benchmark's registry, and
# slots save each one its dictionary (about 80 MB in all).
@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """重複候補 — one existing contact a draft (or another contact) is likely the same as."""

    contact_id: int
    kind: ContactKind
    name: str
    reading: str
    postal_code: str
    address: str
    phone: str
    email: str
    score: int  # 0–100, `likeness.likely_same`
    reasons: tuple[str, ...]  # e.g. ("電話番号が同じ", "よみが同じ")


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """重複候補の組 — two active contacts likely to be one, the smaller number first; each
    side's score and reasons are the pair's."""

    first: DuplicateCandidate
    second: DuplicateCandidate
    score: int
    reasons: tuple[str, ...]


# What a candidate shows, and its place in reading order; the facts the rules read are among
# them (kind, name, reading, phone, email, postal code).
_COLUMNS = (
    Contact.id, Contact.kind, Contact.name, Contact.reading, Contact.postal_code,
    Contact.address, Contact.phone, Contact.email, Contact.sort_key,
)
# Removed and merged (統合済み) contacts are no one's duplicate: they are already dealt with.
_OFFERED = (Contact.active, Contact.merged_into_id.is_(None))


def draft_facts(draft: ContactDraft) -> ContactFacts:
    """What the likeness rules read of a draft, as typed (folding makes up for the typing)."""
    return facts_of(draft.kind, draft.name, draft.reading, draft.phone, draft.email,
                    draft.postal_code)


# --- while typing ---------------------------------------------------------------------------

def likely_duplicates(db: Database, actor: Actor, draft: ContactDraft, *,
                      editing_id: int | None = None, limit: int = 5) -> list[DuplicateCandidate]:
    """The active contacts *draft* is likely the same as, best first (score, then reading
    order), at most *limit*.

    Left out: the record being edited (*editing_id*), the contacts in `draft.distinct_from`
    and those marked 「別の方です」 with *editing_id*. A draft with no name yet has none. Every
    role may ask: the form warns whoever registers a contact.
    """
    actor.require(Action.READ, Resource.CONTACTS)
    if not draft.name.strip():
        return []
    with db.reading(actor) as session:
        found = likely_duplicates_in(session, draft, editing_id=editing_id, limit=limit)
    log_read(db, actor, Contact.__tablename__, View.LIKELY_DUPLICATES, rows=len(found),
             searched=True)  # none found: no row (not one for each pause in the typing)
    return found


def likely_duplicates_in(session: Session, draft: ContactDraft, *, editing_id: int | None = None,
                         limit: int = 5) -> list[DuplicateCandidate]:
    """likely_duplicates inside the caller's transaction (an import matches every row of a
    file in one); permission is the caller's to check."""
    if not draft.name.strip():
        return []
    typed = prepare(draft_facts(draft))
    keys = sorted(blocking_keys(typed))
    if not keys or limit <= 0:
        return []
    left_out = set(draft.distinct_from)
    filed = select(ContactMatchKey.contact_id).where(ContactMatchKey.key.in_(keys))
    # Removed and merged ones are left out here, not in SQL: told that only active
    # contacts are wanted, SQLite walks all of them by the index on `active` (14 ms at
    # 100,000 contacts) instead of reading the few filed under the keys (under 1 ms).
    rows = [row for row in session.execute(
        select(*_COLUMNS, Contact.active, Contact.merged_into_id)
        .where(Contact.id.in_(filed))) if row.active and row.merged_into_id is None]
    if editing_id is not None:
        left_out.add(editing_id)
        left_out.update(_marked_distinct_from(session, editing_id))
    found = []
    for row in rows:
        if row.id in left_out:
            continue
        likeness = likely_same(typed, _folded(
            row.kind, row.name, row.reading, row.phone, row.email, row.postal_code))
        if likeness is not None:
            found.append((-likeness.score, row.sort_key, row.id, row, likeness))
    found.sort(key=lambda entry: entry[:3])
    return [_candidate(row, likeness) for *_, row, likeness in found[:limit]]


@functools.lru_cache(maxsize=10_000)
def _folded(kind: ContactKind | str, name: str, reading: str, phone: str, email: str,
            postal_code: str) -> Prepared:
    """A stored contact's facts folded, remembered by their values (so never stale) for the
    next keystrokes, which meet the same candidates. Folding is most of the form's cost where
    many contacts share a postal code and a name's characters: in the demo data (12 postal
    codes, 240 names) one draft meets 2,800 candidates, 140 ms folded afresh."""
    return prepare(facts_of(kind, name, reading, phone, email, postal_code))


def _marked_distinct_from(session: Session, contact_id: int) -> set[int]:
    rows = session.execute(
        select(DistinctContacts.first_id, DistinctContacts.second_id).where(
            or_(DistinctContacts.first_id == contact_id,
                DistinctContacts.second_id == contact_id))
    )
    return {first if second == contact_id else second for first, second in rows}


# --- 別の方です -------------------------------------------------------------------------------

@retry_on_contention
def mark_distinct(db: Database, actor: Actor, first_id: int, second_id: int) -> None:
    """「別の方です」: remember that two contacts are different people or groups, so neither
    the form nor the list offers the pair again. Either order; marking twice changes nothing."""
    actor.require(Action.CHANGE, Resource.CONTACTS)
    if first_id == second_id:
        raise UserError("同じ連絡先どうしを「別の方」とすることはできません。")
    try:
        with db.writing(actor) as session:
            found = set(session.scalars(
                select(Contact.id).where(Contact.id.in_((first_id, second_id)))))
            if len(found) < 2:
                raise NotFound("この連絡先は削除されています。一覧を更新してください。")
            remember_distinct(session, actor, first_id, (second_id,))
    except IntegrityError:
        # Another counter marked the same pair at the same moment (PostgreSQL): it is marked.
        with db.reading(actor) as session:
            if not _is_marked(session, first_id, second_id):
                raise


def remember_distinct(session: Session, actor: Actor, contact_id: int,
                      others: Iterable[int]) -> None:
    """Record 「別の方です」 for *contact_id* and each of *others* not marked yet, in the
    caller's write transaction (flushed, so audited like any row). Numbers that name no
    contact, and *contact_id* itself, are passed over: the form may hold a number of a
    contact deleted meanwhile."""
    wanted = {tuple(sorted((contact_id, other))) for other in others if other != contact_id}
    if not wanted:
        return
    partners = {low if high == contact_id else high for low, high in wanted}
    existing = set(session.scalars(select(Contact.id).where(Contact.id.in_(partners))))
    marked = _marked_distinct_from(session, contact_id)
    for low, high in sorted(wanted):
        other = low if high == contact_id else high
        if other in existing and other not in marked:
            session.add(DistinctContacts(first_id=low, second_id=high, marked_by=actor.account_id))
    session.flush()


def _is_marked(session: Session, first_id: int, second_id: int) -> bool:
    low, high = sorted((first_id, second_id))
    return bool(session.scalar(select(exists().where(
        DistinctContacts.first_id == low, DistinctContacts.second_id == high))))


# --- the whole registry -----------------------------------------------------------------------

def duplicate_pairs(db: Database, actor: Actor, *, progress: Progress | None = None,
                    logged: bool = True) -> list[DuplicatePair]:
    """Every likely pair of active contacts over the whole registry, best score first, then
    by the first number; pairs marked 「別の方です」 left out. For officers and administrators
    (重複の確認と統合). *progress* is told (work done, work in all) now and then, for a bar.

    One read transaction: the registry as it stood at one moment. Reads every active contact
    and returns every likely pair, so its time and memory grow with the registry and with the
    pairs found: 100,000 contacts of a city's variety, about 120,000 pairs (mostly namesakes
    read alike), take a few seconds (benchmarks/duplicates.py).

    Leaves one audit row (services/read_log.py) unless not *logged*: for a caller that
    writes its own (an export).
    """
    actor.require(Action.READ, Resource.DUPLICATES)
    with db.reading(actor) as session:
        rows = session.execute(select(*_COLUMNS).where(*_OFFERED).order_by(Contact.id)).all()
        marked = {(first, second) for first, second in session.execute(
            select(DistinctContacts.first_id, DistinctContacts.second_id))}
    pairs = _pairs_among(rows, marked, progress)
    if logged:
        log_read(db, actor, Contact.__tablename__, View.DUPLICATE_PAIRS, rows=len(pairs))
    return pairs


def _pairs_among(rows: Sequence[Row[*tuple[Any, ...]]], marked: Collection[tuple[int, int]],
                 progress: Progress | None) -> list[DuplicatePair]:
    """The likely pairs among *rows* (in number order) but those in *marked*.

    Exactly the pairs `likely_same` finds among all pairs, without comparing them all: a pair
    sharing a reading, phone, e-mail or core name is found by grouping on that fact; a pair
    at one postal code with a similar name by a similarity join within that postal code
    (`_similar_pairs`). Only the pairs so found go through `likely_same`, which decides and
    gives the score and the reasons. The blocking keys would find them too, but their postal
    keys gather most of a postal code's groups (the town is in their names): 4.5 million
    comparisons over the benchmark's 100,000 contacts, 45 s, for 122,000 likely pairs.
    """
    count = len(rows)
    report = _Reporter(progress, 3 * count)  # each contact folded, looked up, compared
    prepared: list[Prepared] = []
    for position, row in enumerate(rows):
        prepared.append(prepare(_facts(row)))
        report(position)
    found: set[tuple[int, int]] = set()  # positions, the smaller first
    # Per kind: the contacts by reading, phone, e-mail, core name and postal code.
    by_fact: dict[str, tuple[dict[str, list[int]], ...]] = {}
    for position, facts in enumerate(prepared):
        if facts.kind not in by_fact:
            by_fact[facts.kind] = ({}, {}, {}, {}, {})
        readings, phones, emails, cores, postals = by_fact[facts.kind]
        if facts.reading:
            readings.setdefault(facts.reading, []).append(position)
        if facts.phone:
            phones.setdefault(facts.phone, []).append(position)
        if facts.email:
            emails.setdefault(facts.email, []).append(position)
        if facts.core:
            cores.setdefault(facts.core, []).append(position)
        if facts.postal and facts.alike:
            postals.setdefault(facts.postal, []).append(position)
    for *exact, _ in by_fact.values():
        for sharing in itertools.chain.from_iterable(group.values() for group in exact):
            if len(sharing) > 1:
                found.update(itertools.combinations(sharing, 2))
    by_postal = [neighbours for *_, postals in by_fact.values() for neighbours in postals.values()]
    del by_fact
    looked = count
    for neighbours in by_postal:
        if len(neighbours) > 1:
            # Name with name, reading with reading, core name with core name.
            fields: dict[str, list[tuple[int, str]]] = {}
            for position in neighbours:
                for field, text in prepared[position].alike:
                    fields.setdefault(field, []).append((position, text))
            for texts in fields.values():
                found.update(_similar_pairs(texts))
        looked += len(neighbours)
        report(looked)
    del by_postal
    # Only the folded facts of contacts in a pair are kept: the pairs to come need the room.
    folded = {position: prepared[position]
              for position in set(itertools.chain.from_iterable(found))}
    del prepared
    # What a candidate shows of a contact, by position: read once however many pairs it is in.
    shown: dict[int, tuple[int, ContactKind, str, str, str, str, str, str]] = {}

    def candidate(position: int, likeness: Likeness) -> DuplicateCandidate:
        if (shows := shown.get(position)) is None:
            row = rows[position]
            shows = shown[position] = (
                row.id, ContactKind(row.kind), row.name, row.reading, row.postal_code,
                row.address, row.phone, row.email)
        return DuplicateCandidate(*shows, likeness.score, likeness.reasons)

    pairs: list[tuple[int, int, int, DuplicatePair]] = []
    for compared, (one, other) in enumerate(sorted(found)):
        ids = rows[one].id, rows[other].id
        if ids in marked:
            continue
        likeness = likely_same(folded[one], folded[other])
        if likeness is not None:
            pairs.append((-likeness.score, *ids, DuplicatePair(
                candidate(one, likeness), candidate(other, likeness), likeness.score,
                likeness.reasons)))
        if compared % 1024 == 0:
            report(2 * count + one)
    report(3 * count, last=True)
    pairs.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in pairs]


def _similar_pairs(texts: list[tuple[int, str]]) -> set[tuple[int, int]]:
    """Pairs of *texts* (position, text; positions ascending), the smaller position first,
    that may be similar: every pair whose rapidfuzz ratio reaches SIMILAR_NAME_RATIO, and
    perhaps a few just under it (`likely_same` decides).

    Prefix filtering, as `likeness.blocking_keys` does, but with each text's characters in
    order of how few of *texts* hold them rather than by code point: two similar texts share
    a character among the first few of each in any one order, and the rarest characters
    gather the fewest texts (at one postal code, every group's name holds its town's name).
    Each text is compared, in one rapidfuzz call, with the earlier ones sharing one of them.
    """
    if len(texts) < 2:
        return set()
    holding: Counter[str] = Counter()
    for _, text in texts:
        holding.update(set(text))
    rank = {ch: r for r, ch in enumerate(sorted(holding, key=lambda ch: (holding[ch], ch)))}
    filed: dict[str, list[int]] = {}  # a character (its k-th copy: k times) → indexes
    similar: set[tuple[int, int]] = set()
    for index, (position, text) in enumerate(texts):
        shared = -(-SIMILAR_NAME_RATIO * len(text) // (200 - SIMILAR_NAME_RATIO))
        tokens, previous, copy = [], "", 0
        for ch in sorted(text, key=rank.__getitem__)[:len(text) - shared + 1]:
            copy = copy + 1 if ch == previous else 1
            previous = ch
            tokens.append(ch * copy)
        earlier: set[int] = set()
        for token in tokens:
            if token in filed:
                earlier.update(filed[token])
            else:
                filed[token] = []
            filed[token].append(index)
        if earlier:
            others = list(earlier)
            for _, _, found in process.extract(
                    text, [texts[i][1] for i in others], scorer=Indel.normalized_similarity,
                    score_cutoff=_SIMILAR_ENOUGH, limit=None):
                similar.add((texts[others[found]][0], position))
    return similar


# SIMILAR_NAME_RATIO as a fraction, a little under it: rapidfuzz's ratio is a float, and a
# pair exactly at the threshold must not be lost to its rounding.
_SIMILAR_ENOUGH = SIMILAR_NAME_RATIO / 100 - 0.005


class _Reporter:
    """Tells *progress* how far the list has got, now and then (a bar, not a log)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.told = progress, total, -_PROGRESS_EVERY

    def __call__(self, done: int, *, last: bool = False) -> None:
        if self.progress is not None and (last or done - self.told >= _PROGRESS_EVERY):
            self.told = done
            self.progress(min(done, self.total), self.total)


# --- rows -------------------------------------------------------------------------------------

def _facts(row: Row[*tuple[Any, ...]]) -> ContactFacts:
    return facts_of(row.kind, row.name, row.reading, row.phone, row.email, row.postal_code)


def _candidate(row: Row[*tuple[Any, ...]], likeness: Likeness) -> DuplicateCandidate:
    return DuplicateCandidate(
        contact_id=row.id, kind=ContactKind(row.kind), name=row.name, reading=row.reading,
        postal_code=row.postal_code, address=row.address, phone=row.phone, email=row.email,
        score=likeness.score, reasons=likeness.reasons,
    )
