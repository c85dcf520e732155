"""地域 on events, grant cases and consultation statistics (both databases): kept as chosen,
suggested from the group for a new case, and each list and count narrowed to one 地域."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Contact
from kyodo_desk.services import consultations, contacts
from kyodo_desk.services import events as event_svc
from kyodo_desk.services.consultations import ConsultationChannel, ConsultationDraft, stats
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants.cases import CaseDraft
from tests.event_fixtures import event_draft, make_event
from tests.grant_fixtures import group, make_programme

CLI = Actor.command_line()


def set_contact_district(db, contact_id: int, district: str) -> None:  # type: ignore[no-untyped-def]
    with db.writing(CLI) as session:
        row = session.get(Contact, contact_id)
        assert row is not None
        row.district = district


@pytest.fixture
def facilities(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {f.code: f.id for f in contacts.list_facilities(db, CLI)}


# --- events -------------------------------------------------------------------------------

def test_an_events_district_is_kept_as_chosen_and_carried_by_its_draft(db, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], district="河辺")  # held elsewhere than the host
    assert event.district == "河辺"
    assert event_svc.get_event(db, CLI, event.id).district == "河辺"
    assert event.as_draft().district == "河辺"
    changed = event_svc.update_event(db, CLI, event.id, event.version,
                                     replace(event.as_draft(), district=""))
    assert changed.district == ""
    copy = event_svc.copy_for_next_year(db, CLI, event_svc.update_event(
        db, CLI, event.id, changed.version, replace(changed.as_draft(), district="市外")).id)
    assert copy.district == "市外"  # next year's draft keeps it


def test_an_event_district_must_be_one_of_the_list(db, facilities) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        event_svc.create_event(db, CLI, event_draft(facilities["east"], district="東"))
    assert caught.value.problems[0].field == "district"


def test_the_event_list_filters_by_district(db, facilities) -> None:  # type: ignore[no-untyped-def]
    east = make_event(db, facilities["east"], title="東部の講座", district="東部")
    make_event(db, facilities["west"], title="西部の講座", district="西部")
    unset = make_event(db, facilities["salon"], title="地域なしの講座")
    east_rows = event_svc.list_events(db, CLI, district="東部")
    assert [(r.id, r.district) for r in east_rows] == [(east.id, "東部")]
    assert [r.id for r in event_svc.list_events(db, CLI, district="")] == [unset.id]
    assert len(event_svc.list_events(db, CLI)) == 3
    assert event_svc.list_events(db, CLI, district="雄和") == []


# --- grant cases --------------------------------------------------------------------------

def test_a_new_case_takes_the_groups_district_unless_one_is_chosen(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    g = group(db)
    set_contact_district(db, g, "北部")
    case = grant_cases.create_case(db, officer, CaseDraft(p.id, g, "港まつり"))
    assert case.district == "北部"
    chosen = grant_cases.create_case(db, officer, CaseDraft(p.id, g, "雄和の収穫祭",
                                                            district="雄和"))
    assert chosen.district == "雄和"
    # The case keeps its own: the group moving does not move the case, and it can be changed.
    set_contact_district(db, g, "中央")
    assert grant_cases.get_case(db, officer, case.id).district == "北部"
    changed = grant_cases.update_case(db, officer, case.id, case.version,
                                      replace(case.as_draft(), district="市外"))
    assert changed.district == "市外"
    assert grant_cases.get_case(db, officer, case.id).as_draft().district == "市外"


def test_a_case_of_a_group_without_district_stays_unset(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = grant_cases.create_case(db, officer, CaseDraft(p.id, group(db), "まちなかコンサート"))
    assert case.district == ""
    with pytest.raises(ValidationError):
        grant_cases.update_case(db, officer, case.id, case.version,
                                replace(case.as_draft(), district="不明"))


def test_the_case_list_filters_by_district(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    north, south = group(db, "土崎の会"), group(db, "御所野の会")
    set_contact_district(db, north, "北部")
    set_contact_district(db, south, "南部")
    a = grant_cases.create_case(db, officer, CaseDraft(p.id, north, "港まつり"))
    b = grant_cases.create_case(db, officer, CaseDraft(p.id, south, "夏まつり"))
    c = grant_cases.create_case(db, officer, CaseDraft(p.id, south, "北部での出張講座",
                                                       district="北部"))
    listed = grant_cases.list_cases(db, officer, programme_id=p.id, district="北部")
    assert {r.id for r in listed} == {a.id, c.id}
    assert all(r.district == "北部" for r in listed)
    assert [r.id for r in grant_cases.list_cases(db, officer, district="南部")] == [b.id]
    assert len(grant_cases.list_cases(db, officer, programme_id=p.id)) == 3


# --- consultation statistics --------------------------------------------------------------

def consultations_by_district(db, officer, facilities) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """FY2026 consultations at 東部 and the salon, counted by hand per 地域:
    東部 3 (two of a 東部 person, one anonymous 東部), 河辺 2 (a 河辺 group, one anonymous),
    市外 1 (anonymous), 不明 3 (a person without district, an anonymous 不明, one with no
    consultee recorded). One in FY2025 (東部) is outside the year."""
    topics = {t.name: t.id for t in consultations.list_topics(db, officer)}

    def person(name: str, district: str) -> int:
        contact_id = contacts.create_contact(db, officer, contacts.ContactDraft(
            kind=contacts.ContactKind.PERSON, name=name)).id
        set_contact_district(db, contact_id, district)
        return contact_id

    east_person, kawabe_group = person("広面 太郎", "東部"), person("河辺の会", "河辺")
    nowhere = person("住所 未登録", "")

    def add(held_on: date, code: str, consultee: int | None = None, area: str = "",
            anonymous: bool = False) -> None:
        consultations.create_consultation(db, officer, ConsultationDraft(
            held_on=held_on, facility_id=facilities[code], asked="相談の内容",
            channel=ConsultationChannel.VISIT, topic_ids=(topics["団体設立"],),
            consultee_contact_id=consultee, anonymous=anonymous, area=area))

    add(date(2026, 4, 3), "east", east_person)
    add(date(2026, 6, 3), "salon", east_person)
    add(date(2026, 7, 1), "east", area="東部", anonymous=True)
    add(date(2026, 5, 1), "east", kawabe_group)
    add(date(2026, 8, 1), "salon", area="河辺", anonymous=True)
    add(date(2026, 9, 1), "east", area="市外", anonymous=True)
    add(date(2026, 9, 2), "east", nowhere)
    add(date(2026, 9, 3), "salon", area="不明", anonymous=True)
    add(date(2026, 9, 4), "east", anonymous=True)  # nothing told
    add(date(2026, 3, 31), "east", east_person)  # FY2025
    return {"東部": 3, "河辺": 2, "市外": 1, "不明": 3, "中央": 0}


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def test_statistics_of_one_district_count_exactly_its_consultations(
        db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    expected = consultations_by_district(db, officer, facilities)
    whole = stats.fiscal_year_statistics(db, officer, 2026)
    assert whole.total == sum(expected.values()) == 9
    for district, count in expected.items():
        year = stats.fiscal_year_statistics(db, officer, 2026, district=district)
        assert year.total == count, district
        assert year.district == district
        assert year.heading == f"令和8年度 相談件数（地域: {district}）"
        # Every table of the year is narrowed alike.
        assert year.facility_by_month.total == year.channel_by_month.total == count
    east = stats.fiscal_year_statistics(db, officer, 2026, district="東部")
    assert east.facility_by_month.column_total("4月") == 1
    assert east.facility_by_month.row_total("秋田市市民交流サロン") == 1
    # A facility and a district together.
    both = stats.fiscal_year_statistics(db, officer, 2026, district="河辺",
                                        facility_id=facilities["salon"])
    assert both.total == 1
    assert both.heading == "令和8年度 相談件数（秋田市市民交流サロン）（地域: 河辺）"


def test_a_month_report_can_be_counted_for_one_district(db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    consultations_by_district(db, officer, facilities)
    month = stats.month_statistics(db, officer, 2026, 9, district="不明")
    assert (month.total, month.total_to_date) == (3, 3)
    assert stats.month_statistics(db, officer, 2026, 9, district="東部").total_to_date == 3


def test_an_unknown_district_is_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        stats.fiscal_year_statistics(db, officer, 2026, district="東")


def test_the_report_command_counts_one_district_and_says_which(
        db, database_url, officer, facilities, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from kyodo_desk.cli import main

    consultations_by_district(db, officer, facilities)
    target = tmp_path / "相談件数.xlsx"
    code = main(["--database", database_url, "report", "consultations", "--fiscal-year", "2026",
                 "--district", "河辺", "-o", str(target)])
    assert code == 0
    assert "令和8年度 相談件数（地域: 河辺）（2 件）" in capsys.readouterr().out
    sheet = load_workbook(target)["施設×月"]
    assert sheet["A1"].value.startswith("令和8年度 相談件数（地域: 河辺）")
    assert main(["--database", database_url, "report", "consultations", "--format", "pdf",
                 "--district", "河辺", "-o", str(tmp_path / "月報.pdf")]) != 0
