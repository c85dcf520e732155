"""The administrator keeps the facilities current: addresses, contacts and opening hours as
data; checked, versioned and audited like every other record (both databases)."""

from __future__ import annotations

import dataclasses
from datetime import time

import pytest

from kyodo_desk.domain.errors import ConcurrentEdit, ValidationError
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services import audit_log
from kyodo_desk.services import facilities as svc
from kyodo_desk.services.facilities import FacilityDetail, FacilityDraft


def facility(db, actor, code: str) -> FacilityDetail:  # type: ignore[no-untyped-def]
    return next(f for f in svc.list_facilities(db, actor) if f.code == code)


def with_hours(f: FacilityDetail, **changes) -> FacilityDraft:  # type: ignore[no-untyped-def]
    return dataclasses.replace(f.as_draft(), **changes)


def test_the_administrator_saves_hours_and_contacts_and_every_reader_sees_them(
        db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    salon = facility(db, admin, "salon")
    assert (salon.opens_at, salon.closes_at, salon.open_days, salon.closed_days) == (
        None, None, "", "")  # the seed leaflet states no hours: none is invented

    saved = svc.update_facility(db, admin, salon.id, salon.version, with_hours(
        salon, opens_at=time(9, 0), closes_at=time(21, 0), open_days="金月火水木土日",
        closed_days=" 毎月第3水曜日、年末年始 ", hours="日曜・祝日は17:00まで",
        phone="０１８８８７５３１２", postal_code="0108506", email="Salon@Example.JP"))

    assert saved.version == salon.version + 1
    read = svc.get_facility(db, actor, salon.id)  # counter staff read it as stored
    assert read == saved
    assert (read.opens_at, read.closes_at) == (time(9, 0), time(21, 0))
    assert read.open_days == "月火水木金土日"  # in week order, once each
    assert read.closed_days == "毎月第3水曜日、年末年始"
    assert read.phone == "018-887-5312" and read.postal_code == "010-8506"
    assert read.email == "Salon@example.jp"
    assert read.opening_hours == ("9:00〜21:00（毎日）　休館日: 毎月第3水曜日、年末年始　"
                                  "日曜・祝日は17:00まで")
    assert facility(db, actor, "salon") == read  # the list reads the same


def test_a_stale_version_is_refused_and_the_other_save_kept(db, admin) -> None:  # type: ignore[no-untyped-def]
    east = facility(db, admin, "east")
    svc.update_facility(db, admin, east.id, east.version, with_hours(east, phone="018-853-1040"))
    with pytest.raises(ConcurrentEdit) as caught:
        svc.update_facility(db, admin, east.id, east.version,
                            with_hours(east, opens_at=time(8, 30), closes_at=time(17, 15)))
    assert "この施設は、開いた後に他の窓口で変更されました" in caught.value.message
    kept = svc.get_facility(db, admin, east.id)
    assert kept.phone == "018-853-1040" and kept.opens_at is None


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_only_the_administrator_may_change_a_facility(db, accounts_by_login, login: str) -> None:  # type: ignore[no-untyped-def]
    who = accounts_by_login[login]
    east = facility(db, who, "east")  # everyone reads them
    with pytest.raises(PermissionDenied):
        svc.update_facility(db, who, east.id, east.version,
                            with_hours(east, address="秋田市どこか1番"))
    assert svc.get_facility(db, who, east.id) == east


def test_every_fault_is_named_by_its_field_and_nothing_is_stored(db, admin) -> None:  # type: ignore[no-untyped-def]
    west = facility(db, admin, "west")
    with pytest.raises(ValidationError) as caught:
        svc.update_facility(db, admin, west.id, west.version, with_hours(
            west, postal_code="01016", address="  ", phone="123", email="ro-scws@",
            website="city akita", facebook="fb me", open_days="月火x",
            opens_at=time(17, 0), closes_at=time(9, 0)))
    fields = {p.field: p.message for p in caught.value.problems}
    assert set(fields) == {"postal_code", "address", "phone", "email", "website", "facebook",
                           "open_days", "closes_at"}
    assert fields["address"] == "住所を入力してください。"
    assert "閉館時刻（9:00）は開館時刻（17:00）より後に" in fields["closes_at"]
    assert "「x」は曜日ではありません" in fields["open_days"]
    assert "郵便番号「01016」" in fields["postal_code"]
    assert svc.get_facility(db, admin, west.id) == west


@pytest.mark.parametrize(("opens", "closes", "field"), [
    (time(9, 0), None, "closes_at"), (None, time(17, 0), "opens_at"),
    (time(9, 0), time(9, 0), "closes_at"),
])
def test_opening_hours_need_both_times_in_order(opens, closes, field) -> None:  # type: ignore[no-untyped-def]
    (problem,) = svc.opening_hours_problems(opens, closes)
    assert problem.field == field
    assert svc.opening_hours_problems(None, None) == []
    assert svc.opening_hours_problems(time(8, 30), time(17, 15)) == []


def test_a_value_too_long_for_its_field_is_refused_by_the_bounds(db, admin) -> None:  # type: ignore[no-untyped-def]
    north = facility(db, admin, "north")
    with pytest.raises(ValidationError) as caught:
        svc.update_facility(db, admin, north.id, north.version,
                            with_hours(north, closed_days="年末年始" * 100))
    assert [p.field for p in caught.value.problems] == ["closed_days"]
    assert "休館日は300文字まで" in caught.value.problems[0].message


def test_the_change_is_audited_with_who_and_what(db, admin) -> None:  # type: ignore[no-untyped-def]
    yuwa = facility(db, admin, "yuwa")
    svc.update_facility(db, admin, yuwa.id, yuwa.version, with_hours(
        yuwa, opens_at=time(8, 30), closes_at=time(17, 15), open_days="月火水木金"))
    entry = audit_log.search_audit(db, admin, audit_log.AuditFilter(
        table_name="facilities", record_id=yuwa.id))[0]
    assert entry.action == "update" and "管理 太郎" in entry.actor
    assert entry.changes["open_days"] == ["", "月火水木金"]
    assert entry.changes["opens_at"] == [None, "08:30:00"]


@pytest.mark.parametrize(("days", "shown"), [
    ("月火水木金", "月〜金"), ("月火水木金土", "月〜土"), ("月水金", "月・水・金"),
    ("土日", "土・日"), ("火水木金土", "火〜土"), ("月火水金土日", "月〜水・金〜日"), ("日月火水木金土", "毎日"), ("", ""),
])
def test_weekdays_are_written_as_people_write_them(days: str, shown: str) -> None:
    assert svc.weekday_span(days) == shown


def test_the_hours_line_says_only_what_is_recorded() -> None:
    assert svc.opening_hours_text(None, None, "", "") == ""
    assert svc.opening_hours_text(time(9, 0), time(17, 0), "", "") == "9:00〜17:00"
    assert svc.opening_hours_text(None, None, "月火水木金", "祝日") == "開館日: 月〜金　休館日: 祝日"
    assert svc.opening_hours_text(None, None, "", "", "お問い合わせください") == "お問い合わせください"


def test_a_seed_that_states_hours_loads_them_and_the_shipped_one_states_none(
        empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from kyodo_desk.database import open_database, seed
    from kyodo_desk.domain.permissions import Actor

    shipped = seed.seed_facilities()
    assert not any(key in row for row in shipped
                   for key in ("opens_at", "closes_at", "open_days", "closed_days", "hours"))
    stated = [{**shipped[0], "opens_at": "08:30", "closes_at": "17:15", "open_days": "月火水木金",
               "closed_days": "年末年始"}, *shipped[1:]]
    monkeypatch.setattr(seed, "seed_facilities", lambda: stated)
    db = open_database(empty_url)
    try:
        east, west = svc.list_facilities(db, Actor.system())[:2]
    finally:
        db.dispose()
    assert east.opening_hours == "8:30〜17:15（月〜金）　休館日: 年末年始"
    assert west.opening_hours == ""
