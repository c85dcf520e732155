"""The plan report (地域まちづくり計画の実施状況, issue 20 item 3) as a reader gets it, read back
from the PDF on SQLite and PostgreSQL: the plan, the year's stage marked in the cycle, each
action with its status and figures, the notes, the workshop and the cases, and nobody's name;
many actions run on over pages with nothing cut; an earlier edition prints as it was."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk import leaflets
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import ActionCarrier, ActionStatus, PlanStage
from kyodo_desk.services.plans import get_plan, revise_plan
from tests.exports.test_plan_exports import (
    ACTIONS,
    EVALUATION,
    GROUP_CASE,
    IMPROVEMENT,
    PENDING_CASE,
    PERSON,
    PERSON_CASE,
    PLAN_TITLE,
    VISION,
    WORKSHOP,
    YEAR,
    make_plan,
)
from tests.leaflets import (
    _run,
    assert_fonts_embedded,
    flat,
    kinsoku_offences,
    page_count,
    text_of,
)

TODAY = date(2027, 6, 1)


def report(db: Any, plan_id: int, year: int = YEAR) -> bytes:
    return leaflets.render("plan-report", db, Actor.command_line(), plan_id=plan_id,
                           fiscal_year=year, today=TODAY)


def layout_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text as laid out, a table row's first lines on one line, one space apart."""
    text = _run("pdftotext", pdf, tmp_path, "-layout", "-enc", "UTF-8")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_report_shows_the_plan_the_stage_marked_and_each_action(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = make_plan(db, facilities)
    pdf = report(db, made.plan_id)
    assert_fonts_embedded(pdf, tmp_path)
    text = text_of(pdf, tmp_path)
    assert kinsoku_offences(text) == []
    whole = flat(text)
    for expected in ("秋田市市民生活部", "東部市民サービスセンター", PLAN_TITLE,
                     "令和8年度地域まちづくり計画の実施状況", "東部地域", "東部地域づくり協議会",
                     "令和8〜12年度", "第1版", "令和8年3月20日", "公表日令和9年5月31日",
                     flat(VISION), "PLAN", "DO", "CHECK", "ACT", "計画した事業を実施",
                     flat(EVALUATION), flat(IMPROVEMENT), WORKSHOP, "令和7年11月8日（土）",
                     GROUP_CASE, "東部ふれあい実行委員会", PERSON_CASE):
        assert expected in whole, expected
    # The year's stage: named in words and marked 現在 in the cycle, not by colour alone.
    assert "いまの段階は「評価（CHECK）」" in whole
    assert whole.count("現在") == 1
    # Each action on its row with its carrier, figures and status.
    lines = layout_lines(pdf, tmp_path)
    rows = {a[0]: next(line for line in lines if a[0] in line) for a in ACTIONS}
    assert rows["ふれあい夏まつりの開催"].split() == [
        "1", "ふれあい夏まつりの開催", "組織", "参加者数", "800人", "1,000人", "125%", "◎",
        "実施", "約1,000人が参加し、子ども"]
    assert "120世帯 60世帯 50% △ 一部実施" in rows["高齢者の見守り活動"]
    assert rows["防災マップの作成"].endswith("市 配布部数 3,000部 × 未実施")
    assert rows["地域の歴史講座"].endswith("組織 － 未報告")
    assert "取組 4件の実施状況" in " ".join(lines)
    assert "実施1件・一部実施1件・未実施1件・未報告1件" in whole
    # No individual: the person's case shows by its title alone; a consultation not at all.
    assert PERSON not in whole and PENDING_CASE not in whole


def test_a_year_not_yet_recorded_reads_as_plan_and_not_published(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = make_plan(db, facilities, links=False)
    whole = flat(text_of(report(db, made.plan_id, YEAR + 1), tmp_path))
    assert "令和9年度地域まちづくり計画の実施状況" in whole
    assert "いまの段階は「計画（PLAN）」" in whole
    assert "公表前（令和9年6月1日現在の内容です）" in whole
    assert "未報告4件" in whole and "評価はまだ記入されていません。" in whole
    assert "登録されたワークショップはありません。" in whole


def test_many_actions_run_on_over_pages_with_nothing_cut(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    long_result = "".join(f"成果{n:04d}。" for n in range(550))  # taller than a page
    actions = tuple(
        (f"取組{n:02d}号の活動", ActionCarrier.JOINT, "参加者数", 100, "人",
         ActionStatus.DONE if n % 2 else ActionStatus.PARTLY, 50 + n,
         long_result if n == 20 else f"結果{n:02d}の説明。" * 6)
        for n in range(1, 41))
    made = make_plan(db, facilities, actions=actions, links=False)
    pdf = report(db, made.plan_id)
    pages = [flat(p) for p in text_of(pdf, tmp_path).split("\f")[:-1]]
    assert page_count(pdf, tmp_path) == len(pages) >= 4
    assert PLAN_TITLE in pages[0] and "取組01号の活動" not in pages[0]
    whole = "".join(pages)
    for n in range(1, 41):
        assert whole.count(f"取組{n:02d}号の活動") == 1, n
        if n != 20:
            assert f"結果{n:02d}の説明。" * 6 in whole, n
    # The long result splits inside its row over pages: every piece printed once, in order.
    assert re.findall(r"(?<![0-9])([0-9]{4})。", whole) == [f"{n:04d}" for n in range(550)]
    assert long_result[:70] in whole
    assert sum("実績・成果" in p for p in pages) >= 3  # the header repeated on each page
    assert whole.index("取組40号の活動") < whole.index("評価と改善")


def test_an_earlier_edition_prints_as_it_was(db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    made = make_plan(db, facilities, links=False)
    first = get_plan(db, actor, made.plan_id)
    second = revise_plan(db, actor, first.id, first.version, from_year=YEAR + 1,
                         adopted_on=date(2027, 3, 25))
    old = flat(text_of(report(db, first.id), tmp_path))
    assert "第1版（令和9年度から第2版に改定）" in old and "評価（CHECK）" in old
    assert "実施1件・一部実施1件・未実施1件・未報告1件" in old
    new = flat(text_of(report(db, second.id, YEAR + 1), tmp_path))
    assert "第2版" in new and "改定日令和9年3月25日" in new and "令和9〜12年度" in new
    with pytest.raises(UserError, match="期間"):
        report(db, second.id, YEAR)


def test_the_command_writes_the_file_and_names_the_plans_when_the_number_is_wrong(
        db, facilities, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.cli import main

    made = make_plan(db, facilities, links=False, stage=PlanStage.DO, published=None)
    out = tmp_path / "report.pdf"
    url = ["--database", db.url.render_as_string(hide_password=False)]

    def command(*options: str) -> int:
        return main(["leaflet", "plan-report", *options, "-o", str(out), *url])

    assert command("--plan", str(made.plan_id), "--fiscal-year", str(YEAR)) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert flat(PLAN_TITLE) in flat(text_of(out.read_bytes(), tmp_path))
    assert f"plan-report を {out} に書き出しました" in capsys.readouterr().out
    assert command("--plan", str(made.plan_id + 99), "--fiscal-year", str(YEAR)) == 2
    assert f"{made.plan_id} 東部 {PLAN_TITLE}" in capsys.readouterr().err
    assert command("--fiscal-year", str(YEAR)) == 2
    assert "--plan" in capsys.readouterr().err
    assert command("--plan", str(made.plan_id)) == 2
    assert "--fiscal-year" in capsys.readouterr().err
