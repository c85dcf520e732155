"""Likely duplicates (issue 16 items 1–2): what the form warns of while a clerk types, the
「別の方です」 answer that is remembered, and the registry-wide list of likely pairs."""

from __future__ import annotations

import itertools
from collections import namedtuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kyodo_desk.database.match_keys import facts_of
from kyodo_desk.domain.likeness import (
    SAME_CORE_NAME,
    SAME_EMAIL,
    SAME_PHONE,
    SAME_POSTAL_SIMILAR_NAME,
    SAME_READING,
    ContactFacts,
    likely_same,
)
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.models import AuditEntry, Contact
from kyodo_desk.models.contacts import DistinctContacts
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts.duplicates import (
    DuplicatePair,
    _pairs_among,
    duplicate_pairs,
    likely_duplicates,
    mark_distinct,
)


def person(name: str, reading: str = "", **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.PERSON, name=name, reading=reading, **fields)


def group(name: str, reading: str = "", **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.NPO, name=name,
                        reading=reading, **fields)


def add(db, actor, draft: ContactDraft) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, actor, draft).id


def offered(db, actor, draft: ContactDraft, **options) -> dict[int, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {c.contact_id: c.reasons for c in likely_duplicates(db, actor, draft, **options)}


def pair_ids(pairs: list[DuplicatePair]) -> list[tuple[int, int]]:
    return [(p.first.contact_id, p.second.contact_id) for p in pairs]


@pytest.fixture
def officer(accounts_by_login):  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


# --- each kind of duplicate, while typing ---------------------------------------------------

def test_half_width_kana_with_the_same_phone_finds_the_kanji_record(db, actor) -> None:
    taro = add(db, actor, person("山田 太郎", "やまだ たろう", phone="018-888-5640",
                                 postal_code="010-0041", address="秋田市広面字釣瓶町1"))
    [found] = likely_duplicates(db, actor, person("ﾔﾏﾀﾞ ﾀﾛｳ", phone="888-5640"))
    assert found.contact_id == taro
    assert (found.name, found.reading, found.phone) == ("山田 太郎", "やまだ たろう", "018-888-5640")
    assert (found.postal_code, found.address) == ("010-0041", "秋田市広面字釣瓶町1")
    assert found.kind is ContactKind.PERSON
    assert found.reasons == (SAME_PHONE, SAME_READING)
    assert found.score == 94  # 100 × (1 − 0.2 × 0.3)


def test_the_reading_alone_finds_him(db, actor) -> None:
    taro = add(db, actor, person("山田 太郎", "やまだ たろう"))
    assert offered(db, actor, person("ﾔﾏﾀﾞ ﾀﾛｳ")) == {taro: (SAME_READING,)}
    assert offered(db, actor, person("山田太郎", "ヤマダ　タロー")) == {taro: (SAME_READING,)}


@pytest.mark.parametrize("typed", ["888-5640", "0188885640", "０１８−８８８−５６４０"])
def test_the_same_phone_with_or_without_the_area_code(db, actor, typed: str) -> None:
    ichiro = add(db, actor, person("佐藤 一郎", "さとう いちろう", phone="018-888-5640"))
    assert offered(db, actor, person("佐藤 イチロー", phone=typed)) == {ichiro: (SAME_PHONE,)}


def test_a_mobile_number_is_compared_whole(db, actor) -> None:
    add(db, actor, person("佐藤 一郎", phone="090-1234-5678"))
    assert offered(db, actor, person("佐藤 次郎", phone="1234-5678")) == {}


def test_the_same_email_in_any_case(db, actor) -> None:
    ai = add(db, actor, person("高橋 愛", email="Ai.T@example.jp"))
    assert offered(db, actor, person("たかはし あい", email=" ai.t@EXAMPLE.jp")) == {
        ai: (SAME_EMAIL,)}


def test_the_same_postal_code_and_a_similar_name(db, actor) -> None:
    network = add(db, actor, group("あきた子ども食堂ネットワーク", postal_code="010-0041"))
    typed = group("あきたこども食堂ネットワーク", postal_code="0100041")
    assert offered(db, actor, typed) == {network: (SAME_POSTAL_SIMILAR_NAME,)}
    # The same name elsewhere is another group.
    assert offered(db, actor, group("あきたこども食堂ネットワーク", postal_code="010-0001")) == {}


@pytest.mark.parametrize(("stored", "typed"), [
    ("特定非営利活動法人 あきた子ども食堂", "（特非）あきた子ども食堂"),
    ("あきた子ども食堂", "NPO法人あきた子ども食堂"),
    ("株式会社髙橋商店", "高橋商店"),
    ("一般社団法人 櫻の会", "桜の会"),
])
def test_groups_named_with_and_without_their_legal_form(db, actor, stored: str,
                                                        typed: str) -> None:
    kept = add(db, actor, group(stored))
    assert offered(db, actor, group(typed)) == {kept: (SAME_CORE_NAME,)}


def test_a_person_is_never_a_groups_duplicate(db, actor) -> None:
    add(db, actor, group("あきた", "あきた", phone="018-888-5640"))
    assert offered(db, actor, person("あきた", "あきた", phone="018-888-5640")) == {}


# --- distinct people ----------------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "typed"), [
    # Relatives at one address: the same surname and 〒, another given name.
    (person("山田 太郎", "やまだ たろう", postal_code="010-0041"),
     person("山田 花子", "やまだ はなこ", postal_code="010-0041")),
    (person("佐々木 誠", "ささき まこと", postal_code="010-0041", address="秋田市広面1"),
     person("佐々木 愛", "ささき あい", postal_code="010-0041", address="秋田市広面1")),
    # 大野 and 小野: the readings differ by one kana.
    (person("大野 茂", "おおの しげる"), person("小野 茂", "おの しげる")),
    # Namesakes with different phones and no 〒: the name in kanji alone says nothing.
    (person("山田 太郎", phone="018-888-5640"), person("山田 太郎", phone="018-888-5641")),
])
def test_distinct_people_are_not_offered(db, actor, officer, stored: ContactDraft,
                                         typed: ContactDraft) -> None:
    add(db, actor, stored)
    assert offered(db, actor, typed) == {}
    add(db, actor, typed)
    assert duplicate_pairs(db, officer) == []


