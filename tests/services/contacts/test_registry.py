"""The group registry (団体台帳) and 地域 of a contact: each field checked, stored and read
back; the 代表者 link; 確認済み and the groups not confirmed in twelve months."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kyodo_desk.domain.errors import ConcurrentEdit, ValidationError
from kyodo_desk.models import AuditEntry
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType, registry
from kyodo_desk.services.contacts.record import contact_record, representative_of
from kyodo_desk.services.contacts.registry import (
    ActivityFieldRef,
    confirm_contact,
    confirm_due_before,
    unconfirmed_groups,
)


def group(name: str = "川辺の森の会", **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name,
                        **fields)


def person(name: str = "川辺 一郎", **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.PERSON, name=name, **fields)


def fields(db, actor) -> list[ActivityFieldRef]:  # type: ignore[no-untyped-def]
    return registry.list_activity_fields(db, actor)


def problems_of(draft: ContactDraft) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        svc.clean_draft(draft, date(2026, 12, 5))
    return {p.field: p.message for p in caught.value.problems}


def test_every_registry_field_is_stored_and_read_back(db, actor) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, person())
    welfare, town, env = fields(db, actor)[:3]
    made = svc.create_contact(db, actor, group(
        district="河辺", legal_form="特定非営利活動法人",
        representative=Affiliation(chair.id, chair.name), activity_fields=(town, welfare),
        activity_area=" 河辺地域 ", member_count=24, founded_on=date(2015, 4, 17),
        sns="www.facebook.com/kawabe\n\nhttps://x.com/kawabe", listed_publicly=True,
        public_fields=("phone", "representative", "phone")))
    got = svc.get_contact(db, actor, made.id)
    assert got.district == "河辺" and got.legal_form == "特定非営利活動法人"
    assert got.representative == Affiliation(chair.id, "川辺 一郎")
    assert [f.name for f in got.activity_fields] == [town.name, welfare.name]
    assert got.activity_area == "河辺地域" and got.member_count == 24
    assert got.founded_on == date(2015, 4, 1)  # 設立年月: the month
    assert got.sns == "https://www.facebook.com/kawabe\nhttps://x.com/kawabe"
    assert got.listed_publicly and got.public_fields == ("representative", "phone")
    assert got.registered_on == date.today() and got.confirmed_on is None
    # The representative is a member too, as 代表.
    assert Affiliation(chair.id, "川辺 一郎", "代表") in got.members
    # The draft of the detail gives the same record back.
    again = svc.update_contact(db, actor, got.id, got.version, got.as_draft())
    assert dataclasses.replace(again, version=got.version) == got
    assert env not in got.activity_fields


def test_a_person_has_a_district_and_no_registry(db, actor) -> None:  # type: ignore[no-untyped-def]
    made = svc.create_contact(db, actor, person(district="市外", legal_form="株式会社",
                                                member_count=3, sns="https://x.com/a"))
    assert made.district == "市外"
    assert (made.legal_form, made.member_count, made.sns) == ("", None, "")


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"district": "東京"}, "district", "地域"),
    ({"legal_form": "財団"}, "legal_form", "法人格"),
    ({"member_count": -1}, "member_count", "構成員数"),
    ({"member_count": 10_000_001}, "member_count", "構成員数"),
    ({"founded_on": date(2027, 1, 1)}, "founded_on", "先の月"),
    ({"founded_on": date(1850, 1, 1)}, "founded_on", "以降"),
    ({"sns": "https://x.com/a\nfacebook kawabe"}, "sns", "https://"),
    ({"public_fields": ("phone", "birthday")}, "public_fields", "birthday"),
    ({"activity_fields": tuple(ActivityFieldRef(i, str(i)) for i in range(1, 5))},
     "activity_fields", "3つまで"),
    ({"activity_fields": (ActivityFieldRef(1, "a"), ActivityFieldRef(1, "a"))},
     "activity_fields", "2回"),
])
def test_each_registry_field_is_checked(changes, field, words) -> None:  # type: ignore[no-untyped-def]
    found = problems_of(group(**changes))
    assert words in found[field]


def test_this_month_and_an_old_founding_pass() -> None:
    cleaned = svc.clean_draft(group(founded_on=date(2026, 12, 31), member_count=0),
                              date(2026, 12, 5))
    assert cleaned.founded_on == date(2026, 12, 1)
    assert svc.clean_draft(group(founded_on=date(1955, 3, 9)), date(2026, 12, 5)).founded_on \
        == date(1955, 3, 1)


def test_the_representative_must_be_an_active_person(db, actor) -> None:  # type: ignore[no-untyped-def]
    other = svc.create_contact(db, actor, group("ほかの会"))
    with pytest.raises(ValidationError, match="個人の連絡先") as caught:
        svc.create_contact(db, actor, group(representative=Affiliation(other.id, other.name)))
    assert caught.value.problems[0].field == "representative"
    gone = svc.create_contact(db, actor, person("削除 された"))
    svc.set_contact_active(db, actor, gone.id, gone.version, False)
    with pytest.raises(ValidationError, match="削除済み"):
        svc.create_contact(db, actor, group(representative=Affiliation(gone.id, gone.name)))


def test_a_retired_field_is_kept_but_not_newly_chosen(db, actor, admin) -> None:  # type: ignore[no-untyped-def]
    first, second = fields(db, actor)[:2]
    made = svc.create_contact(db, actor, group(activity_fields=(first,)))
    registry.set_activity_field_active(db, admin, first.id, False)
    kept = svc.update_contact(db, actor, made.id, made.version,
                              dataclasses.replace(made.as_draft(), activity_area="市内全域"))
    assert [f.id for f in kept.activity_fields] == [first.id]
    assert not kept.activity_fields[0].active
    with pytest.raises(ValidationError, match="使用停止") as caught:
        svc.create_contact(db, actor, group("別の会", activity_fields=(second, first)))
    assert caught.value.problems[0].field == "activity_fields"


def test_the_registered_representative_comes_before_the_roles(db, actor) -> None:  # type: ignore[no-untyped-def]
    g = svc.create_contact(db, actor, group())
    chair = svc.create_contact(db, actor, person("会長 さん", groups=(Affiliation(g.id, g.name, "会長"),)))
    named = svc.create_contact(db, actor, person("名簿 の人"))
    # Old data: no field, the roles say who.
    assert contact_record(db, actor, g.id).representative == Affiliation(chair.id, "会長 さん", "会長")
    g = svc.get_contact(db, actor, g.id)
    svc.update_contact(db, actor, g.id, g.version,
                       dataclasses.replace(g.as_draft(), representative=Affiliation(named.id, "")))
    assert contact_record(db, actor, g.id).representative == Affiliation(named.id, "名簿 の人", "代表")
    assert representative_of([Affiliation(1, "a", "代表")], Affiliation(2, "b")) == Affiliation(2, "b")


def test_the_representative_link_is_audited_without_its_value(db, actor) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, person())
    made = svc.create_contact(db, actor, group(representative=Affiliation(chair.id, ""),
                                               legal_form="一般社団法人"))
    with db.reading(actor) as session:
        changes = session.scalars(select(AuditEntry.changes).where(
            AuditEntry.table_name == "contacts", AuditEntry.record_id == made.id)).all()
    text = " ".join(str(c) for c in changes)
    assert "representative_id" in text and f"{chair.id}]" not in text.replace(" ", "")
    assert "一般社団法人" in text


def test_confirmed_on_by_the_form_and_by_one_click(db, actor) -> None:  # type: ignore[no-untyped-def]
    made = svc.create_contact(db, actor, group())
    assert made.confirmed_on is None
    ticked = svc.update_contact(db, actor, made.id, made.version,
                                dataclasses.replace(made.as_draft(), confirmed=True))
    assert ticked.confirmed_on == date.today() and ticked.version > made.version
    old = date.today() - timedelta(days=500)
    clicked = confirm_contact(db, actor, made.id, ticked.version, today=old)
    assert clicked.confirmed_on == old and clicked.version > ticked.version
    with pytest.raises(ConcurrentEdit):
        confirm_contact(db, actor, made.id, ticked.version)
    someone = svc.create_contact(db, actor, person())
    with pytest.raises(ValidationError):
        confirm_contact(db, actor, someone.id, someone.version)


def test_twelve_months_to_the_day(db, actor) -> None:  # type: ignore[no-untyped-def]
    today = date(2026, 12, 5)
    assert confirm_due_before(today) == date(2025, 12, 5)
    assert confirm_due_before(date(2028, 2, 29)) == date(2027, 2, 28)
    made = {}
    for name, confirmed in [("今日確認", today), ("ちょうど一年", date(2025, 12, 5)),
                            ("一年と一日", date(2025, 12, 4)), ("未確認", None)]:
        g = svc.create_contact(db, actor, group(name))
        if confirmed is not None:
            g = confirm_contact(db, actor, g.id, g.version, today=confirmed)
        made[name] = g
    gone = made["未確認"]
    removed = svc.create_contact(db, actor, group("削除した会"))
    svc.set_contact_active(db, actor, removed.id, removed.version, False)
    svc.create_contact(db, actor, person("個人 は対象外"))
    listed = [g.name for g in unconfirmed_groups(db, actor, today=today)]
    assert listed == ["未確認", "一年と一日"]
    assert gone.id in {g.id for g in unconfirmed_groups(db, actor, today=today)}


def test_the_district_filters_the_list_and_the_count(db, actor) -> None:  # type: ignore[no-untyped-def]
    svc.create_contact(db, actor, group("河辺の会", district="河辺"))
    svc.create_contact(db, actor, person("河辺 花子", district="河辺"))
    svc.create_contact(db, actor, group("中央の会", district="中央"))
    svc.create_contact(db, actor, group("地域なしの会"))
    page = svc.search_contacts(db, actor, district="河辺")
    assert {e.name for e in page.entries} == {"河辺の会", "河辺 花子"}
    assert svc.count_contacts(db, actor, district="河辺") == 2
    groups_only = svc.search_contacts(db, actor, "の会", kinds=[ContactKind.GROUP],
                                      district="河辺")
    assert [e.name for e in groups_only.entries] == ["河辺の会"]
    assert svc.count_contacts(db, actor, "の会", district="河辺") == 1
    assert "地域なしの会" in [e.name for e in svc.search_contacts(db, actor, "の会", district="").entries]
    assert svc.count_contacts(db, actor, "会", district="中央") == 1
    assert svc.count_contacts(db, actor, "の会") >= 3


def test_every_contact_carries_the_registry(db, actor) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, person())
    first = fields(db, actor)[0]
    made = svc.create_contact(db, actor, group(representative=Affiliation(chair.id, ""),
                                               activity_fields=(first,), district="北部",
                                               member_count=5))
    exported = next(c for c in svc.every_contact(db, actor) if c.id == made.id)
    assert exported == svc.get_contact(db, actor, made.id)
