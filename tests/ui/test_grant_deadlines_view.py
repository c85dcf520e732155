"""期限の一覧: every open deadline of the grant cases, soonest first; overdue ones in red."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.ui.grants import deadlines_view
from kyodo_desk.ui.grants.deadlines_view import DeadlinesDialog, open_deadlines
from kyodo_desk.ui.grants.model import OVERDUE_TEXT
from tests.grant_fixtures import group, make_case, make_programme

TODAY = date(2026, 6, 3)


@pytest.fixture(autouse=True)
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    shown: list[BaseException] = []
    monkeypatch.setattr(deadlines_view, "show_error", lambda _p, exc, *a: shown.append(exc))
    return shown


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


@pytest.fixture
def cases(db):  # type: ignore[no-untyped-def]
    """Three cases: one still at 相談 (its 募集締切 2026-05-31 passed), one in 審査 with a
    document due today, one running with its report due in July; and a deadline done."""
    cli = Actor.command_line()
    programme = make_programme(db)
    late = make_case(db, programme.id, group(db, "あきた環境クラブ"), "雄物川の清掃")
    screened = make_case(db, programme.id, group(db, "NPO法人あきたシニアサポート"),
                         "買い物支援ボランティア", stage=Stage.SCREENING)
    running = make_case(db, programme.id, group(db, "防災ママの会あきた"), "子育て世帯の防災講座",
                        stage=Stage.IN_PROGRESS, decided=250_000)
    grant_cases.add_deadline(db, cli, screened.id, "追加資料（決算書）の提出", date(2026, 6, 3))
    grant_cases.add_deadline(db, cli, running.id, "実績報告書の提出", date(2026, 7, 10))
    done = grant_cases.add_deadline(db, cli, running.id, "中間報告", date(2026, 5, 1))
    grant_cases.complete_deadline(db, cli, next(d.id for d in done.deadlines
                                                 if d.label == "中間報告"), date(2026, 5, 1))
    return late, screened, running


def open_dialog(qtbot, db, who: Actor) -> DeadlinesDialog:  # type: ignore[no-untyped-def]
    dialog = DeadlinesDialog(db, who, today=TODAY)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.shown):
        dialog.show()
    return dialog


def rows(dialog: DeadlinesDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def test_open_deadlines_are_listed_soonest_first_and_overdue_ones_in_red(
        qtbot, db, officer, cases) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, db, officer)
    assert dialog.model.columns == ("期限", "残り日数", "事業名", "団体名", "内容")
    assert rows(dialog) == [
        ("2026年5月31日（日）", "3日超過", "雄物川の清掃", "あきた環境クラブ", "申請書類の提出（募集締切）"),
        ("2026年6月3日（水）", "今日まで", "買い物支援ボランティア", "NPO法人あきたシニアサポート",
         "追加資料（決算書）の提出"),
        ("2026年7月10日（金）", "あと37日", "子育て世帯の防災講座", "防災ママの会あきた", "実績報告書の提出"),
    ]  # the done 中間報告 is not listed
    model = dialog.model
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) == OVERDUE_TEXT
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) == OVERDUE_TEXT
    assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(2, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "3件" in dialog.summary.text() and "期限切れ 1件" in dialog.summary.text()
    assert dialog.table.currentIndex().row() == 0 and dialog.open_button.isEnabled()


def test_double_click_enter_or_the_button_choose_the_case(qtbot, db, officer, cases) -> None:  # type: ignore[no-untyped-def]
    late, screened, running = cases
    dialog = open_dialog(qtbot, db, officer)
    cell = dialog.table.visualRect(dialog.model.index(2, 2)).center()
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert dialog.result() == DeadlinesDialog.DialogCode.Accepted
    assert dialog.chosen_case_id == running.id

    dialog = open_dialog(qtbot, db, officer)
    dialog.table.selectRow(1)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.chosen_case_id == screened.id

    dialog = open_dialog(qtbot, db, officer)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_case_id == late.id


def test_open_deadlines_returns_the_case_or_none(qtbot, db, officer, cases) -> None:  # type: ignore[no-untyped-def]
    def act(choose: bool) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DeadlinesDialog) or not dialog.model.rowCount():
            QTimer.singleShot(20, lambda: act(choose))
            return
        if choose:
            dialog.table.selectRow(1)
            dialog.open_button.click()
        else:
            dialog.close_button.click()

    QTimer.singleShot(0, lambda: act(True))
    assert open_deadlines(None, db, officer) == cases[1].id
    QTimer.singleShot(0, lambda: act(False))
    assert open_deadlines(None, db, officer) is None


def test_nothing_open_says_so(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, db, officer)
    assert rows(dialog) == [] and dialog.summary.text() == "完了していない期限はありません。"
    assert not dialog.open_button.isEnabled()


def test_an_account_without_the_right_is_told_so(qtbot, db, actor, errors) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, db, actor)  # counter staff
    assert "できません" in dialog.summary.text() and errors == []


def test_the_list_is_on_screen_while_the_server_is_slow_to_answer(
        qtbot, db, officer, cases, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gate, upcoming = threading.Event(), grant_cases.upcoming_deadlines

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(60)
        return upcoming(*args, **kwargs)

    monkeypatch.setattr(grant_cases, "upcoming_deadlines", slow)
    try:
        dialog = DeadlinesDialog(db, officer, today=TODAY)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.summary.text() == "読み込んでいます…" and dialog.model.rowCount() == 0
        with qtbot.waitSignal(dialog.shown):
            gate.set()
    finally:
        gate.set()
    assert [row[2] for row in rows(dialog)] == ["雄物川の清掃", "買い物支援ボランティア",
                                               "子育て世帯の防災講座"]
