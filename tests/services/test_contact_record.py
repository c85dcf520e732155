"""団体カルテ / 個人カルテ: a contact's whole history, each section from real records, as far as
the reader may see it, and its path through the guideline's steps; on both databases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import event

from kyodo_desk.domain.errors import NotFound
from kyodo_desk.domain.events import EventKind, RegistrationStatus
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind, ContactMerge
from kyodo_desk.services.consultations import (
    ConsultationChannel,
    ConsultationDraft,
    create_consultation,
)
from kyodo_desk.services.contacts import Affiliation, ContactDraft, create_contact
from kyodo_desk.services.contacts.record import (
    CONSULTED,
    GuidelineStep,
    contact_record,
    representative_of,
)
from kyodo_desk.services.demo.grants import advance_case, community_programme
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import create_programme
from tests.consultation_fields import valid
from tests.event_fixtures import make_event
from tests.grant_fixtures import group, make_programme

CLI = Actor.command_line()
EAST_ASKED = "NPO法人を設立したいが、定款の作り方を知りたい。"
WEST_ASKED = "西部で子ども食堂を始めたい。会場を借りられるか相談したい。"


@pytest.fixture
def who(accounts_by_login: dict[str, Actor]) -> dict[str, Actor]:
    return accounts_by_login


def consult(db, actor: Actor, facility_id: int, contact_id: int, held_on: date,  # type: ignore[no-untyped-def]
            asked: str, **fields: Any) -> int:
    return create_consultation(db, actor, ConsultationDraft(
        held_on=held_on, facility_id=facility_id, asked=asked,
        **valid({"consultee_contact_id": contact_id, **fields}))).id


def attend(db, facility_id: int, contact_id: int, days: tuple[date, ...],  # type: ignore[no-untyped-def]
           attended: tuple[date, ...], *, title: str = "市民活動入門セミナー",
           kind: EventKind = EventKind.SEMINAR) -> int:
    """An event on *days* the contact signed up for and came to on *attended*; the sign-up."""
    made = make_event(db, facility_id, title=title, kind=kind, signup_opens_on=None,
                      signup_closes_on=None, sessions=tuple(
                          SessionDraft(day, time(10), time(12), f"第{n}回")
                          for n, day in enumerate(days, start=1)))
    registration = sign_up(db, CLI, made.id, SignUpDraft(contact_id, party_size=2)).registration
    by_day = {s.held_on: s.id for s in made.sessions}
    for day in attended:
        check_in(db, CLI, registration.id, by_day[day],
                 now=datetime.combine(day, time(1), UTC))
    return registration.id


def adopted_case(db, programme_id: int, contact_id: int, title: str, taken_up: date,  # type: ignore[no-untyped-def]
                 stage: Stage = Stage.ADOPTED, decided: int = 0) -> int:
    """A case taken up on *taken_up*, walked to *stage*; each step 12 days after the one
    before (so 採択 is 36 days after it was taken up)."""
    start = datetime.combine(taken_up, time(1), UTC)
    case = grant_cases.create_case(db, CLI, grant_cases.CaseDraft(
        programme_id, contact_id, title, "市民生活部", requested=300_000), now=start)
    if stage is not Stage.CONSULTATION:
        advance_case(db, CLI, case.id, stage, decided=decided, when=start)
    return case.id


@dataclass
class History:
    group: int
    chair: int
    treasurer: int
    east_consultation: int
    west_consultation: int
    sign_up: int
    support_case: int
    community_case: int


@pytest.fixture
def history(db, accounts_by_login, facilities) -> History:  # type: ignore[no-untyped-def]
    """A group with two members, consultations at 東部 and 西部, a two-day course it came
    to once, a 地域づくり交付金 case adopted and under way and a 協働サポート交付金 case in 審査."""
    g = group(db, "あきた川辺の会")
    chair = create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="川辺 一郎", reading="かわべ いちろう",
        groups=(Affiliation(g, "", "代表"),))).id
    treasurer = create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="会計 花子", reading="かいけい はなこ",
        groups=(Affiliation(g, "", "会計"),))).id
    east = consult(db, accounts_by_login["staff"], facilities["east"], g, date(2026, 6, 20), EAST_ASKED,
                   channel=ConsultationChannel.PHONE, topic_ids=(2, 10))
    west = consult(db, accounts_by_login["staff_west"], facilities["west"], g, date(2026, 7, 1), WEST_ASKED)
    registration = attend(db, facilities["east"], g, (date(2026, 2, 7), date(2026, 2, 21)),
                          (date(2026, 2, 21),))
    support = adopted_case(db, make_programme(db).id, g, "川辺の清掃と観察会",
                           date(2026, 4, 10), stage=Stage.SCREENING)
    community = create_programme(db, CLI, community_programme(2026)).id
    running = adopted_case(db, community, g, "川辺の夏まつり", date(2026, 4, 1),
                           stage=Stage.IN_PROGRESS, decided=250_000)
    grant_cases.record_payment(db, CLI, running, 100_000, date(2026, 6, 1))
    return History(g, chair, treasurer, east, west, registration, support, running)


# --- every section from the records ----------------------------------------------------------

def test_each_section_is_filled_from_the_records(db, who, history: History) -> None:  # type: ignore[no-untyped-def]
    record = contact_record(db, who["officer"], history.group)
    assert record.title == "団体カルテ" and record.contact.name == "あきた川辺の会"
    assert record.left_out == ()

    newest, oldest = record.consultations
    assert (newest.held_on, newest.facility_name, newest.readable) == (
        date(2026, 7, 1), "西部市民サービスセンター", True)
    assert oldest.id == history.east_consultation
    assert oldest.topic_names == ("NPO法人化", "その他")
    assert oldest.channel is ConsultationChannel.PHONE
    assert oldest.staff_name == "窓口 花子" and oldest.summary == EAST_ASKED

    (signed,) = record.sign_ups
    assert signed.event_title == "市民活動入門セミナー" and signed.party_size == 2
    assert signed.status is RegistrationStatus.ATTENDED
    assert [(s.held_on, s.attended) for s in signed.sessions] == [
        (date(2026, 2, 7), False), (date(2026, 2, 21), True)]
    assert signed.attended_count == 1

    assert [(g.programme_name, g.title, g.stage) for g in record.grant_cases] == [
        ("秋田市地域づくり交付金", "川辺の夏まつり", Stage.IN_PROGRESS),
        ("秋田市協働サポート交付金", "川辺の清掃と観察会", Stage.SCREENING)]
    running = record.grant_cases[0]
    assert (running.money.requested, running.money.decided, running.money.paid) == (
        300_000, 250_000, 100_000)
    assert running.opened_on == date(2026, 4, 1)
    assert running.adopted_on == date(2026, 5, 7)  # 採択: three steps of 12 days on
    assert record.grant_cases[1].adopted_on is None

    assert record.affiliations == (Affiliation(history.treasurer, "会計 花子", "会計"),
                                   Affiliation(history.chair, "川辺 一郎", "代表"))
    assert record.representative == Affiliation(history.chair, "川辺 一郎", "代表")


def test_a_person_s_record_lists_their_groups_with_the_role(db, who, history: History) -> None:  # type: ignore[no-untyped-def]
    record = contact_record(db, who["officer"], history.chair)
    assert record.title == "個人カルテ"
    assert record.affiliations == (Affiliation(history.group, "あきた川辺の会", "代表"),)
    assert record.representative is None
    assert record.consultations == () and record.sign_ups == () and record.grant_cases == ()
    assert all(step.reached_on is None for step in record.steps)


# --- as far as the reader may see ---------------------------------------------------------

def test_counter_staff_see_another_facility_s_consultation_only_as_consulted(  # type: ignore[no-untyped-def]
        db, who, history: History) -> None:
    record = contact_record(db, who["staff"], history.group)  # 東部の窓口職員
    west, east = record.consultations
    assert east.readable and east.summary == EAST_ASKED
    assert not west.readable
    assert (west.held_on, west.facility_name, west.summary) == (
        date(2026, 7, 1), "西部市民サービスセンター", CONSULTED)
    assert (west.id, west.topic_names, west.staff_name, west.channel, west.status) == (
        None, (), "", None, None)
    assert record.hidden_consultations == 1
    assert "子ども食堂" not in repr(record)  # the content is never read, let alone shown


def test_the_administrator_only_counts_consultations(db, who, history: History) -> None:  # type: ignore[no-untyped-def]
    record = contact_record(db, who["admin"], history.group)
    assert [c.summary for c in record.consultations] == [CONSULTED, CONSULTED]
    assert record.hidden_consultations == 2
    assert EAST_ASKED not in repr(record) and WEST_ASKED not in repr(record)


def test_grant_cases_are_left_out_for_counter_staff_and_it_says_so(db, who,  # type: ignore[no-untyped-def]
                                                                   history: History) -> None:
    record = contact_record(db, who["staff"], history.group)
    assert record.grant_cases == () and not record.grant_cases_shown
    assert record.left_out == ("交付金案件は、窓口職員のアカウントでは表示されません"
                               "（歩みも交付金案件を含めずに判定しています）。",)
    assert "夏まつり" not in repr(record)
    advisor = contact_record(db, who["advisor"], history.group)
    assert len(advisor.grant_cases) == 2 and advisor.left_out == ()


def test_a_contact_that_is_not_there_is_not_found(db, who) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        contact_record(db, who["officer"], 987_654)


# --- the guideline's steps ------------------------------------------------------------------

def steps(record) -> dict[GuidelineStep, tuple[date | None, str]]:  # type: ignore[no-untyped-def]
    return {s.step: (s.reached_on, s.by) for s in record.steps}


def test_the_steps_are_dated_from_attendance_grants_and_consultations(  # type: ignore[no-untyped-def]
        db, who, history: History) -> None:
    # Came to the course on 2/21 (the 2/7 session was missed); the 地域づくり交付金 adopted
    # on 5/7 comes before the first consultation (6/20); the 協働サポート case is only in 審査.
    assert steps(contact_record(db, who["officer"], history.group)) == {
        GuidelineStep.CHALLENGE: (date(2026, 2, 21), "「市民活動入門セミナー」に出席"),
        GuidelineStep.STEP_UP: (date(2026, 5, 7), "秋田市地域づくり交付金「川辺の夏まつり」採択"),
        GuidelineStep.PARTNERSHIP: (None, ""),
    }


def test_a_first_consultation_reaches_two_steps_and_an_adopted_support_grant_the_third(  # type: ignore[no-untyped-def]
        db, who, facilities) -> None:
    g = group(db, "秋田おもちゃ病院")
    consult(db, who["advisor"], facilities["salon"], g, date(2026, 1, 20), "団体を作りたい。")
    consult(db, who["advisor"], facilities["salon"], g, date(2026, 3, 2), "規約を見てほしい。")
    adopted_case(db, make_programme(db).id, g, "おもちゃの修理教室", date(2026, 4, 20))
    community = create_programme(db, CLI, community_programme(2026)).id
    adopted_case(db, community, g, "おもちゃ交換会", date(2026, 4, 1), stage=Stage.REJECTED)
    # A sign-up without attendance is no participation.
    attend(db, facilities["salon"], g, (date(2026, 1, 10),), ())
    salon = "相談（秋田市市民交流サロン）"
    assert steps(contact_record(db, who["officer"], g)) == {
        GuidelineStep.CHALLENGE: (date(2026, 1, 20), salon),
        GuidelineStep.STEP_UP: (date(2026, 1, 20), salon),
        GuidelineStep.PARTNERSHIP: (date(2026, 5, 26),
                                    "秋田市協働サポート交付金「おもちゃの修理教室」採択"),
    }
    # Counter staff may not read grant cases: the steps go without them, the consultations'
    # days (shown as 相談あり) still count.
    assert steps(contact_record(db, who["staff"], g)) == {
        GuidelineStep.CHALLENGE: (date(2026, 1, 20), salon),
        GuidelineStep.STEP_UP: (date(2026, 1, 20), salon),
        GuidelineStep.PARTNERSHIP: (None, ""),
    }


def test_the_representative_is_read_from_the_roles() -> None:
    def a(n: int, role: str) -> Affiliation:
        return Affiliation(n, f"会員{n}", role)

    assert representative_of([a(1, "副代表"), a(2, "会長"), a(3, "共同代表")]) == a(3, "共同代表")
    assert representative_of([a(1, "副会長"), a(2, "理事長")]) == a(2, "理事長")
    assert representative_of([a(1, "代表 理事"), a(2, "代表")]) == a(1, "代表 理事")
    assert representative_of([a(1, "会計"), a(2, ""), a(3, "副代表")]) is None


# --- merged records ---------------------------------------------------------------------------

def test_records_merged_into_this_one_are_named_and_the_merged_one_points_on(  # type: ignore[no-untyped-def]
        db, who, history: History) -> None:
    from kyodo_desk.models import Contact

    old = group(db, "あきた川辺の会（旧）")
    with db.writing(who["officer"]) as session:
        session.add(ContactMerge(kept_id=history.group, merged_id=old, kept_version=1))
        merged = session.get(Contact, old)
        merged.merged_into_id, merged.active = history.group, False
    record = contact_record(db, who["officer"], history.group)
    assert record.merged_from == (Affiliation(old, "あきた川辺の会（旧）"),)
    assert contact_record(db, who["officer"], old).contact.merged_into_id == history.group


# --- one transaction, a fixed number of indexed queries -------------------------------------

def statements_of(db, work) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, Any]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


LARGE_TABLES = ("contacts", "memberships", "consultations", "consultation_topics",
                "registrations", "attendances", "event_sessions", "events", "grant_cases",
                "grant_case_moves", "grant_payments", "contact_merges")


def test_no_query_per_record_and_every_query_answered_from_an_index(  # type: ignore[no-untyped-def]
        db, who, facilities, history: History) -> None:
    officer = who["officer"]
    few = statements_of(db, lambda: contact_record(db, officer, history.group))
    for n in range(3):  # more of everything: the same statements
        consult(db, who["staff"], facilities["east"], history.group, date(2026, 8, 1 + n),
                f"追加の相談{n}")
        attend(db, facilities["east"], history.group, (date(2026, 9, 1 + n),),
               (date(2026, 9, 1 + n),), title=f"講座{n}")
        adopted_case(db, make_programme(db, name=f"交付金{n}").id, history.group,
                     f"事業{n}", date(2026, 4, 10))
    many = statements_of(db, lambda: contact_record(db, officer, history.group))
    assert len(many) == len(few)
    if not db.backend.is_sqlite:
        return  # the plans below are SQLite's; PostgreSQL reads tables this small whole
    with db.engine.connect() as conn:
        for statement, parameters in many:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = " / ".join(row[-1] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, tuple(parameters)))
            scans = [t for t in re.findall(r"\bSCAN (\w+)", plan) if t in LARGE_TABLES]
            # A search on `active` alone walks every active contact: a scan by another name.
            scans += re.findall(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(active=\?\)",
                                plan)
            assert scans == [], f"{plan}\n{statement}"
