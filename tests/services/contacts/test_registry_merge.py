"""A merge and the group registry: a representative link moves to the kept person and back
with the undo; a group's registry fields and 活動分野 are picked like its other fields."""

from __future__ import annotations

import dataclasses
from datetime import date

from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType, registry
from kyodo_desk.services.contacts import merge as m


def group(name: str, **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name,
                        **fields)


def person(name: str, **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.PERSON, name=name, **fields)


def test_a_representative_link_moves_with_the_merge_and_back_with_the_undo(db, actor, admin) -> None:  # type: ignore[no-untyped-def]
    assert m.unhandled_links() == []
    keep = svc.create_contact(db, actor, person("山田 太郎", phone="018-888-0001"))
    twin = svc.create_contact(db, actor, person("ﾔﾏﾀﾞ ﾀﾛｳ"))
    club = svc.create_contact(db, actor, group("山田会", representative=Affiliation(twin.id, "")))
    keep, twin = svc.get_contact(db, admin, keep.id), svc.get_contact(db, admin, twin.id)
    done = m.merge_contacts(db, admin, keep_id=keep.id, keep_version=keep.version,
                            merge_id=twin.id, merge_version=twin.version)
    moved = svc.get_contact(db, actor, club.id)
    assert moved.representative == Affiliation(keep.id, "山田 太郎")
    assert moved.version > club.version  # a form opened before the merge must not write back
    m.undo_merge(db, admin, done.merge_id)
    assert svc.get_contact(db, actor, club.id).representative == Affiliation(twin.id, "ﾔﾏﾀﾞ ﾀﾛｳ")


def test_the_registry_fields_are_picked_and_the_undo_restores_them(db, actor, admin) -> None:  # type: ignore[no-untyped-def]
    first, second, third = registry.list_activity_fields(db, actor)[:3]
    chair = svc.create_contact(db, actor, person("代表 さん"))
    keep = svc.create_contact(db, actor, group(
        "森の会", district="中央", legal_form="任意団体（法人格なし）", activity_fields=(first,),
        member_count=10, founded_on=date(2001, 5, 1)))
    other = svc.create_contact(db, actor, group(
        "森の会（旧）", district="東部", legal_form="特定非営利活動法人",
        representative=Affiliation(chair.id, ""), activity_fields=(second, third),
        member_count=30, founded_on=date(1999, 4, 1), sns="https://x.com/mori",
        listed_publicly=True, public_fields=("phone",)))
    other = registry.confirm_contact(db, actor, other.id, other.version)
    before = svc.get_contact(db, actor, keep.id)
    take = frozenset({"legal_form", "representative_id", "activity_fields", "founded_on",
                      "sns", "confirmed_on"})
    done = m.merge_contacts(db, admin, keep_id=keep.id, keep_version=before.version,
                            merge_id=other.id, merge_version=other.version,
                            take_from_merged=take)
    kept = done.kept
    assert kept.legal_form == "特定非営利活動法人" and kept.district == "中央"
    assert kept.representative is not None and kept.representative.contact_id == chair.id
    assert [f.id for f in kept.activity_fields] == [second.id, third.id]
    assert kept.founded_on == date(1999, 4, 1) and kept.member_count == 10
    assert kept.sns == "https://x.com/mori" and kept.confirmed_on == date.today()
    # The merged record keeps its own, as a record 統合済み does.
    assert [f.id for f in svc.get_contact(db, actor, other.id).activity_fields] == [
        second.id, third.id]
    restored = m.undo_merge(db, admin, done.merge_id)
    same = dataclasses.replace(restored, version=before.version, members=before.members)
    assert same == before


def test_the_command_line_merge_fills_empty_registry_fields(db, actor, admin) -> None:  # type: ignore[no-untyped-def]
    first = registry.list_activity_fields(db, actor)[0]
    keep = svc.create_contact(db, actor, group("川の会"))
    other = svc.create_contact(db, actor, group("川の会 旧", activity_fields=(first,),
                                                member_count=7, district="南部"))
    done = m.merge_by_id(db, admin, keep_id=keep.id, merge_id=other.id)
    assert [f.id for f in done.kept.activity_fields] == [first.id]
    assert (done.kept.member_count, done.kept.district) == (7, "南部")
