"""相談の統計 view, driven as a user does: pick the year and the table, read the numbers and
the bars, save to Excel and make the monthly report, against the hand-counted records."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool

from kyodo_desk.services.consultations import stats as consultation_stats
from kyodo_desk.ui.consultations import stats_view
from kyodo_desk.ui.consultations.stats_view import ConsultationStatsView
from kyodo_desk.ui.tasks import pending_jobs
from tests.leaflets import flat, text_of
from tests.services.test_consultation_stats import record_fixture


@pytest.fixture
def recorded(db, accounts_by_login):  # type: ignore[no-untyped-def]
    return record_fixture(db, accounts_by_login["officer"])


@pytest.fixture
def open_view(qtbot, db, recorded):  # type: ignore[no-untyped-def]
    """The view for an account, shown, with 令和8年度 selected and counted."""
    made: list[ConsultationStatsView] = []

    def make(actor) -> ConsultationStatsView:  # type: ignore[no-untyped-def]
        view = ConsultationStatsView(db, actor)
        qtbot.addWidget(view)
        view.resize(1100, 760)
        with qtbot.waitSignal(view.loaded):
            view.show()  # counts the current year when first shown
        index = view.year.findData(2026)
        if index != view.year.currentIndex():  # a run after March 2027
            with qtbot.waitSignal(view.loaded):
                view.year.setCurrentIndex(index)
        made.append(view)
        return view

    yield make
    QThreadPool.globalInstance().waitForDone()


def shown_rows(view: ConsultationStatsView) -> dict[str, list[str]]:
    """The table as on screen: the first column's label → the other cells' text."""
    model = view.model
    return {model.text(r, 0): [model.text(r, c) for c in range(1, model.columnCount())]
            for r in range(model.rowCount())}


def header(view: ConsultationStatsView) -> list[str]:
    return [view.model.headerData(c, Qt.Orientation.Horizontal)
            for c in range(view.model.columnCount())]


def bars(view: ConsultationStatsView) -> dict[str, float]:
    """The chart's bars: category → length."""
    labels = view.categories.categories()
    return {label: view.bars.at(i) for i, label in enumerate(labels)}


