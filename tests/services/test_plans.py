"""District plans (地域まちづくり計画): editions, their actions, the yearly cycle and the board."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ConcurrentEdit, NotFound, UserError, ValidationError
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.domain.plans import ActionCarrier, ActionStatus, PlanStage
from kyodo_desk.services import plans as svc
from kyodo_desk.services.plans import (
    ActionDraft,
    PlanDraft,
    ProgressDraft,
    YearDraft,
)


def festival(**changed: object) -> ActionDraft:
    action = ActionDraft("  ふれあい夏まつりの開催 ", ActionCarrier.ORGANISATION,
                         detail="町内会と子ども会で開く。", schedule="毎年8月",
                         indicator="来場者数", target=3000, unit="人")
    return replace(action, **changed)  # type: ignore[arg-type]


def watch() -> ActionDraft:
    return ActionDraft("高齢者の見守り活動", ActionCarrier.JOINT, indicator="見守り協力員の数",
                       target=80, unit="人")


def east_plan(**changed: object) -> PlanDraft:
    draft = PlanDraft("東部", " 東部地域まちづくり計画 ", 2026, 2030,
                      vision=" 世代をこえて顔の見える東部 ", actions=(festival(), watch()))
    return replace(draft, **changed)  # type: ignore[arg-type]


@pytest.fixture
def second_counter(database_url: str):  # type: ignore[no-untyped-def]
    """The same database opened again, as another counter's PC does."""
    other = open_database(database_url)
    yield other
    other.dispose()


# --- records --------------------------------------------------------------------------------

def test_a_new_plan_keeps_its_actions_in_order_as_its_first_edition(db, actor) -> None:  # type: ignore[no-untyped-def]
    made = svc.create_plan(db, actor, east_plan())

    plan = svc.get_plan(db, actor, made.id)
    assert (plan.title, plan.vision, plan.district) == (
        "東部地域まちづくり計画", "世代をこえて顔の見える東部", "東部")
    assert (plan.edition, plan.current, plan.revises_id) == (1, True, None)
    assert plan.period_label == "令和8〜12年度"
    assert [(a.position, a.title, a.carrier, a.target, a.unit) for a in plan.actions] == [
        (1, "ふれあい夏まつりの開催", ActionCarrier.ORGANISATION, 3000, "人"),
        (2, "高齢者の見守り活動", ActionCarrier.JOINT, 80, "人")]
    listed = svc.list_plans(db, actor)
    assert [(p.title, p.actions, p.current) for p in listed] == [
        ("東部地域まちづくり計画", 2, True)]