def test_namesakes_sharing_a_reading_are_offered_as_the_rules_say(db, actor) -> None:
    # Two people read alike but with different phones: the reading is a reason of its own
    # (weight 70); the clerk answers 「別の方です」 once.
    stored = person("斎藤 誠", "さいとう まこと", phone="018-888-1111")
    typed = person("齋藤 誠", "さいとう まこと", phone="018-888-2222")
    expected = likely_same(ContactFacts("person", "斎藤 誠", "さいとう まこと", "018-888-1111"),
                           ContactFacts("person", "齋藤 誠", "さいとう まこと", "018-888-2222"))
    assert expected is not None
    kept = add(db, actor, stored)
    [found] = likely_duplicates(db, actor, typed)
    assert (found.contact_id, found.score, found.reasons) == (kept, expected.score,
                                                              expected.reasons)


def test_a_blank_name_is_no_one(db, actor) -> None:
    add(db, actor, person("山田 太郎", "やまだ たろう", phone="018-888-5640"))
    assert likely_duplicates(db, actor, person("　 ", phone="018-888-5640")) == []
    assert likely_duplicates(db, actor, person("山田", phone="018-888-5640"), limit=0) == []


def test_best_first_then_in_reading_order_at_most_limit(db, actor) -> None:
    for name, reading, phone, email in [
        ("山田 太郎", "やまだ たろう", "018-888-5640", ""),  # phone and reading: 94
        ("矢間田 太郎", "やまだ たろう", "", "t@example.jp"),  # reading and e-mail: 97
        ("別所 一", "べっしょ はじめ", "018-888-5640", ""),  # phone only: 80
        ("阿部 一", "あべ はじめ", "018-888-5640", ""),  # phone only, あ before べ
        ("山田 太郎", "ヤマダ タロウ", "", ""),  # reading only: 70
    ]:
        add(db, actor, person(name, reading, phone=phone, email=email))
    typed = person("ﾔﾏﾀﾞ ﾀﾛｳ", phone="888-5640", email="T@example.jp")
    found = likely_duplicates(db, actor, typed)
    assert [(c.name, c.score) for c in found] == [
        ("矢間田 太郎", 97), ("山田 太郎", 94), ("阿部 一", 80), ("別所 一", 80),
        ("山田 太郎", 70)]
    assert [c.name for c in likely_duplicates(db, actor, typed, limit=2)] == [
        "矢間田 太郎", "山田 太郎"]


