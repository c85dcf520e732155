"""The demo grants (架空の交付金案件): both programmes, a case at every step."""

from __future__ import annotations

from datetime import date

from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants
from kyodo_desk.services.demo.grants import COMMUNITY_CASES, SUPPORT_CASES, load_demo_grants
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import screening as grant_screening


def test_demo_grants_cover_every_stage_within_budget(db, admin) -> None:  # type: ignore[no-untyped-def]
    assert load_demo_grants(db, Actor.command_line(), today=date(2026, 11, 25)) == 12
    programmes = grants.list_programmes(db, admin, fiscal_year=2026)
    assert [p.name for p in programmes] == ["秋田市協働サポート交付金", "秋田市地域づくり交付金"]
    assert all(0 <= p.money.left <= p.money.budget for p in programmes)
    cases = grant_cases.list_cases(db, admin, fiscal_year=2026)
    assert {c.stage for c in cases} == set(Stage)
    support = programmes[0]
    ranking = grant_screening.screening(db, admin, support.id)
    assert len(ranking.reviewers) == 3
    assert [r.rank for r in ranking.rows if r.rank] == sorted(r.rank for r in ranking.rows
                                                              if r.rank)
    published = next(c for c in cases if c.stage is Stage.PUBLISHED)
    detail = grant_cases.get_case(db, admin, published.id)
    assert [e.title for e in detail.timeline if e.kind == "move"][-1] == "評価 → 公表"
    assert detail.money.net_paid == detail.money.decided == 450_000
    assert grant_cases.upcoming_deadlines(db, admin)


def test_a_second_run_adds_nothing_and_the_plans_demo_first_is_no_obstacle(
        db, admin) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.demo.plans import add_demo_plans

    today = date(2026, 11, 25)
    cli = Actor.command_line()
    add_demo_plans(db, cli, today=today)  # makes this year's 秋田市地域づくり交付金 first
    before = {c.title for c in grant_cases.list_cases(db, admin, fiscal_year=2026)}
    added = load_demo_grants(db, cli, today=today)
    assert load_demo_grants(db, cli, today=today) == 0
    programmes = grants.list_programmes(db, admin, fiscal_year=2026)
    assert sorted(p.name for p in programmes) == ["秋田市協働サポート交付金", "秋田市地域づくり交付金"]
    after = {c.title for c in grant_cases.list_cases(db, admin, fiscal_year=2026)}
    demo = {c.title for c in (*SUPPORT_CASES, *COMMUNITY_CASES)}
    assert demo <= after and len(after - before) == added == len(demo - before)
