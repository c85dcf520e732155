import dataclasses

import pytest

from kyodo_desk.domain.errors import ConcurrentEdit, NotFound, ValidationError
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType


def group(name: str, reading: str = "", **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name,
                        reading=reading, **fields)


def person(name: str, reading: str = "", **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.PERSON, name=name, reading=reading, **fields)


def names(page: svc.ContactPage) -> list[str]:
    return [e.name for e in page.entries]


def test_the_eight_seed_facilities_are_there(db, actor) -> None:
    facilities = svc.search_facilities(db, actor)
    assert len(facilities) == 8
    assert facilities[0].name == "東部市民サービスセンター"
    assert facilities[-1].name == "秋田市市民交流サロン"
    assert facilities[-1].address == "秋田市東通仲町4番1号アルヴェ3階"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("ｾﾝﾀｰ", 7), ("せんたー", 7), ("8885640", 1), ("さろん", 1), ("サロン", 1),
     ("ro-scst", 1), ("010-8506", 1), ("北条ケ崎", 1), ("河辺", 1), ("存在しない", 0)],
)
def test_facility_search_ignores_width_kana_and_hyphens(db, actor, typed: str, expected: int) -> None:
    assert len(svc.search_facilities(db, actor, typed)) == expected


def test_create_normalises_and_search_finds_by_every_field(db, actor) -> None:
    created = svc.create_contact(db, actor, group(
        "NPO法人あきた広報サポート", "えぬぴーおーほうじんあきたこうほうさぽーと",
        postal_code="０１００００１", address="秋田市中通二丁目3番8号", phone="0188885555",
        email="info@koho.example.jp",
    ))
    assert created.postal_code == "010-0001"
    assert created.phone == "018-888-5555"
    svc.create_contact(db, actor, person("佐藤 花子", "さとう はなこ", phone="09012345678"))
    for query in ("広報", "コウホウ", "ｺｳﾎｳ", "中通二丁目", "8885555", "KOHO.EXAMPLE",
                  "0100001", "報"):
        assert names(svc.search_contacts(db, actor, query)) == ["NPO法人あきた広報サポート"], query
    assert names(svc.search_contacts(db, actor, "佐藤")) == ["佐藤 花子"]
    assert names(svc.search_contacts(db, actor, "ハナコ")) == ["佐藤 花子"]


def test_query_is_only_ever_text(db, actor) -> None:
    svc.create_contact(db, actor, group("100%会", "ひゃくぱーせんとかい"))
    for query in ["' OR 1=1 --", "; DROP TABLE contacts;", 'a" OR "b', "x%", "x_", "\\x"]:
        assert svc.search_contacts(db, actor, query).entries == [], query
    # Punctuation alone folds to nothing: the whole list, as for an empty box.
    for query in ['"', "%", "\\", "*", "''"]:
        assert names(svc.search_contacts(db, actor, query)) == ["100%会"], query
    assert names(svc.search_contacts(db, actor, "100%")) == ["100%会"]


def test_list_sorts_by_reading_not_by_code_point(db, actor) -> None:
    for name, reading in [("渡辺", "わたなべ"), ("阿部", "あべ"), ("伊藤", "イトウ"), ("ABC", "")]:
        svc.create_contact(db, actor, person(name, reading))
    assert names(svc.search_contacts(db, actor)) == ["ABC", "阿部", "伊藤", "渡辺"]


def test_pages_follow_each_other_without_gaps(db, actor) -> None:
    for i in range(25):
        svc.create_contact(db, actor, person(f"佐藤{i:02d}", "さとう"))
    seen: list[str] = []
    page = svc.search_contacts(db, actor, "さとう", limit=10)
    seen += names(page)
    while page.next_key:
        page = svc.search_contacts(db, actor, "さとう", after=page.next_key, limit=10)
        seen += names(page)
    assert seen == [f"佐藤{i:02d}" for i in range(25)]


def test_rare_term_beyond_the_scan_window_is_found_by_the_index(db, actor) -> None:
    # The list read in order first (as for a common term), for 5 rows only.
    db.backend = dataclasses.replace(db.backend, walk_window=5, candidate_us=1e9)
    for i in range(20):
        svc.create_contact(db, actor, person(f"人{i:02d}", "あ"))
    svc.create_contact(db, actor, person("最後の人", "んん", notes="", address="秋田市雄和妙法"))
    assert names(svc.search_contacts(db, actor, "妙法")) == ["最後の人"]
    assert names(svc.search_contacts(db, actor, "法")) == ["最後の人"]


def test_bad_fields_are_all_named_and_nothing_is_stored(db, actor) -> None:
    with pytest.raises(ValidationError) as caught:
        svc.create_contact(db, actor, person("", "山田", postal_code="12", phone="123",
                                      email="a@@b"))
    fields = {p.field for p in caught.value.problems}
    assert fields == {"name", "reading", "postal_code", "phone", "email"}
    assert svc.search_contacts(db, actor).entries == []


def test_group_needs_a_type(db, actor) -> None:
    draft = ContactDraft(kind=ContactKind.GROUP, name="無種別の会")
    with pytest.raises(ValidationError) as caught:
        svc.create_contact(db, actor, draft)
    assert caught.value.for_field("group_type")


def test_person_belongs_to_groups_and_group_lists_members(db, actor) -> None:
    g = svc.create_contact(db, actor, group("あきた子ども食堂", "あきたこどもしょくどう"))
    p = svc.create_contact(db, actor, person("高橋 一郎", "たかはし いちろう",
                                      groups=(Affiliation(g.id, "", "代表"),)))
    assert p.groups == (Affiliation(g.id, "あきた子ども食堂", "代表"),)
    assert svc.get_contact(db, actor, g.id).members == (Affiliation(p.id, "高橋 一郎", "代表"),)
    updated = svc.update_contact(db, actor, p.id, p.version,
                                 p.as_draft().__class__(**{**p.as_draft().__dict__, "groups": ()}))
    assert updated.groups == ()
    assert svc.get_contact(db, actor, g.id).members == ()


def test_edit_with_an_old_version_is_refused_and_nothing_overwritten(db, actor) -> None:
    c = svc.create_contact(db, actor, person("鈴木 太郎", "すずき たろう"))
    first = svc.update_contact(db, actor, c.id, c.version,
                               ContactDraft(kind=ContactKind.PERSON, name="鈴木 太郎",
                                            reading="すずき たろう", phone="018-888-1111"))
    assert first.version == c.version + 1
    with pytest.raises(ConcurrentEdit):
        svc.update_contact(db, actor, c.id, c.version,
                           ContactDraft(kind=ContactKind.PERSON, name="鈴木 次郎"))
    assert svc.get_contact(db, actor, c.id).phone == "018-888-1111"
    assert svc.get_contact(db, actor, c.id).name == "鈴木 太郎"


def test_removed_contact_leaves_the_list_and_can_be_restored(db, actor) -> None:
    c = svc.create_contact(db, actor, person("削除 予定", "さくじょ よてい"))
    version = svc.set_contact_active(db, actor, c.id, c.version, False)
    assert svc.search_contacts(db, actor, "削除").entries == []
    svc.set_contact_active(db, actor, c.id, version, True)
    assert names(svc.search_contacts(db, actor, "削除")) == ["削除 予定"]


def test_missing_contact_is_a_clear_error(db, actor) -> None:
    with pytest.raises(NotFound, match="削除されています"):
        svc.get_contact(db, actor, 999_999)
