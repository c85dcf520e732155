"""Search order (issue 16, item 8): contacts whose reading or name begins with the words come
before those holding them elsewhere, each band in reading order; pages follow each other across
the two bands without repeating or skipping a row; the count is the true number.

The search takes one of several roads (names' and readings' own indexes, the list read in
order, the gram index's candidates, falling back from one to the other); the property tests
drive each road by the backend's costs and compare every page with a plain Python reference.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_desk.domain.text import fold, fold_query, gram_document, sort_key
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType


def person(name: str, reading: str = "", **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.PERSON, name=name, reading=reading, **fields)


def group(name: str, reading: str = "", **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name,
                        reading=reading, **fields)


def names(page: svc.ContactPage) -> list[str]:
    return [e.name for e in page.entries]


def every_page(db, actor, query: str, limit: int, **kw) -> list[svc.DirectoryEntry]:  # type: ignore[no-untyped-def]
    """Every row of a search, page by page as the list fetches them while scrolled."""
    seen: list[svc.DirectoryEntry] = []
    page = svc.search_contacts(db, actor, query, limit=limit, **kw)
    seen += page.entries
    while page.next_key is not None:
        assert len(seen) < 1_000, "the pages never end"
        page = svc.search_contacts(db, actor, query, after=page.next_key, limit=limit, **kw)
        seen += page.entries
    return seen


# --- the order a clerk sees ----------------------------------------------------------------

def test_a_reading_or_name_that_begins_with_the_words_comes_first(db, actor) -> None:
    for draft in (person("畠山 大輔", "はたけやま だいすけ"), person("山田 花子", "やまだ はなこ"),
                  person("小山田 太郎", "おやまだ たろう"), person("青木 一郎", "あおき いちろう",
                                                               address="秋田市山田1番地")):
        svc.create_contact(db, actor, draft)
    # In reading order alone, おやまだ and はたけやま would come before やまだ.
    assert names(svc.search_contacts(db, actor, "やまだ")) == [
        "山田 花子", "小山田 太郎", "畠山 大輔"]
    # The kanji name begins with 山田; the others hold it in their name or address.
    assert names(svc.search_contacts(db, actor, "山田")) == ["山田 花子", "青木 一郎",
                                                             "小山田 太郎"]
    # Width, kana and spaces are folded before the comparison too.
    assert names(svc.search_contacts(db, actor, "ﾔﾏﾀﾞ ﾊﾅ")) == ["山田 花子"]


def test_a_name_without_a_reading_leads_by_itself(db, actor) -> None:
    svc.create_contact(db, actor, group("あきた子ども食堂", ""))
    svc.create_contact(db, actor, group("こども未来の会", "こどもみらいのかい",
                                        address="秋田市あきた町1番"))
    assert names(svc.search_contacts(db, actor, "あきた")) == ["あきた子ども食堂",
                                                               "こども未来の会"]


def test_facilities_beginning_with_the_words_come_first(db, actor) -> None:
    everything = [f.name for f in svc.search_facilities(db, actor, "秋田")]
    # The salon's name begins with 秋田; every centre's address holds it (秋田市…).
    assert everything[0] == "秋田市市民交流サロン"
    assert everything[1:] == [f.name for f in svc.search_facilities(db, actor)
                              if f.name != "秋田市市民交流サロン"]


def test_the_count_is_the_true_number_beyond_the_first_page(db, actor) -> None:
    for i in range(230):
        svc.create_contact(db, actor, person(f"佐藤{i:03d}", "さとう"))
    svc.create_contact(db, actor, person("加藤 一郎", "かとう いちろう"))
    removed = svc.create_contact(db, actor, person("佐藤 削除", "さとう"))
    svc.set_contact_active(db, actor, removed.id, removed.version, False)
    page = svc.search_contacts(db, actor, "さとう")
    assert len(page.entries) == svc.PAGE_SIZE and page.next_key is not None
    assert svc.count_contacts(db, actor, "さとう") == 230  # not 「200 件以上」
    assert svc.count_contacts(db, actor, "とう") == 231
    assert svc.count_contacts(db, actor, "") == 231
    assert svc.count_contacts(db, actor, "とう", kinds=[ContactKind.GROUP]) == 0
    assert svc.count_contacts(db, actor, "存在しない") == 0


# --- pages across the two bands, on every road ------------------------------------------------

# A small alphabet, so that short queries begin some readings and names and sit inside others.
KANA = "あかさやま"
KANJI = "山田中川"
ROADS = {
    # name: the backend's costs that send the second band down that road
    "as measured": {},
    "list in order": {"candidate_us": 1e9, "checked_candidate_us": 1e9},
    "gram index": {"walk_row_us": 1e-9},
    "list, then index": {"candidate_us": 1e9, "checked_candidate_us": 1e9, "walk_window": 3},
}


def _word(rng: random.Random, letters: str, longest: int) -> str:
    return "".join(rng.choice(letters) for _ in range(rng.randint(1, longest)))


@pytest.fixture
def registry(db, actor) -> list[tuple[svc.ContactDetail, str, str]]:  # type: ignore[no-untyped-def]
    """About eighty contacts from a small alphabet (some removed, two too long for the
    walking index), with their search text and list key computed as the app stores them."""
    rng = random.Random(16)
    made = []
    for i in range(80):
        name = _word(rng, KANJI + KANA, 4) + " " + _word(rng, KANJI, 2)
        reading = rng.choice(["", _word(rng, KANA, 5)])
        address = rng.choice(["", "秋田市" + _word(rng, KANJI + KANA, 3)])
        draft = (person if i % 3 else group)(name, reading, address=address)
        contact = svc.create_contact(db, actor, draft)
        if i % 11 == 0:
            contact = dataclasses.replace(contact, active=False)
            svc.set_contact_active(db, actor, contact.id, contact.version, False)
        text, _grams = gram_document(contact.name, contact.reading, contact.postal_code,
                                     contact.address, contact.phone, contact.email)
        made.append((contact, text, sort_key(contact.reading, contact.name)))
    for first in "あや":
        reading = first + "".join(rng.choice(KANA) for _ in range(289))
        # Too long for PostgreSQL's walking index: read apart and merged into their place.
        contact = svc.create_contact(db, actor, person("長い" + "山" * 150, reading,
                                                       address="秋田市" + "田中" * 140))
        text, _grams = gram_document(contact.name, contact.reading, contact.postal_code,
                                     contact.address, contact.phone, contact.email)
        key = sort_key(contact.reading, contact.name)
        assert len(text.encode()) + len(key.encode()) > 2400
        made.append((contact, text, key))
    return made


def reference(registry, query: str, kinds=None) -> list[int]:  # type: ignore[no-untyped-def]
    """The ids a search must list, in order, computed plainly."""
    folded = fold_query(query)
    rows = []
    for contact, text, key in registry:
        if not contact.active or (kinds is not None and contact.kind not in kinds):
            continue
        if folded not in text:
            continue
        leads = key.startswith(folded) or text.startswith(folded)
        rows.append((0 if leads else 1, key, contact.id))
    return [id_ for *_, id_ in sorted(rows)]


@settings(max_examples=40)
@given(query=st.text(KANA + KANJI + "市秋田 ", min_size=1, max_size=4),
       limit=st.integers(1, 7), road=st.sampled_from(sorted(ROADS)),
       kinds=st.sampled_from([None, [ContactKind.PERSON], [ContactKind.GROUP]]))
def test_pages_follow_each_other_across_the_bands_without_repeating_or_skipping(
        db, actor, registry, query: str, limit: int, road: str, kinds) -> None:  # type: ignore[no-untyped-def]
    measured = db.backend
    db.backend = dataclasses.replace(measured, **ROADS[road])
    try:
        listed = every_page(db, actor, query, limit, kinds=kinds)
        counted = svc.count_contacts(db, actor, query, kinds=kinds)
    finally:
        db.backend = measured
    expected = reference(registry, query, kinds)
    assert [e.ref.id for e in listed] == expected
    if fold_query(query):
        assert counted == len(expected)


@pytest.mark.parametrize("road", sorted(ROADS))
def test_every_road_agrees_on_the_whole_registry(db, actor, registry, road: str) -> None:  # type: ignore[no-untyped-def]
    db.backend = dataclasses.replace(db.backend, **ROADS[road])
    queries = {fold(text)[i:i + n] for _c, text, _k in registry
               for n in (1, 2, 3) for i in range(0, len(fold(text)), 7)} - {""}
    for query in sorted(queries)[:60]:
        expected = reference(registry, query)
        assert [e.ref.id for e in every_page(db, actor, query, 4)] == expected, query
        assert svc.count_contacts(db, actor, query) == len(expected), query


def test_a_text_too_long_for_the_walking_index_is_still_found_in_order(db, actor) -> None:
    """PostgreSQL's walking index leaves out texts over a btree entry's size: those rows are
    read apart and merged into their place."""
    long_address = "秋田市" + "山" * 297
    long_name = "井上 " + "長" * 190
    long_reading = "いのうえ " + "な" * 280
    svc.create_contact(db, actor, person("青木 一郎", "あおき いちろう", address="秋田市中通"))
    svc.create_contact(db, actor, person(long_name, long_reading, address=long_address))
    svc.create_contact(db, actor, person("上田 三郎", "うえだ さぶろう", address="秋田市山王"))
    db.backend = dataclasses.replace(db.backend, candidate_us=1e9, checked_candidate_us=1e9)
    assert names(svc.search_contacts(db, actor, "秋田市")) == ["青木 一郎", long_name,
                                                               "上田 三郎"]
    text, _grams = gram_document(long_name, long_reading, "", long_address)
    assert len(text.encode()) + len(sort_key(long_reading, long_name).encode()) > 2400
    first = svc.search_contacts(db, actor, "秋田市", limit=1)
    assert names(first) == ["青木 一郎"]
    assert names(svc.search_contacts(db, actor, "秋田市", limit=1, after=first.next_key)) == [
        long_name]
    assert svc.count_contacts(db, actor, "秋田市") == 3
