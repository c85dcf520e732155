"""Search as you type where the matches lie deep in the list (issue 16's target at a million
contacts): a rare word whose pairs of characters are everywhere (0100041, user4242), found
through its three-character pieces; and names beginning with a longer word among many that
share its first two characters (秋田市 among 秋田…), found as a range of the names' starts.

Each test sends the search down one road by the backend's costs (or a narrow window of the
list), as a million contacts would, and checks the pages and the count a clerk sees.
"""

from __future__ import annotations

import dataclasses

import pytest

from kyodo_desk.domain.text import fold_query, gram_document, sort_key
from kyodo_desk.models.contacts import NAME_START_CHARS
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType

ROADS = {
    # the second band from the gram index's candidates at once
    "gram index": {"candidate_us": 1e-9, "checked_candidate_us": 1e-9},
    # the list read a few rows in order, then the gram index for the rest
    "list, then index": {"candidate_us": 1e9, "checked_candidate_us": 1e9, "walk_window": 3},
}


def person(name: str, reading: str, **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.PERSON, name=name, reading=reading, **fields)


def group(name: str, reading: str, **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name,
                        reading=reading, **fields)


def every_page(db, actor, query: str, limit: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of every row of a search, page by page as the list fetches them."""
    page = svc.search_contacts(db, actor, query, limit=limit)
    seen = [e.name for e in page.entries]
    while page.next_key is not None:
        assert len(seen) < 500, "the pages never end"
        page = svc.search_contacts(db, actor, query, limit=limit, after=page.next_key)
        seen += [e.name for e in page.entries]
    return seen


def expected(made: list[svc.ContactDetail], query: str) -> list[str]:
    """The names a search must list, in order: leading matches, then the rest, each band
    in list order; computed plainly from what the app stores."""
    folded = fold_query(query)
    rows = []
    for c in made:
        text, _grams = gram_document(c.name, c.reading, c.postal_code, c.address, c.phone,
                                     c.email)
        key = sort_key(c.reading, c.name)
        if c.active and folded in text:
            rows.append((not (key.startswith(folded) or text.startswith(folded)), key, c.id,
                         c.name))
    return [name for *_, name in sorted(rows)]


DIGITS = "あいうえおかきくけこ"  # readings are kana


@pytest.fixture
def crowded(db, actor) -> list[svc.ContactDetail]:  # type: ignore[no-untyped-def]
    """Forty people whose postal codes, phones and e-mails share every pair of digits of
    0100041 and user4242, early in the list; the three who hold those words whole come
    last in it (わ…), one of them removed."""
    made = []
    for i in range(40):
        made.append(svc.create_contact(db, actor, person(
            f"相田 {i:02d}", "あいだ " + DIGITS[i // 10] + DIGITS[i % 10], postal_code=f"01{i % 10}0{4 - i % 3}01",
            phone=f"018-824-{4000 + i * 37:04d}", email=f"user{42 + i}{24 - i % 20}@example.jp",
            address="秋田市土崎港西1丁目")))
    for i, reading in enumerate(("わだ いち", "わたなべ に", "わかばやし さん")):
        made.append(svc.create_contact(db, actor, person(
            f"和田 {i}", reading, postal_code="0100041", email=f"user4242{i}@example.jp",
            address="秋田市八橋")))
    removed = made[-2]
    svc.set_contact_active(db, actor, removed.id, removed.version, False)
    made[-2] = dataclasses.replace(removed, active=False)
    return made


@pytest.mark.parametrize("road", sorted(ROADS))
def test_a_rare_word_deep_in_the_list_is_found_in_order_and_counted(
        db, actor, crowded, road: str) -> None:  # type: ignore[no-untyped-def]
    db.backend = dataclasses.replace(db.backend, **ROADS[road])
    for word in ("0100041", "user4242", "USER42420", "００４１"):
        want = expected(crowded, word)
        assert want and len(want) <= 2, word  # the removed one is not listed
        first = svc.search_contacts(db, actor, word, limit=1)
        assert [e.name for e in first.entries] == want[:1], word
        assert every_page(db, actor, word, 1) == want, word
        assert svc.count_contacts(db, actor, word) == len(want), word
    assert every_page(db, actor, "user4242", 5) == ["和田 2", "和田 0"]  # わかばやし, わだ
    # Its pieces are everywhere, the word nowhere.
    assert expected(crowded, "424242") == []
    assert svc.search_contacts(db, actor, "424242").entries == []
    assert svc.count_contacts(db, actor, "424242") == 0


@pytest.mark.parametrize("window", [2, 500])
def test_names_beginning_with_a_longer_word_lead_among_many_sharing_its_start(
        db, actor, monkeypatch, window: int) -> None:  # type: ignore[no-untyped-def]
    """秋田市 begins a few names, deep in the list; many more begin with 秋田, and every
    address holds 秋田市. A narrow window of the names beginning with 秋田 in list order
    sends the search on to the range of names beginning with 秋田市."""
    monkeypatch.setattr(svc, "_LEAD_WINDOW", window)
    monkeypatch.setattr(svc, "_NAME_RANGE", min(window, svc._NAME_RANGE))
    made = [svc.create_contact(db, actor, person(f"秋田 {n}", f"あきた {n}",
                                                 address="秋田市山王1丁目"))
            for n in ("あおい", "いちろう", "うめ", "えみ", "おさむ")]
    made += [svc.create_contact(db, actor, group(name, reading, address="秋田市中通2丁目"))
             for name, reading in (("秋田市民の森を守る会", "わかもり"),
                                   ("秋田市国際交流協会", "ゆうこう"),
                                   ("秋田市役所", ""))]
    made.append(svc.create_contact(db, actor, person("秋田 市子", "あきた いちこ")))
    want = expected(made, "秋田市")
    assert set(want[:4]) == {"秋田市役所", "秋田市国際交流協会", "秋田市民の森を守る会",
                             "秋田 市子"}  # the names beginning with 秋田市, folded
    assert every_page(db, actor, "秋田市", 2) == want
    assert every_page(db, actor, "秋田市民", 1) == ["秋田市民の森を守る会"]
    assert svc.count_contacts(db, actor, "秋田市") == len(want) == 9
    # A person's name begins with 秋田 and holds 市 after a space: folded, 秋田市子 leads.
    assert every_page(db, actor, "秋田市子", 3) == ["秋田 市子"]


def test_a_name_longer_than_the_indexed_start_leads_only_when_it_begins_so(
        db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(svc, "_LEAD_WINDOW", 1)
    monkeypatch.setattr(svc, "_NAME_RANGE", 1)
    stem = "あきたけんみんのもりとみずをまもりそだてるみんなのかい"[:NAME_START_CHARS]
    assert len(stem) == NAME_START_CHARS
    made = [svc.create_contact(db, actor, group(name, reading)) for name, reading in (
        (stem + "ほんぶ", "ん"), (stem + "しぶ", "ん"), ("だいいち" + stem + "ほんぶ", "あ"),
        (stem[:2] + "べつの会", "い"))]
    assert every_page(db, actor, stem + "ほん", 1) == [stem + "ほんぶ", "だいいち" + stem + "ほんぶ"]
    assert every_page(db, actor, stem + "し", 1) == [stem + "しぶ"]
    for query in (stem, stem[:3], stem + "ほ"):
        assert every_page(db, actor, query, 1) == expected(made, query), query
