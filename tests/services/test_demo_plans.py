"""The demo district plans (架空の地域まちづくり計画): two districts over three fiscal years."""

from __future__ import annotations

from datetime import date

from kyodo_desk.domain.events import EventKind, RegistrationStatus
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import ActionStatus, PlanStage
from kyodo_desk.services import plans
from kyodo_desk.services.demo.plans import add_demo_plans
from kyodo_desk.services.events import get_event, list_events
from kyodo_desk.services.events.registrations import list_registrations
from kyodo_desk.services.grants import cases as grant_cases

TODAY = date(2026, 11, 25)  # 令和8年度: the plans run 令和6〜10年度, recorded 令和6〜8年度


def test_the_demo_makes_two_plans_over_three_years_and_the_board_shows_them(db, admin) -> None:  # type: ignore[no-untyped-def]
    added = add_demo_plans(db, Actor.command_line(), today=TODAY)
    assert (added.plans, added.editions, added.workshops, added.cases, added.years) == (
        2, 1, 4, 9, 6)
    assert added.message() == (
        "架空の地域まちづくり計画を2件（東部・河辺、令和6〜8年度の3年度分）追加しました: "
        "改定版1件、ワークショップ4件、地域づくり交付金の案件9件、年度の記録6件。")

    current = {p.district: p for p in plans.list_plans(db, admin)}
    assert sorted(current) == ["東部", "河辺"]
    east, kawabe = current["東部"], current["河辺"]
    assert (east.edition, east.period_label) == (2, "令和8〜10年度")
    assert (kawabe.edition, kawabe.period_label) == (1, "令和6〜10年度")

    for year, stage in ((2024, PlanStage.ACT), (2025, PlanStage.ACT), (2026, PlanStage.DO)):
        rows = plans.board(db, admin, year)
        assert [r.district for r in rows] == list(DISTRICTS)
        shown = {r.district: r for r in rows if r.plan_id}
        assert sorted(shown) == ["東部", "河辺"]
        assert {r.stage for r in shown.values()} == {stage}
        assert all(r.organisation_name == f"{r.district}地域づくり協議会" for r in shown.values())
        published = {r.published_on for r in shown.values()}
        assert published == ({date(year + 1, 6, 20)} if year < 2026 else {None})
    assert plans.board(db, admin, 2025)[1].edition == 1  # 東部 before the revision
    assert plans.board(db, admin, 2026)[1].edition == 2


def test_the_demo_plans_are_made_in_workshops_and_funded_by_cases(db, admin) -> None:  # type: ignore[no-untyped-def]
    add_demo_plans(db, Actor.command_line(), today=TODAY)
    east = next(p for p in plans.list_plans(db, admin) if p.district == "東部")
    second = plans.get_plan(db, admin, east.id)
    first = plans.get_plan(db, admin, second.revises_id or 0)

    assert [w.title for w in first.workshops] == ["東部地域まちづくり計画ワークショップ"]
    assert [w.title for w in second.workshops] == ["東部地域まちづくり計画ワークショップ",
                                                   "東部地域まちづくり計画 見直しワークショップ"]
    workshop = get_event(db, admin, first.workshops[0].id)
    assert (workshop.kind, workshop.district, len(workshop.sessions)) == (
        EventKind.WORKSHOP, "東部", 3)
    assert first.adopted_on is not None
    assert workshop.sessions[-1].held_on < first.adopted_on < date(2024, 4, 1)
    signed_up = list_registrations(db, admin, workshop.id)
    assert len(signed_up) == 24
    assert sum(r.status is RegistrationStatus.ATTENDED for r in signed_up) >= 20
    assert all(len(r.attended_session_ids) <= 3 for r in signed_up)
    assert len([e for e in list_events(db, admin) if e.kind is EventKind.WORKSHOP]) == 4

    # 改善 carried into the second edition: every action carried on, one added, one target up.
    assert [a.carried_from_id for a in second.actions[:5]] == [a.id for a in first.actions]
    assert second.actions[5].carried_from_id is None
    assert second.actions[5].title == "中高生の地域活動への参加促進"
    assert (first.actions[1].target, second.actions[1].target) == (80, 100)
    last_year = plans.get_year(db, admin, first.id, 2025)
    assert "第2版" in last_year.improvement and last_year.evaluation

    festival = first.actions[0]
    assert [(c.title, c.decided) for c in festival.cases] == [
        ("東部ふれあい夏まつり", 780_000), ("東部ふれあい夏まつり", 800_000)]
    funded = {c.id for a in (*first.actions, *second.actions) for c in a.cases}
    stages = {grant_cases.get_case(db, admin, i).fiscal_year: set() for i in funded}
    for case_id in funded:
        case = grant_cases.get_case(db, admin, case_id)
        stages[case.fiscal_year].add(case.stage)
        assert case.money.decided > 0 and case.district == "東部"
    assert stages == {2024: {Stage.PUBLISHED}, 2025: {Stage.PUBLISHED, Stage.SETTLED},
                      2026: {Stage.IN_PROGRESS}}

    # Figures against the targets, each year.
    year = plans.get_year(db, admin, first.id, 2025)
    by_title = {p.title: p for p in year.progress}
    assert (by_title["東部ふれあい夏まつりの開催"].figure, by_title["東部ふれあい夏まつりの開催"].target) == (
        3100, 3000)
    assert year.status_counts() == {ActionStatus.DONE: 3, ActionStatus.PARTLY: 2,
                                    ActionStatus.NOT_DONE: 0, None: 0}
    this_year = plans.get_year(db, admin, second.id, 2026)
    assert this_year.status_counts()[None] == 1  # 花いっぱい運動: not reported yet


def test_running_the_demo_again_adds_nothing(db, admin) -> None:  # type: ignore[no-untyped-def]
    cli = Actor.command_line()
    add_demo_plans(db, cli, today=TODAY)
    counts = (len(plans.list_plans(db, admin, include_earlier_editions=True)),
              len(list_events(db, admin)), len(grant_cases.list_cases(db, admin)))

    again = add_demo_plans(db, cli, today=TODAY)

    assert not again.anything
    assert again.message() == "架空の地域まちづくり計画（東部・河辺）はすでにあります。追加したものはありません。"
    assert counts == (len(plans.list_plans(db, admin, include_earlier_editions=True)),
                      len(list_events(db, admin)), len(grant_cases.list_cases(db, admin)))