def test_the_officer_sees_every_facility_in_table_and_chart(
        open_view, accounts_by_login, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = open_view(accounts_by_login["officer"])
    assert view.year.currentText() == "令和8年度"
    assert [view.year.itemText(i) for i in range(view.year.count())][-3:] == [
        "令和8年度", "令和7年度", "令和6年度"]
    assert view.view.currentText() == "分野×施設"
    assert header(view) == ["分野", "東部", "西部", "南部", "北部", "中央", "河辺", "雄和",
                            "市民交流サロン", "合計"]
    rows = shown_rows(view)
    assert rows["団体設立"] == ["2", "1", "0", "0", "0", "0", "0", "0", "3"]
    assert rows["分野の記録なし"][0] == "1"
    assert rows["合計"] == ["4", "2", "0", "0", "0", "0", "0", "2", "8"]
    assert "令和8年度 相談件数" in view.summary.text() and "合計 8 件" in view.summary.text()
    assert not view.note.isHidden() and "複数の分野" in view.note.text()
    assert view.chart.title() == "分野別の相談件数（令和8年度）"
    assert bars(view)["団体設立"] == 3 and bars(view)["広報・PR"] == 2
    assert view.categories.categories()[-1] == "団体設立"  # drawn at the top

    view.view.setCurrentIndex(view.view.findText("相談方法×月"))
    rows = shown_rows(view)
    assert header(view)[1] == "4月" and header(view)[12] == "3月"
    assert rows["来所"][-1] == "3" and rows["電話"][11] == "1"  # 電話 in March 2027
    assert rows["合計"][-1] == "8"
    assert view.note.isHidden()  # the rows add up here
    assert view.chart.title() == "相談方法別の相談件数（令和8年度）"
    assert bars(view) == {"その他": 1, "訪問": 1, "メール": 1, "電話": 2, "来所": 3}
    view.grab().save(str(tmp_path / "stats-view.png"))


def test_choosing_another_year_counts_it(open_view, qtbot, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    view = open_view(accounts_by_login["admin"])  # count only: may still count every facility
    with qtbot.waitSignal(view.loaded):
        view.year.setCurrentIndex(view.year.findText("令和7年度"))
    view.view.setCurrentIndex(view.view.findText("施設×月"))
    rows = shown_rows(view)
    assert rows["東部市民サービスセンター"][0] == "1"  # 2025-04-01
    assert rows["西部市民サービスセンター"][11] == "1"  # 2026-03-31
    assert rows["合計"][-1] == "2"


def test_an_advisor_sees_only_the_salon(open_view, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    view = open_view(accounts_by_login["advisor"])
    assert header(view) == ["分野", "市民交流サロン", "合計"]
    assert shown_rows(view)["広報・PR"] == ["2", "2"]
    assert "秋田市市民交流サロン" in view.summary.text()
    view.view.setCurrentIndex(view.view.findText("新規・継続×月"))
    assert shown_rows(view)["合計"][-1] == "2"
    assert bars(view) == {"匿名・不明": 0, "継続": 1, "新規": 1}


def test_excel_button_saves_the_year_on_screen(
        open_view, qtbot, accounts_by_login, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    view = open_view(accounts_by_login["officer"])
    target = tmp_path / "相談件数"
    monkeypatch.setattr(stats_view.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(view.saved) as saved:
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [str(target) + ".xlsx"]
    book = load_workbook(saved.args[0])
    assert book.sheetnames == ["分野×施設", "分野×月", "施設×月", "相談方法×月", "新規・継続×月"]
    assert book["分野×施設"]["A1"].value == "令和8年度 相談件数　分野×施設"


def test_monthly_report_button_writes_the_chosen_month(
        open_view, qtbot, accounts_by_login, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = open_view(accounts_by_login["officer"])
    offered: list[list[str]] = []

    def choose(parent, title, label, items, current, editable):  # type: ignore[no-untyped-def]
        offered.append(list(items))
        return "2026年11月", True

    target = tmp_path / "月報.pdf"
    monkeypatch.setattr(stats_view.QInputDialog, "getItem", choose)
    monkeypatch.setattr(stats_view.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(view.report_written):
        qtbot.mouseClick(view.report_button, Qt.MouseButton.LeftButton)
    assert offered[0][-1] == "2026年4月"  # newest first, back to April, in the screens' style
    assert "2026年11月" in offered[0]
    text = flat(text_of(target.read_bytes(), tmp_path))
    assert "市民活動相談月報" in text and "令和8年11月分（令和8年度）" in text  # prints: 和暦


def test_a_slow_count_of_a_year_left_behind_does_not_replace_the_one_chosen(
        open_view, qtbot, accounts_by_login, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    view = open_view(accounts_by_login["officer"])
    entered, release = threading.Event(), threading.Event()
    real = consultation_stats.fiscal_year_statistics

    def slow_for_2025(db, actor, year, **narrowed):  # type: ignore[no-untyped-def]
        if year == 2025:  # a slow count, on the worker thread
            entered.set()
            release.wait(5)
        return real(db, actor, year, **narrowed)

    monkeypatch.setattr(consultation_stats, "fiscal_year_statistics", slow_for_2025)
    try:
        view.year.setCurrentIndex(view.year.findText("令和7年度"))
        qtbot.waitUntil(entered.is_set)
        with qtbot.waitSignal(view.loaded):
            view.year.setCurrentIndex(view.year.findText("令和6年度"))  # chosen meanwhile
    finally:
        release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the slow count came too…
    assert view.year.currentText() == "令和6年度"  # …and was dropped
    assert view.summary.text().startswith("令和6年度")
