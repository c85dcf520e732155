"""地域計画 tab: the board of the seven districts, a plan written in its window, a year of the
cycle recorded, earlier editions kept as records, two counters saving the same plan, and the
year published and counted from the window (印刷, 公表用ページ, CSV, 市民協働の推進状況)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QFileDialog

from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import DIRECTION_LABELS, ActionCarrier, ActionStatus, PlanStage
from kyodo_desk.services import plans as svc
from kyodo_desk.services.plans import ActionDraft, PlanDraft, ProgressDraft, YearDraft
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.pdf_preview import PdfPreview
from kyodo_desk.ui.plans import form as plan_form
from kyodo_desk.ui.plans import publish
from kyodo_desk.ui.plans.board import COLUMNS, NO_PLAN
from kyodo_desk.ui.plans.form import SAVE_YEAR, YEAR_PAGE, PlanWindow
from kyodo_desk.ui.plans.tab import PlansTab
from kyodo_desk.ui.tasks import pending_jobs
from tests.leaflets import flat, text_of
from tests.ui.conftest import WAIT_TIMEOUT_MS, type_text

YEAR = fiscal_year_of(date.today())


@pytest.fixture(autouse=True)
def _questions_answered(messages, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Message boxes recorded (conftest.messages); the forms' questions answered 破棄."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")
    monkeypatch.setattr(plan_form, "ask", lambda *_a, **_k: "discard")


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def central_plan(db, **fields):  # type: ignore[no-untyped-def]
    """中央's plan for five years from this one, with three actions."""
    draft = PlanDraft(
        district="中央", title="中央地域まちづくり計画", first_year=YEAR, last_year=YEAR + 4,
        vision="世代をこえて支え合う、住み続けたいまち",
        actions=(ActionDraft("防災マップづくり", ActionCarrier.JOINT, indicator="参加者数",
                             target=100, unit="人"),
                 ActionDraft("子ども食堂の開設", ActionCarrier.ORGANISATION, indicator="開催回数",
                             target=12, unit="回"),
                 ActionDraft("空き店舗の活用", ActionCarrier.CITY)))
    return svc.create_plan(db, Actor.command_line(), replace(draft, **fields))


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: pending_jobs() == 0)


def open_tab(qtbot, db, who: Actor) -> PlansTab:  # type: ignore[no-untyped-def]
    tab = PlansTab(db, who)
    qtbot.addWidget(tab)
    tab.resize(1240, 700)
    with qtbot.waitSignal(tab.board_shown):
        tab.show()
    settle(qtbot)
    return tab


def board(tab: PlansTab) -> list[dict[str, str]]:
    """The board as it reads, one dict per row by column title."""
    return [{title: tab.model.index(r, c).data() for c, title in enumerate(COLUMNS)}
            for r in range(tab.model.rowCount())]


def row_of(tab: PlansTab, district: str) -> dict[str, str]:
    return next(row for row in board(tab) if row["地域"] == district)


def click(qtbot, button: QAbstractButton) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.waitUntil(lambda: not button.rect().isEmpty())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())


def open_plan(qtbot, tab: PlansTab, district: str) -> PlanWindow:  # type: ignore[no-untyped-def]
    """Choose the district on the board and press Enter; the plan's window opens (a plan's
    with its year read)."""
    tab.select_district(district)
    tab.table.setFocus()
    had_plan = tab.current_row() is not None and tab.current_row().plan_id is not None  # type: ignore[union-attr]
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.window_open is not None and tab.window_open.isVisible())
    window = tab.window_open
    assert window is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # Ctrl+Enter reaches the active window only
    if had_plan:
        qtbot.waitUntil(lambda: window.year_panel.loaded_year is not None)
    settle(qtbot)
    return window


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


# --- the board ------------------------------------------------------------------------------