# --- the record itself, removed and merged ones -------------------------------------------------

def test_the_record_being_edited_is_not_its_own_duplicate(db, actor) -> None:
    taro = svc.create_contact(db, actor, person("山田 太郎", "やまだ たろう",
                                                phone="018-888-5640"))
    twin = add(db, actor, person("山田 太郎", "やまだ たろう"))
    assert offered(db, actor, taro.as_draft(), editing_id=taro.id) == {twin: (SAME_READING,)}
    assert set(offered(db, actor, taro.as_draft())) == {taro.id, twin}


def test_removed_and_merged_contacts_are_not_offered(db, actor, officer) -> None:
    removed = svc.create_contact(db, actor, person("山田 太郎", "やまだ たろう"))
    merged = add(db, actor, person("山田 太郎", "やまだ たろう", phone="018-888-5640"))
    kept = add(db, actor, person("山田 太郎", "やまだ たろう", email="t@example.jp"))
    assert len(duplicate_pairs(db, officer)) == 3
    svc.set_contact_active(db, actor, removed.id, removed.version, False)
    with db.writing(actor) as session:  # as a merge leaves it: 統合済み, pointing to the kept
        contact = session.get(Contact, merged)
        assert contact is not None
        contact.active, contact.merged_into_id = False, kept
    assert offered(db, actor, person("ﾔﾏﾀﾞ ﾀﾛｳ")) == {kept: (SAME_READING,)}
    assert duplicate_pairs(db, officer) == []


def test_the_keys_follow_an_edit(db, actor) -> None:
    saved = svc.create_contact(db, actor, person("佐藤 一郎", phone="018-888-5640"))
    typed_old, typed_new = person("さとう", phone="888-5640"), person("さとう", phone="888-1234")
    assert set(offered(db, actor, typed_old)) == {saved.id}
    svc.update_contact(db, actor, saved.id, saved.version,
                       person("佐藤 一郎", phone="018-888-1234"))
    assert offered(db, actor, typed_old) == {}
    assert set(offered(db, actor, typed_new)) == {saved.id}


# --- 別の方です --------------------------------------------------------------------------------

def distinct_rows(db) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return list(session.execute(
            select(DistinctContacts.first_id, DistinctContacts.second_id)).all())


def test_a_pair_marked_distinct_is_never_offered_again(db, actor, officer) -> None:
    taro = svc.create_contact(db, actor, person("山田 太郎", "やまだ たろう"))
    other = svc.create_contact(db, actor, person("矢間田 太郎", "やまだ たろう"))
    third = add(db, actor, person("山田 太郎", "ヤマダ タロウ"))
    assert len(duplicate_pairs(db, officer)) == 3
    mark_distinct(db, actor, other.id, taro.id)  # either order
    mark_distinct(db, actor, taro.id, other.id)  # and again: nothing more
    assert distinct_rows(db) == [(taro.id, other.id)]
    assert set(offered(db, actor, taro.as_draft(), editing_id=taro.id)) == {third}
    assert set(offered(db, actor, other.as_draft(), editing_id=other.id)) == {third}
    assert pair_ids(duplicate_pairs(db, officer)) == [(taro.id, third), (other.id, third)]


def test_marking_is_audited_without_personal_values(db, actor) -> None:
    taro = add(db, actor, person("山田 太郎", "やまだ たろう"))
    other = add(db, actor, person("矢間田 太郎", "やまだ たろう"))
    with db.reading(None) as session:
        start = session.scalar(select(func.max(AuditEntry.id)))
    mark_distinct(db, actor, taro, other)
    with db.reading(None) as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.id > start))
        assert (entry.action, entry.table_name, entry.account_id) == (
            "insert", "distinct_contacts", actor.account_id)
        assert entry.changes["first_id"] == [None, taro]
        assert entry.changes["second_id"] == [None, other]
        assert "山田" not in str(entry.changes) and "やまだ" not in str(entry.changes)


