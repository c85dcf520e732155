"""町名と地域: the administrator keeps the town table; it suggests 地域 from addresses (both
databases)."""

from __future__ import annotations

import time

import pytest

from kyodo_desk.database.seed import seed_towns
from kyodo_desk.domain.errors import NotFound, ValidationError
from kyodo_desk.domain.labels import DISTRICTS, OUTSIDE_CITY
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services import audit_log as audit
from kyodo_desk.services import districts as svc
from kyodo_desk.services.audit_log import AuditFilter


def test_the_table_starts_as_the_shipped_seed_in_district_order(db, actor) -> None:  # type: ignore[no-untyped-def]
    rows = svc.list_towns(db, actor)
    assert {r.town: r.district for r in rows} == seed_towns()
    order = [DISTRICTS.index(r.district) for r in rows]
    assert order == sorted(order)  # 中央 first, 雄和 last
    chuo = [r.town for r in rows if r.district == "中央"]
    assert chuo == sorted(chuo)


def test_the_filter_finds_towns_by_part_of_the_name_or_by_district(db, actor) -> None:  # type: ignore[no-untyped-def]
    assert {r.town for r in svc.list_towns(db, actor, "広面")} == {"広面"}
    assert {r.town for r in svc.list_towns(db, actor, "南ヶ丘")} == {"南ケ丘"}
    kawabe = svc.list_towns(db, actor, "河辺")
    assert kawabe and all(r.district == "河辺" for r in kawabe)
    assert len(svc.list_towns(db, actor, "雄和")) == 19
    assert svc.list_towns(db, actor, "存在しない町") == []


def test_the_administrator_moves_a_town_and_the_change_is_audited(db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    assert svc.suggest(db, actor, "秋田市広面字鍋沼") == "東部"
    saved = svc.set_district(db, admin, "広面", "中央")
    assert (saved.town, saved.district) == ("広面", "中央")
    assert svc.suggest(db, actor, "秋田市広面字鍋沼") == "中央"  # suggestions follow at once
    assert svc.towns(db, actor)["広面"] == "中央"

    entries = audit.search_audit(db, admin, AuditFilter(table_name="district_towns"))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.actor) == ("update", admin.name)
    assert entry.changes["district"] == ["東部", "中央"]
    assert entry.changes["town"] == ["広面", "広面"]  # whose row it is
    assert "地域: 東部 → 中央" in audit.describe_changes(entry.changes, "district_towns")


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_nobody_but_the_administrator_may_change_the_table(db, accounts_by_login,
                                                           login: str) -> None:  # type: ignore[no-untyped-def]
    someone = accounts_by_login[login]
    with pytest.raises(PermissionDenied) as caught:
        svc.set_district(db, someone, "広面", "中央")
    assert "地域と町名を変更できません" in caught.value.message
    assert svc.towns(db, someone)["広面"] == "東部"  # nothing changed
    assert svc.list_towns(db, someone, "広面")  # but every account may read it


@pytest.mark.parametrize("district", ["", OUTSIDE_CITY, "不明", "東"])
def test_a_town_of_the_city_lies_in_one_of_the_seven(db, admin, district: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        svc.set_district(db, admin, "広面", district)
    assert caught.value.problems[0].field == "district"
    assert svc.towns(db, admin)["広面"] == "東部"


def test_an_unknown_town_is_not_added_by_a_change(db, admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        svc.set_district(db, admin, "存在しない町", "中央")
    assert "存在しない町" not in svc.towns(db, admin)


def test_each_facility_gets_the_district_its_address_suggests(db, actor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.facilities import list_facilities

    by_code = {f.code: f.id for f in list_facilities(db, actor)}
    districts = svc.facility_districts(db, actor)
    # The citizen service centres carry their district's name.
    for code, district in (("central", "中央"), ("east", "東部"), ("west", "西部"),
                           ("south", "南部"), ("north", "北部"), ("kawabe", "河辺"),
                           ("yuwa", "雄和")):
        assert districts[by_code[code]] == district, code


def test_a_suggestion_reads_the_whole_table_in_a_few_milliseconds(db, actor) -> None:  # type: ignore[no-untyped-def]
    svc.suggest(db, actor, "秋田市広面")  # the first call opens the connection
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        assert svc.suggest(db, actor, "秋田市河辺和田字北条ケ崎") == "河辺"
    each = (time.perf_counter() - started) / runs
    assert each < 0.05, f"{each * 1000:.1f} ms per suggestion"
