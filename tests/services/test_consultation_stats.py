"""Consultation statistics (相談の統計) against hand-counted records, on both databases:
fiscal-year boundaries, topics counted once each, new and returning consultees, and who may
count which facility.

`record_fixture` is the hand-counted data set; the export, leaflet, command-line and window
tests import it too, so every layer is checked against the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import delete, update

from kyodo_desk.domain.errors import NotFound
from kyodo_desk.domain.permissions import Actor, PermissionDenied, Role
from kyodo_desk.models import Consultation, ConsultationTopicLink
from kyodo_desk.services import consultations, contacts
from kyodo_desk.services.consultations import ConsultationChannel, ConsultationDraft, stats

VISIT, PHONE, EMAIL = ConsultationChannel.VISIT, ConsultationChannel.PHONE, ConsultationChannel.EMAIL
OUTREACH, OTHER = ConsultationChannel.OUTREACH, ConsultationChannel.OTHER
FACILITY_COLUMNS = ("東部", "西部", "南部", "北部", "中央", "河辺", "雄和", "市民交流サロン")


@dataclass(frozen=True)
class Recorded:
    facilities: dict[str, int]  # code → id
    topics: dict[str, int]  # name → id


def record_fixture(db, officer: Actor) -> Recorded:  # type: ignore[no-untyped-def]
    """Eleven consultations, counted by hand below (today is later than 2026-11-24).

    FY2024: 2025-03-31 東部 来所 その他, anonymous.
    FY2025: 2025-04-01 東部 来所 その他, anonymous; 2026-03-31 西部 電話 団体運営, anonymous.
    FY2026 (8 consultations):
      1 2026-04-01 東部   来所   団体設立              A (新規)
      2 2026-04-15 東部   電話   団体設立, NPO法人化   A (継続)
      3 2026-05-10 西部   メール 資金・交付金          anonymous
      4 2026-10-05 東部   その他 (no topic)            C (新規)
      5 2026-11-02 サロン 来所   広報・PR, 資金・交付金 B (新規)
      6 2026-11-20 サロン 訪問   広報・PR              B (継続)
      7 2026-11-20 東部   来所   NPO法人化             no consultee, not anonymous
      8 2027-03-31 西部   電話   団体設立              anonymous (the year's last day)
    """
    facilities = {f.code: f.id for f in contacts.list_facilities(db, officer)}
    topics = {t.name: t.id for t in consultations.list_topics(db, officer)}

    def person(name: str) -> int:
        return contacts.create_contact(db, officer, contacts.ContactDraft(
            kind=contacts.ContactKind.PERSON, name=name)).id

    a, b, c = person("秋田 一郎"), person("土崎 花子"), person("新屋 三郎")

    def add(held_on: date, code: str, channel: ConsultationChannel, names: tuple[str, ...],
            consultee: int | None = None, anonymous: bool = False) -> int:
        return consultations.create_consultation(db, officer, ConsultationDraft(
            held_on=held_on, facility_id=facilities[code], asked="相談の内容", channel=channel,
            topic_ids=tuple(topics[n] for n in names), consultee_contact_id=consultee,
            anonymous=anonymous)).id

    add(date(2025, 3, 31), "east", VISIT, ("その他",), anonymous=True)
    add(date(2025, 4, 1), "east", VISIT, ("その他",), anonymous=True)
    add(date(2026, 3, 31), "west", PHONE, ("団体運営",), anonymous=True)
    add(date(2026, 4, 1), "east", VISIT, ("団体設立",), a)
    add(date(2026, 4, 15), "east", PHONE, ("団体設立", "NPO法人化"), a)
    add(date(2026, 5, 10), "west", EMAIL, ("資金・交付金",), anonymous=True)
    no_topic = add(date(2026, 10, 5), "east", OTHER, ("その他",), c)
    add(date(2026, 11, 2), "salon", VISIT, ("広報・PR", "資金・交付金"), b)
    add(date(2026, 11, 20), "salon", OUTREACH, ("広報・PR",), b)
    no_consultee = add(date(2026, 11, 20), "east", VISIT, ("NPO法人化",), anonymous=True)
    last = add(date(2026, 11, 24), "west", PHONE, ("団体設立",), anonymous=True)
    # What the form refuses is written directly: the year's last day as if it had come, and
    # records kept from before topics and a consultee were required.
    with db.writing(officer) as session:
        session.execute(update(Consultation).where(Consultation.id == last)
                        .values(held_on=date(2027, 3, 31)))
        session.execute(delete(ConsultationTopicLink)
                        .where(ConsultationTopicLink.consultation_id == no_topic))
        session.execute(update(Consultation).where(Consultation.id == no_consultee)
                        .values(anonymous=False, returning_consultee=None))
    return Recorded(facilities, topics)


@pytest.fixture
def recorded(db, accounts_by_login) -> Recorded:  # type: ignore[no-untyped-def]
    return record_fixture(db, accounts_by_login["officer"])


# --- the fiscal year ------------------------------------------------------------------------

def test_topic_by_facility_counts_each_topic_of_a_consultation(
        db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    year = stats.fiscal_year_statistics(db, accounts_by_login["officer"], 2026)
    assert year.label == "令和8年度"
    assert year.heading == "令和8年度 相談件数"
    assert (year.first_day, year.last_day) == (date(2026, 4, 1), date(2027, 3, 31))
    table = year.topic_by_facility
    assert table.columns == FACILITY_COLUMNS
    assert table.rows == ("団体設立", "NPO法人化", "団体運営", "資金・交付金", "広報・PR",
                          "協働事業提案", "地域づくり", "施設利用", "人材・ボランティア", "その他",
                          "分野の記録なし")
    assert table.cell("団体設立", "東部") == 2 and table.cell("団体設立", "西部") == 1
    assert table.cell("NPO法人化", "東部") == 2
    assert table.cell("資金・交付金", "西部") == 1
    assert table.cell("資金・交付金", "市民交流サロン") == 1
    assert table.cell("広報・PR", "市民交流サロン") == 2
    assert table.cell("分野の記録なし", "東部") == 1
    assert table.row_total("団体設立") == 3
    assert table.row_totals == (3, 2, 0, 2, 2, 0, 0, 0, 0, 0, 1)
    # The totals are consultations: 8, though the topic rows add up to 10.
    assert table.column_totals == (4, 2, 0, 0, 0, 0, 0, 2)
    assert table.total == year.total == 8
    assert sum(table.row_totals) == 10 and table.rows_overlap


def test_months_run_april_to_march_and_the_boundaries_hold(
        db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    year = stats.fiscal_year_statistics(db, officer, 2026)
    assert year.months[0] == date(2026, 4, 1) and year.months[-1] == date(2027, 3, 1)
    by_month = year.facility_by_month
    assert by_month.columns == ("4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月",
                                "1月", "2月", "3月")
    assert by_month.column_totals == (2, 1, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1)
    assert by_month.rows[0] == "東部市民サービスセンター"
    assert by_month.cells[0] == (2, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0)
    assert by_month.row_total("西部市民サービスセンター") == 2
    assert by_month.cell("西部市民サービスセンター", "3月") == 1  # 2027-03-31 is in 令和8年度
    assert by_month.cell("東部市民サービスセンター", "4月") == 2  # 2026-04-01 too
    assert sum(by_month.row_totals) == by_month.total == 8
    # 2026-03-31 and 2025-04-01 belong to 令和7年度, 2025-03-31 to 令和6年度.
    earlier = stats.fiscal_year_statistics(db, officer, 2025)
    assert earlier.label == "令和7年度" and earlier.total == 2
    assert earlier.facility_by_month.cell("東部市民サービスセンター", "4月") == 1
    assert earlier.facility_by_month.cell("西部市民サービスセンター", "3月") == 1
    assert stats.fiscal_year_statistics(db, officer, 2024).total == 1
    assert stats.fiscal_year_statistics(db, officer, 2027).total == 0


def test_topics_channels_and_consultees_by_month(db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    year = stats.fiscal_year_statistics(db, accounts_by_login["admin"], 2026)
    topics = year.topic_by_month
    assert topics.cell("団体設立", "4月") == 2 and topics.cell("団体設立", "3月") == 1
    assert topics.cell("広報・PR", "11月") == 2
    assert topics.column_total("11月") == 3  # consultations, though 4 topic mentions
    channels = year.channel_by_month
    assert channels.rows == ("来所", "電話", "メール", "訪問", "その他")
    assert channels.row_totals == (3, 2, 1, 1, 1)
    assert channels.cell("来所", "11月") == 2 and channels.cell("電話", "3月") == 1
    assert not channels.rows_overlap and sum(channels.row_totals) == channels.total == 8
    consultees = year.consultee_by_month
    assert consultees.rows == ("新規", "継続", "匿名・不明")
    assert consultees.row_totals == (3, 2, 3)
    assert consultees.cell("継続", "4月") == 1 and consultees.cell("新規", "4月") == 1
    assert consultees.cell("継続", "11月") == 1 and consultees.cell("匿名・不明", "11月") == 1
    assert [t.title for t in year.tables] == ["分野×施設", "分野×月", "施設×月", "相談方法×月",
                                              "新規・継続×月"]


def test_an_empty_year_lists_every_row_with_zeros(db, admin) -> None:  # type: ignore[no-untyped-def]
    year = stats.fiscal_year_statistics(db, admin, 2026)
    assert year.total == 0
    assert len(year.topic_by_facility.rows) == 10  # no 分野の記録なし row without such records
    assert year.topic_by_facility.columns == FACILITY_COLUMNS
    assert all(n == 0 for row in year.channel_by_month.cells for n in row)


# --- one month (月報) ------------------------------------------------------------------------

def test_month_statistics_give_the_month_and_the_year_to_date(
        db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    month = stats.month_statistics(db, accounts_by_login["admin"], 2026, 11)
    assert month.label == "令和8年11月" and month.fiscal_year_label == "令和8年度"
    assert (month.first_day, month.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert month.total == 3
    assert month.total_to_date == 7  # April to November; the March record is not yet
    table = month.topic_by_facility
    assert table.cell("広報・PR", "市民交流サロン") == 2
    assert table.cell("資金・交付金", "市民交流サロン") == 1
    assert table.cell("NPO法人化", "東部") == 1
    assert table.cell("団体設立", "東部") == 0
    assert table.column_total("東部") == 1 and table.column_total("市民交流サロン") == 2
    to_date = month.topic_by_facility_to_date
    assert to_date.cell("団体設立", "東部") == 2 and to_date.cell("団体設立", "西部") == 0
    assert to_date.column_totals == (4, 1, 0, 0, 0, 0, 0, 2)
    assert month.channels.rows == ("来所", "電話", "メール", "訪問", "その他")
    assert month.channels.this_month == (2, 0, 0, 1, 0)
    assert month.channels.to_date == (3, 1, 1, 1, 1)
    assert month.consultees.this_month == (1, 1, 1)
    assert month.consultees.to_date == (3, 2, 2)
    assert (month.channels.total_this_month, month.channels.total_to_date) == (3, 7)
    assert month.months[0] == date(2026, 4, 1) and month.months[-1] == date(2026, 11, 1)
    assert month.monthly_totals == (2, 1, 0, 0, 0, 0, 1, 3)


def test_a_month_of_january_belongs_to_the_year_begun_the_april_before(
        db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    march = stats.month_statistics(db, accounts_by_login["admin"], 2027, 3)
    assert march.fiscal_year == 2026 and march.label == "令和9年3月"
    assert march.total == 1 and march.total_to_date == 8
    with pytest.raises(ValueError):
        stats.month_statistics(db, accounts_by_login["admin"], 2026, 13)


# --- who may count what ---------------------------------------------------------------------

def test_an_advisor_counts_only_the_salon(db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    advisor = accounts_by_login["advisor"]
    year = stats.fiscal_year_statistics(db, advisor, 2026)
    assert year.total == 2
    assert year.topic_by_facility.columns == ("市民交流サロン",)
    assert year.facility_by_month.rows == ("秋田市市民交流サロン",)
    assert year.heading == "令和8年度 相談件数（秋田市市民交流サロン）"
    assert year.topic_by_facility.row_total("広報・PR") == 2
    assert year.topic_by_facility.row_total("団体設立") == 0
    assert year.consultee_by_month.row_totals == (1, 1, 0)
    month = stats.month_statistics(db, advisor, 2026, 11)
    assert (month.total, month.total_to_date) == (2, 2)
    with pytest.raises(PermissionDenied, match="他の施設の相談記録"):
        stats.fiscal_year_statistics(db, advisor, 2026, facility_id=recorded.facilities["east"])


def test_staff_of_east_cannot_ask_for_west(db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    staff = accounts_by_login["staff"]
    west = recorded.facilities["west"]
    with pytest.raises(PermissionDenied, match="他の施設の相談記録を閲覧できません"):
        stats.fiscal_year_statistics(db, staff, 2026, facility_id=west)
    with pytest.raises(PermissionDenied):
        stats.month_statistics(db, staff, 2026, 11, facility_id=west)
    own = stats.fiscal_year_statistics(db, staff, 2026, facility_id=recorded.facilities["east"])
    assert own.total == 4
    assert stats.fiscal_year_statistics(db, staff, 2026) == own


def test_the_administrator_counts_every_facility_without_opening_records(
        db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    admin = accounts_by_login["admin"]
    assert stats.fiscal_year_statistics(db, admin, 2026).total == 8
    assert stats.fiscal_year_statistics(db, Actor.command_line(), 2026).total == 8
    west = stats.fiscal_year_statistics(db, admin, 2026, facility_id=recorded.facilities["west"])
    assert west.total == 2 and west.topic_by_facility.columns == ("西部",)
    assert west.heading == "令和8年度 相談件数（西部市民サービスセンター）"
    with pytest.raises(NotFound):
        stats.fiscal_year_statistics(db, admin, 2026, facility_id=9999)


def test_an_own_facility_account_without_a_facility_counts_nothing(db, recorded) -> None:  # type: ignore[no-untyped-def]
    loose = Actor(None, "x", "施設なし", Role.COUNTER_STAFF, None)
    year = stats.fiscal_year_statistics(db, loose, 2026)
    assert year.total == 0 and year.facilities == ()


def test_recorded_fiscal_years_run_from_the_first_record(db, accounts_by_login, recorded) -> None:  # type: ignore[no-untyped-def]
    today = date(2026, 11, 25)
    assert stats.recorded_fiscal_years(db, accounts_by_login["admin"], today=today) == [
        2026, 2025, 2024]
    assert stats.recorded_fiscal_years(db, accounts_by_login["advisor"], today=today) == [2026]


def test_short_facility_names() -> None:
    assert stats.short_facility_name("東部市民サービスセンター") == "東部"
    assert stats.short_facility_name("秋田市市民交流サロン") == "市民交流サロン"
    assert stats.short_facility_name("市民サービスセンター") == "市民サービスセンター"
