"""市民協働の推進状況: each direction's indicators against a small set of records counted by
hand, on both databases, and the map (方向への対応づけ) kept by administrators only.

`guideline_fixture` is the hand-counted set; the leaflet and export tests use it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from kyodo_desk.domain.dates import fiscal_year_of, fiscal_year_range
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.domain.plans import Direction, DirectionSource, PlanStage, Sector
from kyodo_desk.models import AuditEntry, ContactKind, GroupType, Membership
from kyodo_desk.services import consultations, contacts
from kyodo_desk.services.consultations import ConsultationDraft
from kyodo_desk.services.contacts import Affiliation, ContactDraft
from kyodo_desk.services.demo.grants import advance_case, community_programme, support_programme
from kyodo_desk.services.events import EventDraft, SessionDraft, create_event
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import create_programme
from kyodo_desk.services.guideline import (
    GuidelineReport,
    direction_map,
    guideline_report,
    save_direction_map,
)
from kyodo_desk.services.plans import PlanDraft, YearDraft, create_plan, link_workshop, save_year

THIS, LAST = 2026, 2025


@dataclass(frozen=True)
class World:
    topics: dict[str, int]


def guideline_fixture(db, officer: Actor) -> World:  # type: ignore[no-untyped-def]
    """FY2025 (last year) and FY2026 (this year), counted by hand in EXPECTED below; the
    consultations recorded by *officer*.

    People: A, B (B a member of G1), C, D, E. Groups: G1 市民活動団体 (代表者 A, 設立 2026-05),
    G2 企業, G3 NPO法人 (代表者 C).
    Events (first 開催日), with the 所属の区分 given at sign-up in brackets:
      E1 市民協働ミーティング 2025-06-10: A 出席 [市民], B 出席 (2名) [市民活動団体],
         C 申込のみ (欠席) [企業]
      E2 セミナー            2026-05-10: D 出席, A 出席
      E3 市民活動フェスタ (ブース) 2026-07-20: G1 受付済, B 出席, G2 受付済
      E4 ワークショップ (東部の計画に結びつけ) 2026-09-01: B 出席, E 出席
      E5 センターまつり      2025-10-01: nobody
      E6 市民協働ミーティング 2026-10-10, 中止
      E7 市民協働ミーティング 2026-11-15: D 出席 [行政], G2 出席 (3名) [企業], A 出席 [none],
         E 出席 [地域活動団体], C 申込のみ (欠席) [市民]
    So the meetings' participants by sector: 2025 市民 1, 市民活動団体 2 (3 in all; C absent);
    2026 地域活動団体 1, 企業 3, 行政 1, 未回答 1 (6 in all; E6 cancelled, C absent).
    Consultations: 2025-05-01 C 団体設立; 2025-08-01 匿名 地域づくり; 2026-04-15 G3 NPO法人化;
      2026-04-20 E 協働事業提案; 2026-06-01 D 団体設立+NPO法人化.
    Cases: 協働サポート 2026: G1 交付決定 300,000円 (文化振興課), G2 相談のまま;
      地域づくり 2025: G3 採択.
    Plans: 西部 2024–2025 (2025 not recorded: 計画); 東部 2026–2030, 2026 評価, 公表 2026-11-01.
    First contacts: A, B attending E1 (2025); C a consultation; D attending E2 (2026); E a
    consultation. So 参加から関わり始めた人 2025: A, B; 2026: D.
    """
    admin = Actor.command_line()
    facility = next(f.id for f in contacts.list_facilities(db, admin) if f.code == "central")
    topics = {t.name: t.id for t in consultations.list_topics(db, admin)}

    def person(name: str, groups: tuple[Affiliation, ...] = ()) -> int:
        return contacts.create_contact(db, admin, ContactDraft(
            kind=ContactKind.PERSON, name=name, groups=groups)).id

    def group(name: str, kind: GroupType, rep: int | None = None,
              founded: date | None = None) -> int:
        return contacts.create_contact(db, admin, ContactDraft(
            kind=ContactKind.GROUP, name=name, group_type=kind, founded_on=founded,
            representative=Affiliation(rep, "") if rep else None)).id

    a, c, d, e = person("秋田 一郎"), person("新屋 三郎"), person("土崎 四郎"), person("河辺 五郎")
    g1 = group("川反まちなか音楽の会", GroupType.CIVIC_GROUP, a, date(2026, 5, 1))
    b = person("広面 花子", (Affiliation(g1, "川反まちなか音楽の会"),))
    g2 = group("株式会社あきた印刷", GroupType.COMPANY)
    g3 = group("NPO法人ゆきの里", GroupType.NPO, c)

    def event(kind: EventKind, day: date, *, booths: bool = False,
              cancelled: bool = False) -> tuple[int, int]:
        made = create_event(db, admin, EventDraft(
            kind=kind, title=f"{kind.value} {day}", facility_id=facility,
            sessions=(SessionDraft(day, time(10), time(12)),), venue_facility_id=facility,
            has_booths=booths, cancelled=cancelled))
        return made.id, made.sessions[0].id

    def attend(event_session: tuple[int, int], who: int, party: int = 1,
               present: bool = True, sector: Sector | None = None) -> None:
        day = date(2025, 4, 1)
        reg = sign_up(db, admin, event_session[0], SignUpDraft(
            who, party_size=party, sector=sector.value if sector else ""),
            today=day, override_window=True).registration
        if present:
            check_in(db, admin, reg.id, event_session[1])

    e1 = event(EventKind.MEETING, date(2025, 6, 10))
    attend(e1, a, sector=Sector.CITIZEN)
    attend(e1, b, party=2, sector=Sector.CIVIC_GROUP)
    attend(e1, c, present=False, sector=Sector.COMPANY)
    e2 = event(EventKind.SEMINAR, date(2026, 5, 10))
    attend(e2, d)
    attend(e2, a)
    e3 = event(EventKind.FESTA, date(2026, 7, 20), booths=True)
    attend(e3, g1, present=False)
    attend(e3, b)
    attend(e3, g2, present=False)
    e4 = event(EventKind.WORKSHOP, date(2026, 9, 1))
    attend(e4, b)
    attend(e4, e)
    event(EventKind.CENTER_FESTIVAL, date(2025, 10, 1))
    e6 = event(EventKind.MEETING, date(2026, 10, 10), cancelled=True)
    del e6
    e7 = event(EventKind.MEETING, date(2026, 11, 15))
    attend(e7, d, sector=Sector.GOVERNMENT)
    attend(e7, g2, party=3, sector=Sector.COMPANY)
    attend(e7, a)
    attend(e7, e, sector=Sector.COMMUNITY_GROUP)
    attend(e7, c, present=False, sector=Sector.CITIZEN)

    def consult(day: date, names: tuple[str, ...], who: int | None) -> None:
        consultations.create_consultation(db, officer, ConsultationDraft(
            held_on=day, facility_id=facility, asked="相談", consultee_contact_id=who,
            anonymous=who is None, topic_ids=tuple(topics[n] for n in names)))

    consult(date(2025, 5, 1), ("団体設立",), c)
    consult(date(2025, 8, 1), ("地域づくり",), None)
    consult(date(2026, 4, 15), ("NPO法人化",), g3)
    consult(date(2026, 4, 20), ("協働事業提案",), e)
    consult(date(2026, 6, 1), ("団体設立", "NPO法人化"), d)

    support = create_programme(db, admin, support_programme(THIS))
    community = create_programme(db, admin, community_programme(LAST))
    moment = datetime(2026, 4, 10, 1, tzinfo=UTC)

    def open_case(programme: int, who: int, title: str, department: str) -> int:
        return grant_cases.create_case(db, admin, grant_cases.CaseDraft(
            programme, who, title, department, requested=300_000), now=moment).id

    decided = open_case(support.id, g1, "まちなかコンサート", "観光文化スポーツ部 文化振興課")
    advance_case(db, admin, decided, Stage.GRANT_DECIDED, decided=300_000, when=moment)
    open_case(support.id, g2, "印刷で広げる市民活動", "")
    adopted = open_case(community.id, g3, "雪かき支え合い", "")
    advance_case(db, admin, adopted, Stage.ADOPTED, when=datetime(2025, 4, 10, 1, tzinfo=UTC))

    create_plan(db, admin, PlanDraft("西部", "西部地域まちづくり計画", 2024, 2025))
    east = create_plan(db, admin, PlanDraft("東部", "東部地域まちづくり計画", 2026, 2030))
    link_workshop(db, admin, east.id, e4[0])
    save_year(db, admin, east.id, THIS, 0, YearDraft(PlanStage.CHECK,
                                                    published_on=date(2026, 11, 1)))
    return World(topics)


# (direction, indicator key or topic name) → (this year, last year), counted by hand.
EXPECTED: dict[int, dict[str, tuple[int, int]]] = {
    1: {"entrants": (1, 2), "stepped": (2, 0), "step.exhibited": (2, 0),
        "step.applied": (2, 0), "step.organised": (2, 0), "step.planned": (1, 0),
        "consultations.1": (1, 1), "団体設立": (1, 1),
        "events.1": (2, 1), "participants.1": (7, 3)},
    2: {"supported_groups": (3, 1), "npo_consultations": (2, 0), "consultations.2": (2, 1),
        "団体設立": (1, 1), "NPO法人化": (2, 0), "団体運営": (0, 0), "資金・交付金": (0, 0),
        "広報・PR": (0, 0),
        "events.2": (2, 0), "participants.2": (3, 0)},
    3: {"plans": (1, 1), "stage.plan": (0, 1), "stage.do": (0, 0), "stage.check": (1, 0),
        "stage.act": (0, 0), "published": (1, 0), "plan_workshop_participants": (2, 0),
        "consultations.3": (0, 1), "地域づくり": (0, 1), "events.3": (1, 1),
        "participants.3": (2, 0), "adopted.3": (0, 1), "decided.3": (0, 0)},
    4: {"meeting_participants": (6, 3), "sector.citizen": (0, 1),
        "sector.civic_group": (0, 2), "sector.community_group": (1, 0), "sector.company": (3, 0),
        "sector.government": (1, 0), "sector.none": (1, 0),
        "consultations.4": (1, 0), "協働事業提案": (1, 0), "events.4": (1, 1),
        "participants.4": (6, 3), "adopted.4": (1, 0), "decided.4": (300_000, 0),
        "partner_groups.4": (1, 0), "departments.4": (1, 0)},
    5: {"companies": (1, 0), "npos": (1, 1), "consultations.5": (2, 0), "NPO法人化": (2, 0)},
}


def figures_of(report: GuidelineReport, direction: int,
               topics: dict[str, int]) -> dict[str, tuple[int, int]]:
    names = {f"topic.{tid}": name for name, tid in topics.items()}
    return {names.get(i.key, i.key): (i.this_year, i.last_year)
            for i in report.direction(direction).indicators}


@pytest.fixture
def counted(db, accounts_by_login):  # type: ignore[no-untyped-def]
    world = guideline_fixture(db, accounts_by_login["officer"])
    return guideline_report(db, Actor.command_line(), THIS), world


@pytest.mark.parametrize("direction", [1, 2, 3, 4, 5])
def test_each_indicator_matches_the_hand_count(counted, direction: int) -> None:  # type: ignore[no-untyped-def]
    report, world = counted
    assert figures_of(report, direction, world.topics) == EXPECTED[direction]


def test_the_report_names_the_years_and_defines_every_main_figure(counted) -> None:  # type: ignore[no-untyped-def]
    report, _ = counted
    assert (report.label, report.previous_label) == ("令和8年度", "令和7年度")
    assert report.title == "令和8年度 市民協働の推進状況"
    assert report.directions[0].label == "参加から参画へ"
    stepped = report.direction(1).indicator("stepped")
    assert (stepped.difference, stepped.difference_text()) == (2, "+2")
    assert report.direction(1).indicator("entrants").difference_text() == "−1"
    defined = {term for term, _ in report.notes}
    for d in report.directions:
        for i in d.indicators:
            assert i.part or f"{d.number}. {i.label}" in defined
    assert "協働サポート交付金" in report.direction(4).mapped


def test_a_changed_map_changes_the_counts(db, counted) -> None:  # type: ignore[no-untyped-def]
    _, world = counted
    admin = Actor.command_line()
    # セミナー counted toward 1 as well: E2 (2026) joins 1's events and participants.
    save_direction_map(db, admin, {(DirectionSource.EVENT_KIND, "seminar"): {1, 2}})
    report = guideline_report(db, admin, THIS)
    first = report.direction(1)
    assert (first.indicator("events.1").this_year, first.indicator("participants.1").this_year
            ) == (3, 9)
    # Nothing mapped to 4 any more from the topics: its consultation rows go.
    save_direction_map(db, admin, {(DirectionSource.TOPIC, str(world.topics["協働事業提案"])): ()})
    keys = [i.key for i in guideline_report(db, admin, THIS).direction(4).indicators]
    assert "consultations.4" not in keys


def test_the_meetings_mix_of_sectors_is_counted_whatever_the_map_says(db, counted) -> None:  # type: ignore[no-untyped-def]
    report, _ = counted
    fourth = report.direction(4)
    assert [(i.label, i.this_year, i.last_year) for i in fourth.indicators[:7]] == [
        ("市民協働ミーティングの参加者", 6, 3), ("うち市民", 0, 1), ("うち市民活動団体", 0, 2),
        ("うち地域活動団体", 1, 0), ("うち企業", 3, 0), ("うち行政", 1, 0), ("うち未回答", 1, 0)]
    definition = dict(report.notes)["4. 市民協働ミーティングの参加者"]
    assert "出席した申込の人数" in definition and "「新しい公共の推進」に数える" in definition
    assert "市民協働ミーティングの参加者" in [i.label for i in fourth.headline()]
    # Taken off the map, the meeting still counts here (it is the direction's own figure).
    admin = Actor.command_line()
    save_direction_map(db, admin, {(DirectionSource.EVENT_KIND, "meeting"): ()})
    again = guideline_report(db, admin, THIS).direction(4)
    assert again.indicator("meeting_participants").this_year == 6
    assert again.indicator("participants.4").this_year == 0


def test_joining_a_group_counts_on_its_day_and_an_unknown_day_not_at_all(
        db, facilities) -> None:  # type: ignore[no-untyped-def]
    """Two people who came in by attending last year's meeting belong to a group founded long
    ago: one joined today (加入日 as the form records it), the other's 加入日 is unknown (a
    membership from before the app kept it). Only the first organised, this year."""
    admin = Actor.command_line()
    this = fiscal_year_of(date.today())
    old = contacts.create_contact(db, admin, ContactDraft(
        kind=ContactKind.GROUP, name="古くからの会", group_type=GroupType.CIVIC_GROUP,
        founded_on=date(2010, 4, 1))).id
    day = fiscal_year_range(this - 1)[0] + timedelta(days=30)
    meeting = create_event(db, admin, EventDraft(
        kind=EventKind.MEETING, title="市民協働ミーティング", facility_id=facilities["central"],
        venue_facility_id=facilities["central"], sessions=(SessionDraft(day, time(10), time(12)),)))
    people = []
    for name in ("仁井田 一子", "御所野 二郎"):
        who = contacts.create_contact(db, admin, ContactDraft(
            kind=ContactKind.PERSON, name=name, groups=(Affiliation(old, ""),))).id
        reg = sign_up(db, admin, meeting.id, SignUpDraft(who), today=day,
                      override_window=True).registration
        check_in(db, admin, reg.id, meeting.sessions[0].id)
        people.append(who)
    with db.writing(admin) as session:
        assert session.get(Membership, (people[0], old)).joined_on == date.today()
        session.get(Membership, (people[1], old)).joined_on = None
    first = guideline_report(db, admin, this).direction(1)
    assert (first.indicator("entrants").last_year, first.indicator("step.organised").this_year,
            first.indicator("stepped").this_year) == (2, 1, 1)


def test_the_map_lists_words_and_only_an_administrator_changes_it(db, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    admin, officer = accounts_by_login["admin"], accounts_by_login["officer"]
    entries = direction_map(db, officer)  # anyone may read it
    by_label = {e.label: e for e in entries}
    assert by_label["市民協働ミーティング"].directions == {Direction.PARTICIPATION,
                                                         Direction.NEW_PUBLIC}
    assert by_label["協働サポート交付金"].directions == {Direction.NEW_PUBLIC}
    assert by_label["NPO法人化"].directions == {Direction.CIVIC_GROUPS, Direction.CHANGING_TIMES}
    seminar = (DirectionSource.EVENT_KIND, "seminar")
    with pytest.raises(PermissionDenied):
        save_direction_map(db, officer, {seminar: {1}})
    with pytest.raises(ValidationError):
        save_direction_map(db, admin, {seminar: {6}})
    with pytest.raises(ValidationError):
        save_direction_map(db, admin, {(DirectionSource.EVENT_KIND, "picnic"): {1}})
    after = {e.label: e for e in save_direction_map(db, admin, {seminar: {1, 2}})}
    assert after["セミナー・講座"].directions == {Direction.PARTICIPATION, Direction.CIVIC_GROUPS}
    assert after["市民協働ミーティング"].directions == by_label["市民協働ミーティング"].directions
    with db.reading(admin) as session:
        logged = session.execute(select(AuditEntry.action, AuditEntry.changes)
                                 .where(AuditEntry.table_name == "direction_links")).all()
    assert len(logged) == 1 and logged[0][0] == "insert"
    assert '"seminar"' in str(logged[0][1]) or "seminar" in str(logged[0][1])