def test_marking_a_contact_distinct_from_itself_or_no_one_is_refused(db, actor) -> None:
    from kyodo_desk.domain.errors import NotFound, UserError

    taro = add(db, actor, person("山田 太郎"))
    with pytest.raises(UserError, match="同じ連絡先"):
        mark_distinct(db, actor, taro, taro)
    with pytest.raises(NotFound):
        mark_distinct(db, actor, taro, taro + 1000)
    assert distinct_rows(db) == []


def test_distinct_from_said_in_a_new_form_is_remembered_when_it_is_saved(db, actor) -> None:
    taro = add(db, actor, person("山田 太郎", "やまだ たろう", phone="018-888-5640"))
    other = add(db, actor, person("矢間田 太郎", "やまだ たろう"))
    typed = person("ﾔﾏﾀﾞ ﾀﾛｳ", phone="888-5640")
    assert set(offered(db, actor, typed)) == {taro, other}
    # The clerk said 別の方です to 山田 太郎 before the new record had a number: the form
    # leaves him out, and saving remembers the pair (a number naming no one is passed over).
    typed = ContactDraft(kind=ContactKind.PERSON, name="ﾔﾏﾀﾞ ﾀﾛｳ", phone="0188885640",
                         distinct_from=(taro, taro + 1000))
    assert set(offered(db, actor, typed)) == {other}
    saved = svc.create_contact(db, actor, typed)
    assert distinct_rows(db) == [(taro, saved.id)]
    assert set(offered(db, actor, saved.as_draft(), editing_id=saved.id)) == {other}


def test_distinct_from_said_while_editing_is_remembered_too(db, actor) -> None:
    taro = add(db, actor, person("山田 太郎", "やまだ たろう"))
    saved = svc.create_contact(db, actor, person("矢間田 太郎", "やまだ たろう"))
    draft = ContactDraft(**{**saved.as_draft().__dict__, "distinct_from": (taro,)})
    again = svc.update_contact(db, actor, saved.id, saved.version, draft)
    svc.update_contact(db, actor, saved.id, again.version, draft)  # already there
    assert distinct_rows(db) == [(taro, saved.id)]


# --- the whole registry -------------------------------------------------------------------------

def test_the_list_pairs_every_kind_best_first(db, actor, officer) -> None:
    taro = add(db, actor, person("山田 太郎", "やまだ たろう", phone="018-888-5640",
                                 postal_code="010-0041"))
    typed = add(db, actor, person("ﾔﾏﾀﾞ ﾀﾛｳ", phone="０１８８８８５６４０", postal_code="0100041"))
    ai = add(db, actor, person("高橋 愛", email="Ai.T@example.jp"))
    ai2 = add(db, actor, person("髙橋 あい", email="ai.t@example.jp"))
    npo = add(db, actor, group("特定非営利活動法人 あきた子ども食堂"))
    npo2 = add(db, actor, group("（特非）あきた子ども食堂"))
    net = add(db, actor, group("あきた子ども食堂ネットワーク", postal_code="010-0041"))
    net2 = add(db, actor, group("あきたこども食堂ネットワーク", postal_code="010-0041"))
    add(db, actor, person("山田 花子", "やまだ はなこ", postal_code="010-0041"))
    seen: list[tuple[int, int]] = []
    pairs = duplicate_pairs(db, officer, progress=lambda done, total: seen.append((done, total)))
    assert [(p.first.contact_id, p.second.contact_id, p.score, p.reasons) for p in pairs] == [
        (taro, typed, 97, (SAME_PHONE, SAME_READING, SAME_POSTAL_SIMILAR_NAME)),
        (ai, ai2, 90, (SAME_EMAIL,)),
        (npo, npo2, 80, (SAME_CORE_NAME,)),
        (net, net2, 60, (SAME_POSTAL_SIMILAR_NAME,)),
    ]
    first = pairs[0]
    assert (first.first.name, first.second.name) == ("山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ")
    assert first.first.score == first.second.score == 97
    assert first.second.reasons == first.reasons
    # A progress bar that starts empty, never goes back and ends full.
    done = [d for d, _ in seen]
    assert done[0] == 0 and done == sorted(done) and seen[-1][0] == seen[-1][1] > 0
    assert len({total for _, total in seen}) == 1


