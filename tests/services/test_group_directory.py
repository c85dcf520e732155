"""The public group directory (団体一覧) as the service gives it: listed, active, unmerged groups
only, each with exactly the fields it agreed to publish, the 代表者 by name only."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kyodo_desk.domain.errors import UserError
from kyodo_desk.models import GroupType
from kyodo_desk.services.contacts.directory import agreed_fields, public_directory
from tests.group_directory_fixtures import (
    AOZORA,
    AOZORA_HEAD,
    CHAIR,
    KAWABE,
    KAWABE_PHONE,
    Directory,
    directory,
    field_ids,
)


@pytest.fixture
def listed(db) -> Directory:  # type: ignore[no-untyped-def]
    return directory(db)


def test_only_listed_active_unmerged_groups_in_reading_order(db, actor, listed: Directory) -> None:  # type: ignore[no-untyped-def]
    found = public_directory(db, actor)
    assert [g.name for g in found] == [AOZORA, KAWABE]  # あお… before あき…
    assert not {g.id for g in found} & set(listed.hidden)


def test_a_group_shows_the_fields_it_agreed_to_and_none_of_the_others(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory) -> None:
    kawabe = next(g for g in public_directory(db, actor) if g.id == listed.kawabe)
    assert kawabe.published == {"representative", "phone", "activity_fields", "founded_on"}
    assert (kawabe.representative, kawabe.phone) == (CHAIR, KAWABE_PHONE)
    assert kawabe.activity_fields == ("まちづくり", "環境の保全") and kawabe.main_field == "まちづくり"
    assert kawabe.founded_on == date(2015, 4, 1)
    assert (kawabe.postal_code, kawabe.address, kawabe.email, kawabe.website, kawabe.sns,
            kawabe.activity_area, kawabe.member_count) == (None,) * 7
    # Always public for a listed group.
    assert (kawabe.group_type, kawabe.legal_form, kawabe.district) == (
        GroupType.CIVIC_GROUP, "任意団体（法人格なし）", "東部")


def test_a_group_that_publishes_everything_and_a_representative_by_role(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory) -> None:
    aozora = next(g for g in public_directory(db, actor) if g.id == listed.aozora)
    assert aozora.representative == AOZORA_HEAD  # 代表理事 by membership; 会員 is not
    assert (aozora.postal_code, aozora.address) == ("010-0001", "秋田市中通2-3-8")
    assert aozora.sns == ("https://x.com/aozora_akita", "https://www.instagram.com/aozora_akita")
    assert aozora.member_count == 12 and aozora.activity_area == "市内全域"


def test_a_representative_who_was_removed_is_not_named(db, actor, listed: Directory) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import Contact

    with db.writing(Actor.command_line()) as session:
        group = session.get(Contact, listed.kawabe)
        session.get(Contact, group.representative_id).active = False
    kawabe = next(g for g in public_directory(db, actor) if g.id == listed.kawabe)
    assert kawabe.representative == ""  # agreed, but no one to name


def test_filtered_by_district_and_by_a_published_field(db, actor, listed: Directory) -> None:  # type: ignore[no-untyped-def]
    assert [g.name for g in public_directory(db, actor, district="東部")] == [KAWABE]
    assert public_directory(db, actor, district="雄和") == []
    with db.reading(actor) as session:
        ids = field_ids(session)
    assert [g.name for g in public_directory(db, actor, field_id=ids["環境の保全"])] == [KAWABE]
    assert [g.name for g in public_directory(db, actor, field_id=ids["子どもの健全育成"])] == [AOZORA]


def test_a_group_that_keeps_its_fields_private_is_not_found_by_field(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory) -> None:
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import Contact

    with db.writing(Actor.command_line()) as session:
        session.get(Contact, listed.kawabe).public_fields = "phone"
    with db.reading(actor) as session:
        ids = field_ids(session)
    assert public_directory(db, actor, field_id=ids["まちづくり"]) == []
    kawabe = next(g for g in public_directory(db, actor) if g.id == listed.kawabe)
    assert kawabe.activity_fields is None and kawabe.representative is None


def test_an_unknown_district_is_refused_in_japanese(db, actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="地域「東区」はありません"):
        public_directory(db, actor, district="東区")


@pytest.mark.parametrize("login", ["staff", "advisor", "officer", "admin"])
def test_any_staff_may_make_the_public_list(db, accounts_by_login: dict[str, Any],  # type: ignore[no-untyped-def]
                                            listed: Directory, login: str) -> None:
    assert len(public_directory(db, accounts_by_login[login])) == 2


def test_only_known_public_field_keys_count() -> None:
    assert agreed_fields("phone,notes,,address") == {"phone", "address"}
    assert agreed_fields("") == frozenset()