def test_a_draft_at_fault_is_refused_naming_every_field(db, actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        svc.create_plan(db, actor, east_plan(title="  ", district="秋田", first_year=2030,
                                             last_year=2026))
    assert refused.value.for_field("title") == "計画の名称を入力してください。"
    assert refused.value.for_field("district") == (
        "地域は「中央・東部・西部・南部・北部・河辺・雄和」のどれかを選んでください。")
    assert refused.value.for_field("last_year") == "計画期間の終わりは始まりより後の年度にしてください。"

    with pytest.raises(ValidationError) as refused:
        svc.create_plan(db, actor, east_plan(
            first_year=2026, last_year=2036,
            actions=(festival(), replace(watch(), target=-1), festival(title=" "))))
    assert refused.value.for_field("last_year") == "計画期間は10年度までにしてください。"
    assert refused.value.for_field("actions.2.target") == "2番目の取組の目標値は0以上にしてください。"
    assert refused.value.for_field("actions.3.title") == "3番目の取組の名称を入力してください。"
    assert svc.list_plans(db, actor) == []

    ten_years = svc.create_plan(db, actor, east_plan(first_year=2026, last_year=2035))
    assert ten_years.period_label == "令和8〜17年度"


def test_a_save_from_a_stale_form_is_refused_and_the_other_counters_kept(
        db, actor, second_counter, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    made = svc.create_plan(db, actor, east_plan())
    here = svc.get_plan(db, actor, made.id)
    officer = accounts_by_login["officer"]
    there = svc.get_plan(second_counter, officer, made.id)

    svc.update_plan(second_counter, officer, there.id, there.version,
                    replace(there.as_draft(), vision="安心して暮らし続けられる東部"))
    with pytest.raises(ConcurrentEdit, match="他の窓口で変更されました"):
        svc.update_plan(db, actor, here.id, here.version,
                        replace(here.as_draft(), vision="別の目指す姿"))

    assert svc.get_plan(db, actor, made.id).vision == "安心して暮らし続けられる東部"


def test_an_update_keeps_each_action_by_its_number_and_adds_new_ones(db, actor) -> None:  # type: ignore[no-untyped-def]
    made = svc.create_plan(db, actor, east_plan())
    first, second = made.actions
    draft = made.as_draft()
    changed = svc.update_plan(db, actor, made.id, made.version, replace(draft, actions=(
        draft.actions[1], replace(draft.actions[0], target=3200),
        ActionDraft("防災マップの作成", ActionCarrier.JOINT))))
    assert [(a.id, a.title, a.target) for a in changed.actions] == [
        (second.id, "高齢者の見守り活動", 80), (first.id, "ふれあい夏まつりの開催", 3200),
        (changed.actions[2].id, "防災マップの作成", None)]
    assert changed.version > made.version


def test_a_revision_makes_a_new_edition_and_the_earlier_one_is_kept_as_it_was(
        db, actor) -> None:  # type: ignore[no-untyped-def]
    first = svc.create_plan(db, actor, east_plan())
    second = svc.revise_plan(db, actor, first.id, first.version, from_year=2028)

    assert (second.edition, second.revises_id, second.current) == (2, first.id, True)
    assert (second.first_year, second.last_year, second.period_label) == (
        2028, 2030, "令和10〜12年度")
    assert [a.carried_from_id for a in second.actions] == [a.id for a in first.actions]
    assert [a.title for a in second.actions] == [a.title for a in first.actions]
    kept = svc.get_plan(db, actor, first.id)
    assert (kept.current, kept.revised_by_id) == (False, second.id)
    assert [(e.edition, e.current) for e in svc.editions(db, actor, first.id)] == [
        (1, False), (2, True)]
    assert [p.id for p in svc.list_plans(db, actor)] == [second.id]
    assert [p.id for p in svc.list_plans(db, actor, include_earlier_editions=True)] == [
        second.id, first.id]

    with pytest.raises(UserError, match="第1版）は第2版に改定されています"):
        svc.update_plan(db, actor, kept.id, kept.version,
                        replace(kept.as_draft(), vision="書き換え"))
    with pytest.raises(UserError, match="改定前の版は記録として残すため変更できません"):
        svc.revise_plan(db, actor, kept.id, kept.version, from_year=2029)
    assert svc.get_plan(db, actor, first.id) == kept


def test_a_revision_starts_within_the_plan_or_the_year_after_it(db, actor) -> None:  # type: ignore[no-untyped-def]
    plan = svc.create_plan(db, actor, east_plan())
    for year in (2026, 2032):
        with pytest.raises(ValidationError) as refused:
            svc.revise_plan(db, actor, plan.id, plan.version, from_year=year)
        assert refused.value.for_field("from_year") == (
            "改定は令和9年度から令和13年度までの年度に始めてください。")
    following = svc.revise_plan(db, actor, plan.id, plan.version, from_year=2031)
    assert following.period_label == "令和13年度"


def test_the_board_lists_the_seven_districts_with_the_edition_in_force_each_year(
        db, actor) -> None:  # type: ignore[no-untyped-def]
    east = svc.create_plan(db, actor, east_plan())
    kawabe = svc.create_plan(db, actor, east_plan(district="河辺", title="河辺地域まちづくり計画",
                                                  first_year=2027, last_year=2029))
    revised = svc.revise_plan(db, actor, east.id, east.version, from_year=2028)

    def in_force(year: int) -> dict[str, tuple[int | None, int]]:
        rows = svc.board(db, actor, year)
        assert [r.district for r in rows] == list(DISTRICTS)
        return {r.district: (r.plan_id, r.edition) for r in rows if r.plan_id}

    assert in_force(2025) == {}
    assert in_force(2026) == {"東部": (east.id, 1)}
    assert in_force(2027) == {"東部": (east.id, 1), "河辺": (kawabe.id, 1)}
    assert in_force(2028) == {"東部": (revised.id, 2), "河辺": (kawabe.id, 1)}
    assert in_force(2030) == {"東部": (revised.id, 2)}
    empty = next(r for r in svc.board(db, actor, 2028) if r.district == "中央")
    assert (empty.stage, empty.title, empty.actions) == (None, "", 0)
    row = next(r for r in svc.board(db, actor, 2028) if r.district == "東部")
    assert (row.stage, row.period, row.actions) == (PlanStage.PLAN, "令和10〜12年度", 2)


def test_delete_removes_a_plan_entered_by_mistake_but_never_one_with_a_year(db, actor,
                                                                         admin) -> None:  # type: ignore[no-untyped-def]
    mistake = svc.create_plan(db, actor, east_plan())
    svc.delete_plan(db, admin, mistake.id, mistake.version)
    with pytest.raises(NotFound):
        svc.get_plan(db, actor, mistake.id)

    kept = svc.create_plan(db, actor, east_plan())
    svc.save_year(db, actor, kept.id, 2026, 0, YearDraft(PlanStage.DO))
    with pytest.raises(UserError, match="年度の実施状況が記録された計画は削除できません"):
        svc.delete_plan(db, admin, kept.id, svc.get_plan(db, actor, kept.id).version)
    assert svc.get_plan(db, actor, kept.id).title == "東部地域まちづくり計画"


def test_who_may_do_what_with_plans(db, actor, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    advisor = accounts_by_login["advisor"]
    with pytest.raises(PermissionDenied, match="地域まちづくり計画を登録できません"):
        svc.create_plan(db, advisor, east_plan())
    plan = svc.create_plan(db, actor, east_plan())
    assert svc.get_plan(db, advisor, plan.id).title == "東部地域まちづくり計画"
    with pytest.raises(PermissionDenied, match="地域まちづくり計画を削除できません"):
        svc.delete_plan(db, actor, plan.id, plan.version)
    with pytest.raises(PermissionDenied):
        svc.save_year(db, advisor, plan.id, 2026, 0, YearDraft(PlanStage.DO))
    assert svc.get_plan(db, actor, plan.id).version == plan.version


# --- the yearly cycle ---------------------------------------------------------------------

def test_a_year_is_created_then_updated_by_version(db, actor, second_counter,
                                                   accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    plan = svc.create_plan(db, actor, east_plan())
    festival_id, watch_id = (a.id for a in plan.actions)
    blank = svc.get_year(db, actor, plan.id, 2026)
    assert (blank.stage, blank.version, blank.year_label) == (PlanStage.PLAN, 0, "令和8年度")
    assert [p.status for p in blank.progress] == [None, None]

    saved = svc.save_year(db, actor, plan.id, 2026, 0, YearDraft(
        PlanStage.DO, progress=(ProgressDraft(festival_id, ActionStatus.DONE, " 3,100人が来場 ",
                                              3100), ProgressDraft(watch_id, None))))
    assert (saved.stage, saved.version) == (PlanStage.DO, 1)
    assert [(p.title, p.status, p.result, p.figure) for p in saved.progress] == [
        ("ふれあい夏まつりの開催", ActionStatus.DONE, "3,100人が来場", 3100),
        ("高齢者の見守り活動", None, "", None)]
    assert saved.progress[0].reached == pytest.approx(3100 / 3000)
    assert saved.status_counts() == {ActionStatus.DONE: 1, ActionStatus.PARTLY: 0,
                                     ActionStatus.NOT_DONE: 0, None: 1}

    with pytest.raises(ConcurrentEdit):  # a second "first save" from a form opened blank
        svc.save_year(db, actor, plan.id, 2026, 0, YearDraft(PlanStage.DO))

    officer = accounts_by_login["officer"]
    there = svc.get_year(second_counter, officer, plan.id, 2026)
    svc.save_year(second_counter, officer, plan.id, 2026, there.version, replace(
        there.as_draft(), stage=PlanStage.CHECK, evaluation="夏まつりは目標を上回った。"))
    with pytest.raises(ConcurrentEdit, match="この年度の実施状況は、開いた後に他の窓口で変更されました"):
        svc.save_year(db, actor, plan.id, 2026, saved.version,
                      replace(saved.as_draft(), evaluation="別の評価"))

    now = svc.get_year(db, actor, plan.id, 2026)
    assert (now.stage, now.evaluation, now.version) == (
        PlanStage.CHECK, "夏まつりは目標を上回った。", 2)
    later = svc.save_year(db, actor, plan.id, 2026, now.version, replace(
        now.as_draft(), stage=PlanStage.ACT, improvement="見守り協力員の募集を強める。",
        progress=(ProgressDraft(festival_id, ActionStatus.DONE, "", 3100),
                  ProgressDraft(watch_id, ActionStatus.PARTLY, "協力員は52人", 52))))
    assert later.version == 3
    assert later.status_counts() == {ActionStatus.DONE: 1, ActionStatus.PARTLY: 1,
                                     ActionStatus.NOT_DONE: 0, None: 0}
    assert [r.stage for r in svc.board(db, actor, 2026) if r.plan_id] == [PlanStage.ACT]


def test_a_year_with_a_negative_figure_or_outside_the_period_is_refused(db, actor) -> None:  # type: ignore[no-untyped-def]
    plan = svc.create_plan(db, actor, east_plan())
    festival_id = plan.actions[0].id
    with pytest.raises(ValidationError) as refused:
        svc.save_year(db, actor, plan.id, 2026, 0, YearDraft(PlanStage.DO, progress=(
            ProgressDraft(festival_id, ActionStatus.PARTLY, "", -1),)))
    assert refused.value.for_field(f"progress.{festival_id}.figure") == "実績値は0以上にしてください。"
    with pytest.raises(ValidationError) as refused:
        svc.save_year(db, actor, plan.id, 2026, 0, YearDraft(PlanStage.DO, progress=(
            ProgressDraft(festival_id, None, "まだ途中"),)))
    assert refused.value.for_field(f"progress.{festival_id}.status") == (
        "実績を書いた取組は、実施状況も選んでください。")
    for year in (2025, 2031):
        with pytest.raises(ValidationError) as refused:
            svc.save_year(db, actor, plan.id, year, 0, YearDraft(PlanStage.DO))
        assert str(refused.value).endswith("はこの計画の期間（令和8〜12年度）の外です。")
        with pytest.raises(ValidationError):
            svc.get_year(db, actor, plan.id, year)
    assert svc.get_year(db, actor, plan.id, 2026).version == 0


def test_a_progress_line_for_an_action_no_longer_in_the_plan_is_a_stale_form(db, actor) -> None:  # type: ignore[no-untyped-def]
    first = svc.create_plan(db, actor, east_plan())
    other = svc.create_plan(db, actor, east_plan(district="河辺"))
    with pytest.raises(ConcurrentEdit):
        svc.save_year(db, actor, first.id, 2026, 0, YearDraft(PlanStage.DO, progress=(
            ProgressDraft(other.actions[0].id, ActionStatus.DONE),)))


# --- editions and the board, whatever the revisions ----------------------------------------

_STEP = st.one_of(
    st.tuples(st.just("revise"), st.integers(1, 6)),
    st.tuples(st.just("period"), st.integers(-3, 3), st.integers(-3, 3)),
)


@settings(max_examples=25)
@given(steps=st.lists(_STEP, min_size=1, max_size=6),
       district=st.sampled_from(DISTRICTS))
def test_one_current_edition_per_plan_and_at_most_one_per_plan_on_the_board(
        db, actor, steps, district: str) -> None:  # type: ignore[no-untyped-def]
    plan = svc.create_plan(db, actor, east_plan(district=district))
    for step in steps:
        current = svc.get_plan(db, actor, svc.editions(db, actor, plan.id)[-1].id)
        try:
            if step[0] == "revise":
                svc.revise_plan(db, actor, current.id, current.version,
                                from_year=current.first_year + step[1])
            else:
                svc.update_plan(db, actor, current.id, current.version, replace(
                    current.as_draft(), first_year=current.first_year + step[1],
                    last_year=current.last_year + step[2]))
        except ValidationError:
            continue  # a revision or period the form refuses changes nothing

    chain = svc.editions(db, actor, plan.id)
    assert [e.current for e in chain] == [False] * (len(chain) - 1) + [True]
    assert [e.edition for e in chain] == list(range(1, len(chain) + 1))
    lineage = {e.id for e in chain}
    assert len(lineage & {p.id for p in svc.list_plans(db, actor)}) == 1
    years = range(min(e.first_year for e in chain), max(e.last_year for e in chain) + 1)
    for year in years:
        shown = [r for r in svc.board(db, actor, year) if r.plan_id in lineage]
        assert len(shown) <= 1, (year, [(r.edition, r.period) for r in shown])
        covering = [e for e in chain if e.first_year <= year <= e.last_year]
        # The edition in force is the latest whose period holds the year.
        assert [r.edition for r in shown] == [e.edition for e in covering[-1:]]


def test_a_revised_edition_cannot_be_moved_to_start_before_the_one_it_revises(
        db, actor) -> None:  # type: ignore[no-untyped-def]
    first = svc.create_plan(db, actor, east_plan(first_year=2026, last_year=2030))
    second = svc.revise_plan(db, actor, first.id, first.version, from_year=2028)
    with pytest.raises(ValidationError) as refused:
        svc.update_plan(db, actor, second.id, second.version,
                        replace(second.as_draft(), first_year=2026))
    assert refused.value.for_field("first_year") == (
        "改定した版の計画期間は、改定前の第1版（令和8年度から）より後の年度から始めてください。")
    moved = svc.update_plan(db, actor, second.id, second.version,
                            replace(second.as_draft(), first_year=2027))
    assert moved.period_label == "令和9〜12年度"