def test_counter_staff_and_advisors_may_not_list_duplicates(db, accounts_by_login) -> None:
    for login in ("staff", "advisor"):
        with pytest.raises(PermissionDenied):
            duplicate_pairs(db, accounts_by_login[login])
    assert duplicate_pairs(db, accounts_by_login["admin"]) == []
    # Everyone is warned while typing.
    assert likely_duplicates(db, accounts_by_login["staff"], person("山田")) == []


# --- the list finds what comparing every pair finds -----------------------------------------

_Row = namedtuple("_Row", "id kind name reading postal_code address phone email sort_key")
# Few characters, and names made by editing a few at random: many pairs are alike, many just
# short of it, at one postal code or two.
_LETTERS = "山田太郎花子あいうかきがぎー髙高"


@st.composite
def _edited(draw: st.DrawFn, bases: list[str]) -> str:
    name = list(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(0, 3))):
        at, letter = draw(st.integers(0, len(name))), draw(st.sampled_from(_LETTERS))
        match draw(st.sampled_from(["insert", "delete", "replace"])):
            case "insert":
                name.insert(at, letter)
            case "delete" if at < len(name):
                del name[at]
            case "replace" if at < len(name):
                name[at] = letter
    return "".join(name)


@st.composite
def _registries(draw: st.DrawFn) -> list[tuple[str, ...]]:
    bases = draw(st.lists(st.text(_LETTERS, min_size=2, max_size=16), min_size=1, max_size=3)
                 | st.just(["（特非）山田花子", "NPO法人山田花子", "株式会社 髙田"]))
    return draw(st.lists(st.tuples(
        st.sampled_from(["person", "group"]),
        _edited(bases),
        st.sampled_from(["", "", "やまだ", "ﾔﾏﾀﾞ"]) | _edited(bases),
        st.sampled_from(["", "", "018-888-5640", "888-5640", "090-1234-5678"]),
        st.sampled_from(["", "", "a@example.jp", "A@example.jp"]),
        st.sampled_from(["010-0041", "010-0041", "0100041", "010-0001", ""]),
    ), max_size=30))


@settings(max_examples=300)
@given(_registries(), st.sets(st.tuples(st.integers(1, 30), st.integers(1, 30)), max_size=5))
def test_the_list_is_every_pair_likely_same_finds(rows, marked) -> None:  # type: ignore[no-untyped-def]
    registry = [_Row(i, kind, name, reading, postal, "", phone, email, reading or name)
                for i, (kind, name, reading, phone, email, postal) in enumerate(rows, start=1)]
    expected = []
    for a, b in itertools.combinations(registry, 2):
        found = likely_same(facts_of(a.kind, a.name, a.reading, a.phone, a.email, a.postal_code),
                            facts_of(b.kind, b.name, b.reading, b.phone, b.email, b.postal_code))
        if found is not None and (a.id, b.id) not in marked:
            expected.append((-found.score, a.id, b.id, found.reasons))
    listed = _pairs_among(registry, marked, None)
    assert [(-p.score, p.first.contact_id, p.second.contact_id, p.reasons)
            for p in listed] == sorted(expected)


def test_names_exactly_as_similar_as_the_rule_asks_are_paired() -> None:
    # 20 characters each, 3 replaced: 2 × 17 common of 40, a ratio of exactly 85.
    one, other = "あいうえおかきくけこさしすせそたちつてと", "あいうえおかきくけこさしすせそなにぬてと"
    registry = [_Row(i, "group", name, "", "010-0041", "", "", "", name)
                for i, name in enumerate((one, other), start=1)]
    [pair] = _pairs_among(registry, set(), None)
    assert pair.reasons == (SAME_POSTAL_SIMILAR_NAME,)