def test_the_board_lists_the_seven_districts_and_where_each_plan_stands(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    plan = central_plan(db)
    svc.save_year(db, officer, plan.id, YEAR, 0, YearDraft(PlanStage.CHECK, progress=(
        ProgressDraft(plan.actions[0].id, ActionStatus.DONE, "3回開催", 120),)))
    tab = open_tab(qtbot, db, officer)
    rows = board(tab)
    assert [r["地域"] for r in rows] == list(DISTRICTS)
    central = row_of(tab, "中央")
    assert central["計画"] == "中央地域まちづくり計画" and central["版"] == "第1版"
    # The stage is marked in words, not by colour alone.
    assert central["サイクル（▶ が現在）"] == "計画 → 実行 → ▶【評価】 → 改善"
    assert (central["実施"], central["一部実施"], central["未実施"], central["未報告"]) == (
        "1", "0", "0", "2")
    assert central["公表日"] == "未公表"
    assert {r["計画"] for r in rows if r["地域"] != "中央"} == {NO_PLAN}
    # Another year: the plan does not cover the year before it.
    tab.year.setCurrentIndex(tab.year.findData(YEAR - 1))
    qtbot.waitUntil(lambda: tab.model.fiscal_year == YEAR - 1)
    assert row_of(tab, "中央")["計画"] == NO_PLAN


# --- a plan written in its window -----------------------------------------------------------

def test_a_new_plan_with_its_actions_is_written_in_the_form_and_saved(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    window = open_plan(qtbot, tab, "東部")  # no plan yet: Enter opens a new one for 東部
    assert window.district.currentData() == "東部"
    type_text(qtbot, window.title, "東部地域まちづくり計画")
    type_text(qtbot, window.vision, "みんなでつくる安心なまち")
    first = window.actions_editor.add_line()
    type_text(qtbot, first.title, "見守り活動")
    first.carrier.setCurrentIndex(first.carrier.findData(ActionCarrier.JOINT.value))
    type_text(qtbot, first.indicator, "見守り世帯数")
    type_text(qtbot, first.target, "50")
    type_text(qtbot, first.unit, "世帯")
    second = window.actions_editor.add_line()
    type_text(qtbot, second.title, "防災訓練")
    click(qtbot, second.up)  # 防災訓練 first
    with qtbot.waitSignal(window.save_finished) as blocker:
        qtbot.keyClick(window.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [True]
    settle(qtbot)
    assert window.isVisible()  # a plan is written page after page: the window stays
    qtbot.keyClick(window.title, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentIndex() == YEAR_PAGE  # Ctrl+Tab: the next page
    window.pages.setCurrentIndex(0)
    stored = svc.list_plans(db, officer, district="東部")
    assert [(p.title, p.actions) for p in stored] == [("東部地域まちづくり計画", 2)]
    detail = svc.get_plan(db, officer, stored[0].id)
    assert [(a.title, a.carrier, a.target, a.unit) for a in detail.actions] == [
        ("防災訓練", ActionCarrier.ORGANISATION, None, ""),
        ("見守り活動", ActionCarrier.JOINT, 50, "世帯")]
    qtbot.waitUntil(lambda: row_of(tab, "東部")["計画"] == "東部地域まちづくり計画")
    # Saved again, the actions keep their ids (no duplicates).
    type_text(qtbot, window.actions_editor.lines[0].detail, "年2回")
    with qtbot.waitSignal(window.save_finished):
        click(qtbot, window.save_button)
    again = svc.get_plan(db, officer, detail.id)
    assert [a.id for a in again.actions] == [a.id for a in detail.actions]
    assert again.actions[0].detail == "年2回"
    window.reject()


def test_a_refused_action_is_said_under_the_actions_and_nothing_is_saved(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    window = open_plan(qtbot, tab, "西部")
    type_text(qtbot, window.title, "西部地域まちづくり計画")
    line = window.actions_editor.add_line()
    type_text(qtbot, line.target, "1.5")
    with qtbot.waitSignal(window.save_finished) as blocker:
        click(qtbot, window.save_button)
    assert blocker.args == [False]
    assert "整数" in window.errors.message("actions")
    assert svc.list_plans(db, officer, district="西部") == []
    window.reject()


# --- the year ------------------------------------------------------------------------------

def test_the_year_s_statuses_are_saved_and_the_board_counts_them(
        qtbot, db, officer, main_window) -> None:  # type: ignore[no-untyped-def]
    central_plan(db)
    window = main_window(officer)
    tab = window.plans
    assert tab is not None
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles.index("地域計画") == titles.index("交付金") + 1
    assert titles.index("印刷物") == titles.index("地域計画") + 1
    with qtbot.waitSignal(tab.board_shown):
        window.tabs.setCurrentWidget(tab)
    form = open_plan(qtbot, tab, "中央")
    form.pages.setCurrentIndex(YEAR_PAGE)
    assert form.save_button.text() == SAVE_YEAR
    panel = form.year_panel
    assert panel.chosen_year() == YEAR and len(panel.lines) == 3
    assert "目標 100人" in panel.lines[0].target.text()
    panel.stage.setCurrentIndex(panel.stage.findData(PlanStage.DO.value))
    panel.lines[0].status.setCurrentIndex(panel.lines[0].status.findData(ActionStatus.DONE.value))
    type_text(qtbot, panel.lines[0].figure, "120")
    type_text(qtbot, panel.lines[0].result, "3回開催")
    panel.lines[1].status.setCurrentIndex(
        panel.lines[1].status.findData(ActionStatus.PARTLY.value))
    assert panel.counts.text() == "この年度の実施状況: 実施 1・一部実施 1・未実施 0・未報告 1"
    with qtbot.waitSignal(form.year_saved):
        click(qtbot, form.save_button)
    settle(qtbot)
    plan_id = svc.list_plans(db, officer)[0].id
    stored = svc.get_year(db, officer, plan_id, YEAR)
    assert stored.stage is PlanStage.DO
    assert [(p.status, p.figure, p.result) for p in stored.progress] == [
        (ActionStatus.DONE, 120, "3回開催"), (ActionStatus.PARTLY, None, ""), (None, None, "")]
    assert not form.is_dirty()
    qtbot.waitUntil(lambda: row_of(tab, "中央")["実施"] == "1")
    central = row_of(tab, "中央")
    assert (central["一部実施"], central["未実施"], central["未報告"]) == ("1", "0", "1")
    assert "▶【実行】" in central["サイクル（▶ が現在）"]
    form.reject()


def test_a_year_is_revised_into_a_new_edition_which_then_opens(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    central_plan(db)
    tab = open_tab(qtbot, db, officer)
    form = open_plan(qtbot, tab, "中央")
    form.pages.setCurrentIndex(YEAR_PAGE)
    asked: list[int] = []
    monkeypatch.setattr(plan_form, "ask_first_year",
                        lambda _parent, _detail, suggested: asked.append(suggested) or YEAR + 1)
    click(qtbot, form.year_panel.revise_button)
    qtbot.waitUntil(lambda: closed(form))
    qtbot.waitUntil(lambda: tab.window_open is not None and tab.window_open.isVisible())
    new = tab.window_open
    assert new is not None and new.detail is not None
    assert asked == [YEAR + 1]
    assert (new.detail.edition, new.detail.first_year) == (2, YEAR + 1)
    assert [a.title for a in new.detail.actions] == ["防災マップづくり", "子ども食堂の開設",
                                                      "空き店舗の活用"]
    qtbot.waitUntil(lambda: new.year_panel.loaded_year == YEAR + 1)
    new.reject()


# --- earlier editions -------------------------------------------------------------------------

def test_an_earlier_edition_opens_as_a_record_that_cannot_be_changed(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    first = central_plan(db)
    second = svc.revise_plan(db, officer, first.id, first.version, from_year=YEAR + 2)
    tab = open_tab(qtbot, db, officer)
    tab.open_plan(first.id, YEAR)
    qtbot.waitUntil(lambda: tab.window_open is not None and tab.window_open.isVisible())
    window = tab.window_open
    assert window is not None
    qtbot.waitUntil(lambda: window.year_panel.loaded_year is not None)
    qtbot.waitUntil(lambda: len(window.edition_texts()) == 2)
    assert window.banner.isVisible()
    assert window.banner_text.text() == "第2版に改定済み（記録として表示）"
    assert not window.save_button.isVisible()
    assert window.title.isReadOnly() and not window.district.isEnabled()
    assert not window.actions_editor.add_button.isVisible()
    assert not window.year_panel.stage.isEnabled()
    assert not window.year_panel.revise_button.isVisible()
    assert [t.split("　")[0] for t in window.edition_texts()] == ["第1版", "第2版"]
    assert "改定済み" in window.edition_texts()[0] and "現行" in window.edition_texts()[1]
    # Ctrl+Enter saves nothing; the service refuses as well.
    qtbot.keyClick(window.pages, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert svc.get_plan(db, officer, first.id).version == first.version
    with pytest.raises(Exception, match="改定前の版は記録として残す"):
        svc.update_plan(db, officer, first.id, first.version, first.as_draft())
    click(qtbot, window.current_button)
    qtbot.waitUntil(lambda: closed(window))
    qtbot.waitUntil(lambda: tab.window_open is not None and tab.window_open.isVisible())
    current = tab.window_open
    assert current is not None and current.detail is not None
    assert current.detail.id == second.id and not current.banner.isVisible()
    assert current.save_button.isVisible() and not current.title.isReadOnly()
    current.reject()


# --- two counters ---------------------------------------------------------------------------

def test_a_plan_saved_at_another_counter_meanwhile_is_shown_and_the_typing_kept(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    plan = central_plan(db)
    tab = open_tab(qtbot, db, officer)
    window = open_plan(qtbot, tab, "中央")
    # Another counter saves the plan first.
    svc.update_plan(db, Actor.command_line(), plan.id, plan.version,
                    replace(plan.as_draft(), vision="他の窓口の目指す姿"))
    shown: list[list[tuple[str, ...]]] = []

    def keep_editing(dialog: VersionsDialog) -> int:
        shown.append([tuple(dialog.table.item(r, c).text() for c in range(3))
                      for r in range(dialog.table.rowCount())])
        dialog.choice = Choice.KEEP_EDITING
        return 0

    monkeypatch.setattr(VersionsDialog, "exec", keep_editing)
    window.vision.selectAll()
    type_text(qtbot, window.vision, "自分の目指す姿")
    with qtbot.waitSignal(window.save_finished) as blocker:
        click(qtbot, window.save_button)
    assert blocker.args == [False]
    assert shown == [[("目指す姿", "自分の目指す姿", "他の窓口の目指す姿")]]
    assert window.vision.toPlainText() == "自分の目指す姿"
    assert svc.get_plan(db, officer, plan.id).vision == "他の窓口の目指す姿"

    # The year likewise: the other counter's results are not overwritten.
    window.pages.setCurrentIndex(YEAR_PAGE)
    svc.save_year(db, Actor.command_line(), plan.id, YEAR, 0, YearDraft(
        PlanStage.DO, evaluation="他の窓口の評価"))
    panel = window.year_panel
    type_text(qtbot, panel.evaluation, "自分の評価")
    shown.clear()
    with qtbot.waitSignal(window.save_finished) as blocker:
        click(qtbot, window.save_button)
    assert blocker.args == [False]
    assert ("評価", "自分の評価", "他の窓口の評価") in shown[0]
    assert panel.evaluation.toPlainText() == "自分の評価"
    assert svc.get_year(db, officer, plan.id, YEAR).evaluation == "他の窓口の評価"
    window.reject()


def test_advisors_read_plans_without_a_button_that_writes(
        qtbot, db, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    central_plan(db)
    tab = open_tab(qtbot, db, accounts_by_login["advisor"])
    assert not tab.new_button.isVisible()
    window = open_plan(qtbot, tab, "中央")
    assert not window.save_button.isVisible() and window.title.isReadOnly()
    assert not window.year_panel.stage.isEnabled()
    assert tab.open_new("東部") is None
    window.reject()


# --- prints and publication -------------------------------------------------------------------

def shown_preview(qtbot, owner) -> PdfPreview:  # type: ignore[no-untyped-def]
    """The preview *owner* opened, once on screen."""
    qtbot.waitUntil(lambda: isinstance(owner.preview, PdfPreview) and owner.preview.isVisible())
    preview = owner.preview
    assert preview is not None
    return preview


def test_the_year_s_report_prints_from_the_plan_window_earlier_editions_too(
        qtbot, db, officer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = central_plan(db)
    svc.save_year(db, officer, plan.id, YEAR, 0, YearDraft(PlanStage.CHECK, progress=(
        ProgressDraft(plan.actions[0].id, ActionStatus.DONE, "3回開催", 120),)))
    tab = open_tab(qtbot, db, officer)
    window = open_plan(qtbot, tab, "中央")
    window.pages.setCurrentIndex(YEAR_PAGE)
    click(qtbot, window.year_panel.print_button)
    preview = shown_preview(qtbot, window)
    assert preview.page_count() >= 1
    assert preview.windowTitle() == (f"地域まちづくり計画の実施状況 — 中央 第1版 "
                                     f"{fiscal_year_label(YEAR)}")
    assert preview.pdf_file_name() == f"計画の実施状況_中央_第1版_{fiscal_year_label(YEAR)}.pdf"
    whole = flat(text_of(preview.pdf, tmp_path))
    assert "中央地域まちづくり計画" in whole and "防災マップづくり" in whole
    assert "3回開催" in whole
    # Saved from the preview, the PDF is the one shown.
    saved = tmp_path / "saved.pdf"
    preview.save_pdf(saved)
    assert saved.read_bytes() == preview.pdf
    assert "saved.pdf に保存しました" in window.summary.text()
    preview.reject()
    window.reject()
    qtbot.waitUntil(lambda: closed(window))

    # An earlier edition prints as the record it is.
    svc.revise_plan(db, officer, plan.id, svc.get_plan(db, officer, plan.id).version,
                    from_year=YEAR + 2)
    tab.open_plan(plan.id, YEAR)
    qtbot.waitUntil(lambda: tab.window_open is not None and tab.window_open.isVisible())
    earlier = tab.window_open
    assert earlier is not None
    qtbot.waitUntil(lambda: earlier.year_panel.loaded_year == YEAR
                    and len(earlier.edition_texts()) == 2)
    earlier.pages.setCurrentIndex(YEAR_PAGE)
    click(qtbot, earlier.year_panel.print_button)
    old = flat(text_of(shown_preview(qtbot, earlier).pdf, tmp_path))
    assert "第1版" in old and "第2版に改定" in old and "中央地域まちづくり計画" in old
    earlier.reject()


def test_a_new_plan_has_no_print_until_it_is_saved(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    window = open_plan(qtbot, tab, "東部")
    window.pages.setCurrentIndex(YEAR_PAGE)
    assert not window.year_panel.print_button.isVisible()
    window.reject()


def test_the_board_writes_the_year_s_web_pages_into_a_folder_and_opens_it(
        qtbot, db, officer, tmp_path, monkeypatch, messages) -> None:  # type: ignore[no-untyped-def]
    central_plan(db)
    tab = open_tab(qtbot, db, officer)
    assert tab.publish.button.text() == "公表・集計 ▾" and tab.publish.button.isVisible()
    assert [a.text() for a in tab.publish.menu.actions() if not a.isSeparator()] == [
        "実施状況の公表用ページを書き出す…", "実施状況の一覧（CSV）…",
        "市民協働の推進状況（PDF）…", "市民協働の推進状況（Excel）…"]
    documents = tmp_path / "ドキュメント"
    documents.mkdir()
    (documents / "メモ.txt").write_text("窓口のメモ", encoding="utf-8")
    asked_where: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda _parent, title, start, *_a: asked_where.append(title)
                        or str(documents))
    said: list[str] = []
    monkeypatch.setattr(publish, "ask", lambda _parent, _title, text, *_a, **_k:
                        said.append(text) or publish.OPEN_FOLDER)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    with qtbot.waitSignal(tab.publish.written, timeout=WAIT_TIMEOUT_MS):
        tab.publish.actions[publish.HTML].trigger()
    # The clerk's documents are not mixed with the pages: they get a folder of the year's name.
    folder = documents / f"計画の公表_{fiscal_year_label(YEAR)}"
    assert f"「計画の公表_{fiscal_year_label(YEAR)}」" in asked_where[0]
    index = folder / "index.html"
    assert "中央地域まちづくり計画" in index.read_text(encoding="utf-8")
    assert (documents / "メモ.txt").read_text(encoding="utf-8") == "窓口のメモ"
    assert str(index) in said[0]
    assert opened == [QUrl.fromLocalFile(str(folder))] and opened[0].isLocalFile()
    qtbot.waitUntil(tab.publish.button.isEnabled)

    # The same folder chosen again: an earlier export is replaced in place.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a: str(folder))
    monkeypatch.setattr(publish, "ask", lambda *_a, **_k: publish.CLOSE)
    with qtbot.waitSignal(tab.publish.written, timeout=WAIT_TIMEOUT_MS) as blocker:
        tab.publish.actions[publish.HTML].trigger()
    assert blocker.args == [str(folder)] and len(opened) == 1

    # A folder of that name holding other files is refused, and said so.
    taken = tmp_path / "別の場所"
    (taken / f"計画の公表_{fiscal_year_label(YEAR)}").mkdir(parents=True)
    (taken / f"計画の公表_{fiscal_year_label(YEAR)}" / "予算.xlsx").write_bytes(b"x")
    (taken / "メモ.txt").write_text("", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a: str(taken))
    tab.publish.actions[publish.HTML].trigger()
    qtbot.waitUntil(lambda: any("他のファイルがあります" in text for _kind, text in messages))
    qtbot.waitUntil(tab.publish.button.isEnabled)
    assert not (taken / f"計画の公表_{fiscal_year_label(YEAR)}" / "index.html").exists()


def test_the_board_saves_the_year_as_csv_and_the_five_directions_as_excel(
        qtbot, db, officer, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    plan = central_plan(db)
    svc.save_year(db, officer, plan.id, YEAR, 0, YearDraft(PlanStage.DO, progress=(
        ProgressDraft(plan.actions[0].id, ActionStatus.DONE, "3回開催", 120),)))
    tab = open_tab(qtbot, db, officer)
    offered: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _parent, _title, start, *_a: offered.append(start)
                        or (str(tmp_path / "実施状況"), ""))
    with qtbot.waitSignal(tab.publish.written, timeout=WAIT_TIMEOUT_MS):
        tab.publish.actions[publish.CSV].trigger()
    assert Path(offered[0]).name == f"計画の実施状況_{fiscal_year_label(YEAR)}.csv"
    with (tmp_path / "実施状況.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["地域"], r["計画名"], r["取組"]) for r in rows] == [
        ("中央", "中央地域まちづくり計画", "防災マップづくり"),
        ("中央", "中央地域まちづくり計画", "子ども食堂の開設"),
        ("中央", "中央地域まちづくり計画", "空き店舗の活用")]
    assert (rows[0]["実施状況"], rows[0]["実績値"], rows[0]["実績・成果"]) == (
        "実施", "120", "3回開催")

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _parent, _title, start, *_a: offered.append(start)
                        or (str(tmp_path / "推進状況"), ""))
    with qtbot.waitSignal(tab.publish.written, timeout=WAIT_TIMEOUT_MS) as blocker:
        tab.publish.actions[publish.GUIDELINE_XLSX].trigger()
    assert blocker.args == [str(tmp_path / "推進状況.xlsx")]
    assert Path(offered[1]).name == f"市民協働の推進状況_{fiscal_year_label(YEAR)}.xlsx"
    book = load_workbook(tmp_path / "推進状況.xlsx")
    assert book.sheetnames[:5] == [f"方向{n}" for n in range(1, 6)]
    titles = [str(book[f"方向{n}"]["A1"].value) for n in range(1, 6)]
    assert [any(label in t for t in titles) for label in DIRECTION_LABELS.values()] == [True] * 5


def test_the_guideline_report_opens_in_the_preview(
        qtbot, db, accounts_by_login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, accounts_by_login["advisor"])  # public: any account may
    tab.publish.actions[publish.GUIDELINE_PDF].trigger()
    preview = shown_preview(qtbot, tab.publish)
    assert preview.page_count() >= 1
    assert preview.windowTitle() == f"市民協働の推進状況 — {fiscal_year_label(YEAR)}"
    whole = flat(text_of(preview.pdf, tmp_path))
    assert "市民協働の推進状況" in whole
    assert all(flat(label) in whole for label in DIRECTION_LABELS.values())
    preview.reject()
