"""交付金 tab: a case from 相談 to 公表 as the collaboration officer drives it, the refusals,
what advisors and counter staff see, and finding cases."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QMainWindow

from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of, full_date
from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.demo.grants import load_demo_grants
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import create_programme, get_programme
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.grants.case_dialog import CaseDialog
from kyodo_desk.ui.grants.move_dialog import MoveDialog
from kyodo_desk.ui.grants.record_dialogs import DeadlineDialog, PaymentDialog
from kyodo_desk.ui.grants.tab import GrantsTab
from kyodo_desk.ui.operations import data_changes
from kyodo_desk.ui.tasks import pending_jobs
from tests.grant_fixtures import group, make_case, programme_draft
from tests.ui.conftest import type_text

LOST = "データベースに接続できません。"
TODAY = date.today()
YEAR = fiscal_year_of(TODAY)
APPLICATION_DOCUMENTS = ("申請書", "事業計画書", "収支予算書", "団体規約", "役員名簿")


# --- fixtures and helpers ----------------------------------------------------------------

@pytest.fixture(autouse=True)
def _questions_answered(messages, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Message boxes recorded (conftest.messages); the forms' questions answered 破棄."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def this_years_programme(db, **fields):  # type: ignore[no-untyped-def]
    """協働サポート交付金 of this fiscal year: budget 3,000,000円, ceiling 500,000円, its call
    open until a month from today."""
    draft = programme_draft(fiscal_year=YEAR, call_opens_on=date(YEAR, 4, 1),
                            call_closes_on=TODAY + timedelta(days=30))
    return create_programme(db, Actor.command_line(), replace(draft, **fields))


def settle(qtbot, tab: GrantsTab | None = None) -> None:  # type: ignore[no-untyped-def]
    """Every background answer delivered (and the search no longer waiting for typing)."""
    qtbot.waitUntil(lambda: pending_jobs() == 0 and (tab is None or not tab._timer.isActive()))


def open_tab(qtbot, db, who: Actor, *, today: date = TODAY) -> GrantsTab:  # type: ignore[no-untyped-def]
    tab = GrantsTab(db, who, today=today)
    qtbot.addWidget(tab)
    tab.resize(1400, 860)
    with qtbot.waitSignals([tab.programme_shown, tab.list_shown]):
        tab.show()
    settle(qtbot, tab)
    return tab


def tab_in_window(qtbot, db, who: Actor) -> tuple[QMainWindow, GrantsTab]:  # type: ignore[no-untyped-def]
    """The tab in a window of its own, with the status bar a window has."""
    window = QMainWindow()
    qtbot.addWidget(window)
    tab = GrantsTab(db, who, today=TODAY)
    window.setCentralWidget(tab)
    window.resize(1400, 860)
    with qtbot.waitSignals([tab.programme_shown, tab.list_shown]):
        window.show()
    settle(qtbot, tab)
    return window, tab


@contextmanager
def held(monkeypatch, module, name: str,  # type: ignore[no-untyped-def]
         when: Callable[..., bool] = lambda *_a, **_k: True) -> Iterator[threading.Event]:
    """The service *name* of *module* waits, for the calls *when* picks, until the event
    given is set: a server slow to answer. Set on leaving, so no worker is left waiting."""
    gate, service = threading.Event(), getattr(module, name)

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        if when(*args, **kwargs):
            gate.wait(60)
        return service(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
    try:
        yield gate
    finally:
        gate.set()


def budget(tab: GrantsTab) -> dict[str, str]:
    return {key: label.text() for key, label in tab.budget.values.items()}


def listed(tab: GrantsTab) -> list[tuple[str, ...]]:
    """The case list as it reads: 団体名, 事業名, 段階, 申請額, 交付決定額."""
    return [tuple(tab.model.index(r, c).data() for c in range(5))
            for r in range(tab.model.rowCount())]


def stage_shown(tab: GrantsTab) -> str:
    assert tab.panel.stage.text() == tab.panel.strip.current_text()
    return tab.panel.stage.text()


def move_buttons(tab: GrantsTab) -> list[str]:
    return [b.text() for b in tab.panel.move_buttons.values()]


def last_lines(tab: GrantsTab, count: int = 1) -> list[str]:
    return tab.panel.timeline.lines()[-count:]


def laid_out(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    """A widget just put on screen has its size once the layout has run (a click on a widget
    of no size hits nothing)."""
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.waitUntil(lambda: not widget.rect().isEmpty())


def click(qtbot, button: QAbstractButton) -> None:  # type: ignore[no-untyped-def]
    laid_out(qtbot, button)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())


def tick(qtbot, tab: GrantsTab, name: str) -> None:  # type: ignore[no-untyped-def]
    """Tick (or untick) a document on the checklist; the case is recorded and shown again."""
    check = tab.panel.documents.checks[name]
    laid_out(qtbot, check)
    with qtbot.waitSignal(tab.panel.shown):
        qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center())
    settle(qtbot, tab)


def open_dialog(qtbot, tab: GrantsTab, button: QAbstractButton, kind: type):  # type: ignore[no-untyped-def]
    click(qtbot, button)
    dialog = tab.panel.dialog
    assert isinstance(dialog, kind) and dialog.isVisible()
    return dialog


def run_dialog(qtbot, tab: GrantsTab, dialog, *, done: bool) -> None:  # type: ignore[no-untyped-def]
    """Press the dialog's OK; *done*: the service recorded it and the dialog closed."""
    with qtbot.waitSignal(dialog.finished_work) as blocker:
        click(qtbot, dialog.ok_button)
    assert blocker.args == [done]
    settle(qtbot, tab)
    assert closed(dialog) is done


def move(qtbot, tab: GrantsTab, target: Stage, comment: str = "",  # type: ignore[no-untyped-def]
         amount: str | None = None) -> MoveDialog:
    dialog = open_dialog(qtbot, tab, tab.panel.move_buttons[target], MoveDialog)
    assert not dialog.missing.isVisible(), dialog.missing.text()
    if amount is not None:
        type_over(qtbot, dialog.amount, amount)
    if comment:
        type_text(qtbot, dialog.comment, comment)
    run_dialog(qtbot, tab, dialog, done=True)
    return dialog


def type_over(qtbot, line, text: str) -> None:  # type: ignore[no-untyped-def]
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def stored_stage(db, case_id: int) -> Stage:  # type: ignore[no-untyped-def]
    return grant_cases.get_case(db, Actor.command_line(), case_id).stage


# --- (1) a case from 相談 to 公表, through the tab only ---------------------------------------

def test_an_officer_takes_a_case_from_consultation_to_publication(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    group(db, "川辺まちあかりの会")
    tab = open_tab(qtbot, db, officer)
    assert tab.chooser.currentText() == f"令和{YEAR - 2018}年度（{YEAR}）秋田市協働サポート交付金"
    assert budget(tab) == {"budget": "3,000,000円", "decided": "0円", "paid": "0円",
                           "left": "3,000,000円"}
    assert tab.empty_hint.text() == "この交付金の案件はまだありません。"

    # 新しい案件: the group from the contacts, the project, the amount as typed.
    click(qtbot, tab.new_case_button)
    form = next(f for f in tab.findChildren(CaseDialog) if f.isVisible())
    picker = form.picker
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, "まちあかり")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Return)
    assert form.title.hasFocus() and picker.note.text() == "申請団体: 川辺まちあかりの会　（市民活動団体）"
    type_text(qtbot, form.title, "川辺の灯りまつり")
    type_text(qtbot, form.department, "観光文化スポーツ部 観光振興課")
    type_text(qtbot, form.summary_text, "川辺の町並みを灯りでつなぐ夜のまつり")
    qtbot.keyClicks(form.requested, "400,000")
    with qtbot.waitSignal(tab.list_shown):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    assert closed(form)
    assert listed(tab) == [("川辺まちあかりの会", "川辺の灯りまつり", "相談", "400,000", "—")]
    case_id = tab.current_case().id  # type: ignore[union-attr]
    panel = tab.panel
    assert panel.case_id == case_id
    assert (panel.group.text(), panel.title.text()) == ("川辺まちあかりの会", "川辺の灯りまつり")
    assert f"{fiscal_year_label(YEAR)} 秋田市協働サポート交付金" in panel.subtitle.text()
    assert stage_shown(tab) == "相談"
    assert move_buttons(tab) == ["申請へ進める…", "取下げ…"]
    assert last_lines(tab, 2)[0].endswith("「相談」で受付　協働 三郎")
    assert "期限: 申請書類の提出（募集締切）" in last_lines(tab)[0]  # the call's closing day

    # The application's documents, ticked as they come in: each one on the timeline.
    for name in APPLICATION_DOCUMENTS:
        tick(qtbot, tab, name)
        assert panel.documents.checks[name].isChecked()
        assert any(line.endswith(f"{name}を受理　協働 三郎") for line in panel.timeline.lines())
    assert panel.message.text() == f"「役員名簿」を受理しました（{TODAY.year}年{TODAY.month}月{TODAY.day}日）。"

    move(qtbot, tab, Stage.APPLICATION, "書類一式を受理")
    assert stage_shown(tab) == "申請" and listed(tab)[0][2] == "申請"
    assert any(line.endswith("相談 → 申請　書類一式を受理　協働 三郎")
               for line in panel.timeline.lines())
    assert panel.deadlines.complete_buttons == {}  # the call's deadline closed by the move
    move(qtbot, tab, Stage.SCREENING)
    assert stage_shown(tab) == "審査"
    assert move_buttons(tab) == ["採択へ進める…", "不採択にする…", "取下げ…"]
    move(qtbot, tab, Stage.ADOPTED, "審査会の結果による")
    assert stage_shown(tab) == "採択"
    assert budget(tab)["decided"] == "0円"  # adopted, not yet decided

    # 交付決定: its document first, then the amount (the requested amount is offered).
    tick(qtbot, tab, "交付申請書")
    dialog = open_dialog(qtbot, tab, panel.move_buttons[Stage.GRANT_DECIDED], MoveDialog)
    assert dialog.amount.text() == "400,000"
    assert dialog.findChild(QLabel, "decisionFacts").text() == (
        "申請額 400,000円・1件あたりの上限 500,000円・予算の残り 3,000,000円")
    type_over(qtbot, dialog.amount, "350,000")
    with qtbot.waitSignal(tab.programme_shown):
        run_dialog(qtbot, tab, dialog, done=True)
    assert stage_shown(tab) == "交付決定"
    assert budget(tab) == {"budget": "3,000,000円", "decided": "350,000円", "paid": "0円",
                           "left": "2,650,000円"}
    assert listed(tab)[0][3:] == ("400,000", "350,000")
    assert panel.money.values["decided"].text() == "350,000円"
    assert panel.money.values["unpaid"].text() == "350,000円"

    move(qtbot, tab, Stage.IN_PROGRESS)
    assert stage_shown(tab) == "実施"
    # A deadline for the report, closed by itself when the report is in.
    dialog = open_dialog(qtbot, tab, panel.deadlines.add_button, DeadlineDialog)
    type_text(qtbot, dialog.label, "実績報告書の提出")
    dialog.due_on.setDate(QDate(TODAY + timedelta(days=20)))
    dialog.closes.setCurrentIndex(dialog.closes.findData(Stage.REPORTED))
    run_dialog(qtbot, tab, dialog, done=True)
    [deadline_id] = panel.deadlines.complete_buttons
    assert "あと20日" in panel.deadlines.findChild(
        QLabel, f"deadline_{deadline_id}").text()
    assert tab.model.index(0, 5).data() == full_date(TODAY + timedelta(days=20))

    for name in ("実績報告書", "収支決算書"):
        tick(qtbot, tab, name)
    move(qtbot, tab, Stage.REPORTED)
    assert stage_shown(tab) == "実績報告" and panel.deadlines.complete_buttons == {}

    # The payment (the unpaid amount is offered), then the invoice and 確定・支払.
    dialog = open_dialog(qtbot, tab, panel.money.pay_button, PaymentDialog)
    assert dialog.amount.text() == "350,000"
    with qtbot.waitSignal(tab.programme_shown):
        run_dialog(qtbot, tab, dialog, done=True)
    assert panel.money.values["paid"].text() == "350,000円"
    assert panel.money.values["unpaid"].text() == "0円"
    assert budget(tab)["paid"] == "350,000円"
    assert any(line.endswith("支払　支払 350,000円　協働 三郎") for line in panel.timeline.lines())
    tick(qtbot, tab, "請求書")
    move(qtbot, tab, Stage.SETTLED)
    assert stage_shown(tab) == "確定・支払"

    # A note, then 評価 and 公表.
    type_text(qtbot, panel.note, "団体に額の確定を通知")
    with qtbot.waitSignal(panel.changed):
        click(qtbot, panel.note_button)
    settle(qtbot, tab)
    assert panel.note.toPlainText() == ""
    assert any(line.endswith("メモ　団体に額の確定を通知　協働 三郎")
               for line in panel.timeline.lines())
    move(qtbot, tab, Stage.EVALUATED)
    move(qtbot, tab, Stage.PUBLISHED)
    assert stage_shown(tab) == "公表" and move_buttons(tab) == []
    assert listed(tab) == [("川辺まちあかりの会", "川辺の灯りまつり", "公表", "400,000",
                            "350,000")]
    assert budget(tab) == {"budget": "3,000,000円", "decided": "350,000円",
                           "paid": "350,000円", "left": "2,650,000円"}
    moves = [line.split("　")[2] for line in panel.timeline.lines() if "　段階　" in line]
    assert moves == ["「相談」で受付", "相談 → 申請", "申請 → 審査", "審査 → 採択",
                     "採択 → 交付決定", "交付決定 → 実施", "実施 → 実績報告",
                     "実績報告 → 確定・支払", "確定・支払 → 評価", "評価 → 公表"]
    assert all(line.endswith("協働 三郎") for line in panel.timeline.lines())
    bar = panel.timeline.verticalScrollBar()
    assert bar.value() == bar.maximum()  # the newest at the bottom, in view

    stored = grant_cases.get_case(db, officer, case_id)
    assert stored.stage is Stage.PUBLISHED
    assert (stored.money.decided, stored.money.net_paid) == (350_000, 350_000)
    assert get_programme(db, officer, programme.id).money.left == 2_650_000


# --- (2) refusals: said where they arise, nothing changed --------------------------------------

def test_a_move_without_its_documents_says_which_and_changes_nothing(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    case = make_case(db, programme.id, group(db), "まちなかコンサート")
    grant_cases.receive_document(db, officer, case.id, "申請書", TODAY)
    tab = open_tab(qtbot, db, officer)
    lines = tab.panel.timeline.lines()
    dialog = open_dialog(qtbot, tab, tab.panel.move_buttons[Stage.APPLICATION], MoveDialog)
    # Said before trying…
    assert dialog.missing.isVisible()
    assert "・事業計画書" in dialog.missing.text() and "・申請書\n" not in dialog.missing.text()
    # …and refused when tried anyway, in the dialog, the case as it was.
    run_dialog(qtbot, tab, dialog, done=False)
    assert dialog.summary.text() == ("「申請」に進むには、次の書類の受理が必要です: "
                                     "事業計画書、収支予算書、団体規約、役員名簿")
    assert stored_stage(db, case.id) is Stage.CONSULTATION
    dialog.reject()
    settle(qtbot, tab)
    assert stage_shown(tab) == "相談" and tab.panel.timeline.lines() == lines


def test_decisions_above_the_ceiling_or_the_budget_left_are_refused_beside_the_amount(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db, budget=950_000, ceiling=500_000)
    make_case(db, programme.id, group(db, "先に決まった会"), "先の事業", requested=500_000,
              stage=Stage.GRANT_DECIDED, decided=500_000)
    make_case(db, programme.id, group(db, "もう一つの会"), "二つ目の事業", requested=400_000,
              stage=Stage.GRANT_DECIDED, decided=400_000)
    case = make_case(db, programme.id, group(db), "まちなかコンサート", requested=480_000,
                     stage=Stage.ADOPTED)
    grant_cases.receive_document(db, officer, case.id, "交付申請書", TODAY)
    tab = open_tab(qtbot, db, officer)
    tab.select_case(case.id)
    settle(qtbot, tab)
    assert budget(tab)["left"] == "50,000円"
    assert tab.budget.warning.text() == "予算の残りが1割を切っています"
    dialog = open_dialog(qtbot, tab, tab.panel.move_buttons[Stage.GRANT_DECIDED], MoveDialog)

    type_over(qtbot, dialog.amount, "600,000")
    run_dialog(qtbot, tab, dialog, done=False)
    assert dialog.errors.message("decided") == (
        "交付決定額 600,000円 が1件あたりの上限 500,000円 を超えています。")
    assert "border" in dialog.amount.styleSheet()

    type_over(qtbot, dialog.amount, "300,000")
    run_dialog(qtbot, tab, dialog, done=False)
    assert dialog.errors.message("decided").startswith(
        "交付決定額 300,000円 が予算の残り 50,000円 を超えています")

    for typed, said in (("-5,000", "交付決定額にマイナスの金額は入力できません。"),
                        ("1200.5", "交付決定額は1円単位の整数で入力してください（小数は使えません）。")):
        type_over(qtbot, dialog.amount, typed)
        run_dialog(qtbot, tab, dialog, done=False)
        assert dialog.errors.message("decided") == said
    assert stored_stage(db, case.id) is Stage.ADOPTED
    assert get_programme(db, officer, programme.id).money.left == 50_000
    dialog.reject()
    settle(qtbot, tab)
    assert stage_shown(tab) == "採択" and budget(tab)["left"] == "50,000円"


def test_a_payment_above_the_decided_amount_or_typed_wrong_is_refused(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    case = make_case(db, programme.id, group(db), "まちなかコンサート", requested=300_000,
                     stage=Stage.GRANT_DECIDED, decided=250_000)
    tab = open_tab(qtbot, db, officer)
    panel = tab.panel
    assert not panel.money.refund_button.isEnabled()  # nothing paid, nothing to give back
    dialog = open_dialog(qtbot, tab, panel.money.pay_button, PaymentDialog)
    for typed, said in (
            ("300,000", "支払額 300,000円 を加えると、支払の合計 300,000円 が交付決定額 250,000円 を"
                        "超えます（支払済み 0円）。"),
            ("-1", "支払額にマイナスの金額は入力できません。"),
            ("12.5", "支払額は1円単位の整数で入力してください（小数は使えません）。"),
            ("", "支払額を入力してください。")):
        type_over(qtbot, dialog.amount, typed)
        if not typed:
            dialog.amount.clear()
        run_dialog(qtbot, tab, dialog, done=False)
        assert dialog.errors.message("payment") == said, typed
    assert grant_cases.get_case(db, officer, case.id).money.paid == 0
    type_over(qtbot, dialog.amount, "100,000")
    run_dialog(qtbot, tab, dialog, done=True)
    assert panel.money.values["paid"].text() == "100,000円"

    # A refund above what was paid is refused too.
    dialog = open_dialog(qtbot, tab, panel.money.refund_button, PaymentDialog)
    type_over(qtbot, dialog.amount, "150,000")
    run_dialog(qtbot, tab, dialog, done=False)
    assert dialog.errors.message("refund") == "返還額 150,000円 が支払済みの額 100,000円 を超えています。"
    type_over(qtbot, dialog.amount, "20,000")
    run_dialog(qtbot, tab, dialog, done=True)
    assert panel.money.values["returned"].text() == "20,000円"
    assert budget(tab)["paid"] == "80,000円"


def test_a_case_scored_in_the_screening_moves_on_without_a_false_conflict(  # type: ignore[no-untyped-def]
        qtbot, db, officer, monkeypatch) -> None:
    from kyodo_desk.services.grants import screening as grant_screening
    from kyodo_desk.ui.grants import screening

    programme = this_years_programme(db)
    case = make_case(db, programme.id, group(db), stage=Stage.SCREENING)
    tab = open_tab(qtbot, db, officer)
    assert stage_shown(tab) == "審査"

    # The screening dialog, in which an officer types one reviewer's sheet, then closes it
    # (the sheet stored here as the dialog stores it).
    monkeypatch.setattr(screening, "open_screening", lambda *_a: None)
    grant_screening.record_scores(db, officer, case.id, "審査員A",
                                  {c.id: 4 for c in programme.criteria})
    click(qtbot, tab.screening_button)
    settle(qtbot, tab)
    move(qtbot, tab, Stage.ADOPTED, "審査会の結果による")  # accepted: the scores' version is shown
    assert stage_shown(tab) == "採択" and stored_stage(db, case.id) is Stage.ADOPTED

    # Another counter's change meanwhile is still a conflict: refused, nothing moved.
    grant_cases.add_note(db, Actor.command_line(), case.id, "団体から電話で問い合わせ")
    dialog = open_dialog(qtbot, tab, tab.panel.move_buttons[Stage.WITHDRAWN], MoveDialog)
    type_text(qtbot, dialog.comment, "団体の事情により")
    run_dialog(qtbot, tab, dialog, done=False)
    assert "他の窓口で変更されました" in dialog.summary.text()
    assert stored_stage(db, case.id) is Stage.ADOPTED
    dialog.reject()
    settle(qtbot, tab)


def test_a_document_past_its_step_cannot_be_unticked_and_the_tick_comes_back(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    make_case(db, programme.id, group(db), "まちなかコンサート", stage=Stage.SCREENING)
    tab = open_tab(qtbot, db, officer)
    panel = tab.panel
    fold = panel.documents.folds["申請に必要な書類"]
    assert "5/5 受理" in fold.text() and not panel.documents.checks["申請書"].isVisible()
    click(qtbot, fold)  # opened to see (and touch) its documents
    tick(qtbot, tab, "申請書")
    assert panel.message.text() == "「申請書」は、必要とした段階を過ぎているため取り消せません。"
    assert panel.documents.checks["申請書"].isChecked()


def test_a_second_case_of_the_same_project_is_refused_on_the_title(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    make_case(db, programme.id, group(db, "秋田まちなか音楽の会"), "まちなかコンサート")
    tab = open_tab(qtbot, db, officer)
    form = tab.open_new_case()
    assert form is not None and form.picker is not None
    with qtbot.waitSignal(form.picker.search_finished):
        type_text(qtbot, form.picker.search, "音楽の会")
    form.picker.choose_row(0)
    type_text(qtbot, form.title, "まちなかコンサート")
    qtbot.keyClicks(form.requested, "1.5")
    with qtbot.waitSignal(form.save_finished) as blocker:
        click(qtbot, form.save_button)
    assert blocker.args == [False]
    assert form.errors.message("requested") == "申請額は1円単位の整数で入力してください（小数は使えません）。"
    form.requested.clear()
    with qtbot.waitSignal(form.save_finished) as blocker:
        click(qtbot, form.save_button)
    assert blocker.args == [False]
    assert form.errors.message("title").startswith("この団体の「まちなかコンサート」は、この募集ですでに案件")
    assert form.isVisible() and form.title.text() == "まちなかコンサート"
    assert len(grant_cases.list_cases(db, officer)) == 1
    form.reject()


def test_the_applicant_is_found_among_the_groups_or_registered_as_one(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.contacts import ContactDraft, ContactKind, create_contact
    from kyodo_desk.ui.contacts.form import ContactForm

    this_years_programme(db)
    group(db, "川辺まちあかりの会")
    create_contact(db, officer, ContactDraft(kind=ContactKind.PERSON, name="川辺 一郎"))
    tab = open_tab(qtbot, db, officer)
    form = tab.open_new_case()
    assert form is not None and form.picker is not None
    picker = form.picker
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, "川辺")
    assert picker.candidate_names() == ["川辺まちあかりの会"]  # a person applies for no grant
    picker.search.clear()
    type_text(qtbot, picker.search, "川辺の灯り実行委員会")
    kinds: list[ContactKind] = []

    def register(contact_form: ContactForm) -> int:
        kinds.append(contact_form.draft().kind)
        contact_form.group_type.setCurrentIndex(1)
        contact_form.save()
        qtbot.waitUntil(lambda: contact_form.saved is not None)  # in the background
        return contact_form.result()

    monkeypatch.setattr(ContactForm, "exec", register)
    assert picker.new_button is not None
    click(qtbot, picker.new_button)
    assert kinds == [ContactKind.GROUP]  # 「新しく登録…」 registers a group here
    assert picker.chosen is not None and picker.chosen.name == "川辺の灯り実行委員会"
    assert form.title.hasFocus()
    form.reject()


def test_editing_a_case_saves_its_fields_with_the_version_it_started_from(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    case = make_case(db, programme.id, group(db), "まちなかコンサート", stage=Stage.PUBLISHED,
                     decided=250_000)
    tab = open_tab(qtbot, db, officer)
    form = open_dialog(qtbot, tab, tab.panel.edit_button, CaseDialog)
    assert form.requested.text() == "300,000" and form.group_label.text() == "秋田まちなか音楽の会"
    type_text(qtbot, form.result_text, "4回開催し、来場者は延べ2,100人")
    with qtbot.waitSignal(form.save_finished):
        click(qtbot, form.save_button)
    settle(qtbot, tab)
    assert "来場者は延べ2,100人" in tab.panel.contents.text()
    assert grant_cases.get_case(db, officer, case.id).result == "4回開催し、来場者は延べ2,100人"

    # Changed at another counter meanwhile: refused, nothing overwritten.
    form = open_dialog(qtbot, tab, tab.panel.edit_button, CaseDialog)
    latest = grant_cases.get_case(db, officer, case.id)
    grant_cases.update_case(db, Actor.command_line(), case.id, latest.version,
                            replace(latest.as_draft(), evaluation="他の窓口の評価"))
    chosen: list[list[tuple[str, str, str]]] = []

    def keep_editing(dialog: VersionsDialog) -> int:
        chosen.append([tuple(dialog.table.item(r, c).text() for c in range(3))  # type: ignore[misc]
                       for r in range(dialog.table.rowCount())])
        dialog.choice = Choice.KEEP_EDITING
        return 0

    monkeypatch.setattr(VersionsDialog, "exec", keep_editing)
    type_text(qtbot, form.evaluation, "自分の評価")
    with qtbot.waitSignal(form.save_finished) as blocker:
        click(qtbot, form.save_button)
    assert blocker.args == [False]
    assert chosen == [[("評価", "自分の評価", "他の窓口の評価")]]
    assert grant_cases.get_case(db, officer, case.id).evaluation == "他の窓口の評価"
    form.reject()


def test_the_window_s_close_box_asks_before_an_edited_case_is_closed(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    make_case(db, programme.id, group(db), "まちなかコンサート", stage=Stage.PUBLISHED,
              decided=250_000)
    tab = open_tab(qtbot, db, officer)
    form = open_dialog(qtbot, tab, tab.panel.edit_button, CaseDialog)
    asked: list[str] = []
    answer = "continue"
    monkeypatch.setattr(drafted_form, "ask",
                        lambda _parent, title, *_a, **_k: asked.append(title) or answer)
    type_text(qtbot, form.evaluation, "自分の評価")
    form.close()
    assert asked == ["入力内容の確認"]
    assert not closed(form)
    answer = "discard"
    form.close()
    assert closed(form)


# --- (3) who sees what ---------------------------------------------------------------------

def test_advisors_read_everything_and_find_no_button_that_writes(
        qtbot, db, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    make_case(db, programme.id, group(db), "まちなかコンサート", stage=Stage.IN_PROGRESS,
              decided=250_000)
    tab = open_tab(qtbot, db, accounts_by_login["advisor"])
    panel = tab.panel
    assert stage_shown(tab) == "実施" and budget(tab)["decided"] == "250,000円"
    assert panel.timeline.lines()  # the whole history is there to read
    assert move_buttons(tab) == []
    hidden = (tab.new_case_button, tab.new_programme_button, tab.edit_programme_button,
              tab.copy_programme_button, panel.edit_button,
              panel.note, panel.note_button, panel.money.pay_button, panel.money.refund_button,
              panel.documents.add_button, panel.deadlines.add_button)
    assert [w.objectName() for w in hidden if w.isVisible()] == []
    assert panel.deadlines.complete_buttons == {}
    assert not any(c.isEnabled() for c in panel.documents.checks.values())
    assert tab.deadlines_button.isVisible() and tab.prints.button.isVisible()  # reading
    assert tab.screening_button.text() == "審査・順位…"  # the ranking, read only
    assert tab.open_new_case() is None and panel.open_move(Stage.REPORTED) is None


def test_counter_staff_have_no_grants_tab(window) -> None:  # type: ignore[no-untyped-def]
    assert window.grants is None
    assert "交付金" not in [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_the_tab_comes_after_events_for_officers(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.main_window import MainWindow

    window = MainWindow(db, officer)
    qtbot.addWidget(window)
    try:
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert titles[titles.index("イベント") + 1] == "交付金"
    finally:
        window.live.stop()


# --- (4) finding cases -----------------------------------------------------------------------

def test_search_as_you_type_and_the_stage_filter_narrow_the_list(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    load_demo_grants(db, officer, today=TODAY)
    tab = open_tab(qtbot, db, officer)
    assert tab.chooser.count() == 2 and tab.model.rowCount() == 7
    assert tab.count.text() == "7 件"

    with qtbot.waitSignal(tab.list_shown):
        type_text(qtbot, tab.search, "観光")  # the department
    assert sorted(r[1] for r in listed(tab)) == ["まちなかコンサートでにぎわい創出",
                                                 "歴史まちあるきマップの作成"]
    tab.search.clear()
    with qtbot.waitSignal(tab.list_shown):
        type_text(qtbot, tab.search, "ｼﾆｱ")  # the group, typed half-width
    assert [r[0] for r in listed(tab)] == ["NPO法人あきたシニアサポート"]
    settle(qtbot, tab)
    assert tab.panel.title.text() == "高齢者の買い物支援ボランティア"

    tab.search.clear()
    settle(qtbot, tab)
    with qtbot.waitSignal(tab.list_shown):
        tab.stage_filter.setCurrentIndex(tab.stage_filter.findData(Stage.SCREENING))
    assert [r[1:3] for r in listed(tab)] == [("高齢者の買い物支援ボランティア", "審査")]
    with qtbot.waitSignal(tab.list_shown):
        type_text(qtbot, tab.search, "存在しない事業")
    assert listed(tab) == [] and tab.empty_hint.text() == "条件に合う案件はありません。"
    settle(qtbot, tab)
    assert tab.panel.pages.currentIndex() == 0  # nothing chosen, nothing shown

    # Esc clears both; the other programme lists its own cases and budget.
    qtbot.keyClick(tab.search, Qt.Key.Key_Escape)
    settle(qtbot, tab)
    assert tab.model.rowCount() == 7
    with qtbot.waitSignals([tab.list_shown, tab.programme_shown]):
        tab.chooser.setCurrentIndex(1)
    settle(qtbot, tab)
    assert "地域づくり交付金" in tab.chooser.currentText()
    assert tab.model.rowCount() == 5 and budget(tab)["budget"] == "7,000,000円"


def test_overdue_deadlines_are_red_in_the_list(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.grants.model import DEADLINE_COLUMN, OVERDUE_TEXT

    programme = this_years_programme(db)
    late = make_case(db, programme.id, group(db), "まちなかコンサート")
    grant_cases.add_deadline(db, officer, late.id, "追加資料の提出", date(YEAR, 4, 2))
    tab = open_tab(qtbot, db, officer)
    index = tab.model.index(0, DEADLINE_COLUMN)
    assert index.data() == f"{YEAR}年4月2日"
    assert index.data(Qt.ItemDataRole.ForegroundRole) == OVERDUE_TEXT
    assert "超過" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_on_the_counter_pc_the_list_gives_its_width_to_the_names(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    """At 1280 pixels 団体名 and 事業名 read ten characters or more, the stage, amounts and
    deadline read whole, and a name still cut shows whole in its tooltip."""
    from kyodo_desk.ui.grants.model import (
        DEADLINE_COLUMN,
        DECIDED_COLUMN,
        GROUP_COLUMN,
        REQUESTED_COLUMN,
        STAGE_COLUMN,
        TITLE_COLUMN,
    )

    load_demo_grants(db, officer, today=TODAY)
    window, tab = tab_in_window(qtbot, db, officer)
    with qtbot.waitSignal(tab.list_shown):
        window.resize(1280, 780)  # the main window's size on the counter PC
        tab.refresh()
    table, model = tab.table, tab.model
    header = table.horizontalHeader()
    ten_characters = table.fontMetrics().horizontalAdvance("交" * 10)
    for column in (GROUP_COLUMN, TITLE_COLUMN):
        assert header.sectionSize(column) >= ten_characters
    for column in (STAGE_COLUMN, REQUESTED_COLUMN, DECIDED_COLUMN, DEADLINE_COLUMN):
        assert header.sectionSize(column) >= table.sizeHintForColumn(column)
    assert sum(header.sectionSize(c) for c in range(model.columnCount())) \
        <= table.viewport().width()  # no scrolling sideways
    for row in range(model.rowCount()):
        case = model.entry(row)
        assert case is not None
        assert model.index(row, TITLE_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == case.title
        assert model.index(row, GROUP_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == \
            case.group_name


# --- the programme's buttons call the other dialogs ------------------------------------------

needs_programme_form = pytest.mark.skipif(
    importlib.util.find_spec("kyodo_desk.ui.grants.programme_form") is None,
    reason="the programme form is not there yet")


@needs_programme_form
def test_a_programme_saved_in_its_form_is_chosen_with_its_budget(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.grants import programme_form

    this_years_programme(db)
    tab = open_tab(qtbot, db, officer)
    calls: list[dict[str, Any]] = []

    def fake_form(parent, db_, actor, *, programme_id=None, draft=None, saved):  # type: ignore[no-untyped-def]
        calls.append({"programme_id": programme_id, "draft": draft, "saved": saved})

    monkeypatch.setattr(programme_form, "open_programme_form", fake_form)
    click(qtbot, tab.edit_programme_button)
    assert [(c["programme_id"], c["draft"]) for c in calls] == [(tab.programme.id, None)]  # type: ignore[union-attr]
    click(qtbot, tab.copy_programme_button)  # next year's draft is read first
    qtbot.waitUntil(lambda: len(calls) == 2)
    draft = calls[-1]["draft"]
    assert calls[-1]["programme_id"] is None and draft.fiscal_year == YEAR + 1
    stored = create_programme(db, officer, draft)  # what the form's 保存 stores
    with qtbot.waitSignals([tab.programme_shown, tab.list_shown]):
        calls[-1]["saved"](stored)
    settle(qtbot, tab)
    assert tab.chooser.currentText().startswith(f"令和{YEAR + 1 - 2018}年度（{YEAR + 1}）")
    assert tab.chooser.count() == 2 and budget(tab)["budget"] == "3,000,000円"


@pytest.mark.skipif(importlib.util.find_spec("kyodo_desk.ui.grants.deadlines_view") is None,
                    reason="the deadline list is not there yet")
def test_a_case_chosen_in_the_deadline_list_is_shown_in_its_programme(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.grants import deadlines_view

    load_demo_grants(db, officer, today=TODAY)
    wanted = next(c for c in grant_cases.list_cases(db, officer)
                  if c.title == "岩見三内の里山保全と体験交流")
    tab = open_tab(qtbot, db, officer)
    assert "協働サポート" in tab.chooser.currentText()
    monkeypatch.setattr(deadlines_view, "open_deadlines", lambda *_a: wanted.id)
    click(qtbot, tab.deadlines_button)
    qtbot.waitUntil(lambda: tab.panel.case_id == wanted.id)
    settle(qtbot, tab)
    assert "地域づくり交付金" in tab.chooser.currentText()
    assert tab.current_case().id == wanted.id  # type: ignore[union-attr]
    assert stage_shown(tab) == "実績報告"


@pytest.mark.skipif(importlib.util.find_spec("kyodo_desk.leaflets.grant_call") is None,
                    reason="the grant leaflets are not there yet")
def test_the_call_for_applications_is_made_in_the_background_and_previewed(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    this_years_programme(db)
    tab = open_tab(qtbot, db, officer)
    tab.prints.actions["grant-call"].trigger()
    qtbot.waitUntil(lambda: tab.prints.preview is not None)
    preview = tab.prints.preview
    assert preview is not None and preview.document.pageCount() >= 1
    assert preview.windowTitle() == f"募集案内 — {fiscal_year_label(YEAR)} 秋田市協働サポート交付金"
    preview.close()


@pytest.mark.skipif(importlib.util.find_spec("kyodo_desk.exports.grants") is None,
                    reason="the results export is not there yet")
def test_the_years_adopted_projects_are_saved_where_the_officer_chose(
        qtbot, db, officer, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    load_demo_grants(db, officer, today=TODAY)
    tab = open_tab(qtbot, db, officer)
    target = tmp_path / "採択事業一覧"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(target), "CSV（カンマ区切り） (*.csv)"))
    with qtbot.waitSignal(tab.prints.exported) as blocker:
        tab.prints.export_action.trigger()
    written = tmp_path / "採択事業一覧.csv"
    assert blocker.args == [str(written)]
    text = written.read_text(encoding="utf-8-sig")
    assert "放課後こども食堂と学習支援" in text and "西部防災マップづくり" not in text


def test_a_consultation_about_the_case_is_on_its_timeline_and_opens_from_there(
        qtbot, db, officer, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QUrl

    from kyodo_desk.services.consultations import ConsultationDraft, create_consultation
    from kyodo_desk.ui.consultations.form import ConsultationForm
    from tests.consultation_fields import valid

    programme = this_years_programme(db)
    case = make_case(db, programme.id, group(db), "まちなかコンサート")
    consultation = create_consultation(db, officer, ConsultationDraft(**valid({
        "held_on": TODAY, "facility_id": facilities["central"],
        "asked": "申請書の書き方と、収支予算書の様式について", "grant_case_id": case.id})))
    tab = open_tab(qtbot, db, officer)
    [line] = [x for x in tab.panel.timeline.lines() if "　相談　" in x]
    assert "相談（中央市民サービスセンター）　申請書の書き方と、収支予算書の様式について" in line
    assert f"consultation:{consultation.id}" in tab.panel.timeline.toHtml()

    tab.panel.timeline.anchorClicked.emit(QUrl(f"consultation:{consultation.id}"))
    qtbot.waitUntil(lambda: isinstance(tab.panel.dialog, ConsultationForm))
    form = tab.panel.dialog
    assert form.asked.toPlainText() == "申請書の書き方と、収支予算書の様式について"
    form.reject()
    settle(qtbot, tab)

    # An advisor of the salon reads the case, not a consultation of another facility.
    other = open_tab(qtbot, db, accounts_by_login["advisor"])
    [line] = [x for x in other.panel.timeline.lines() if "　相談　" in x]
    assert "（内容はこのアカウントでは表示できません）" in line
    assert "consultation:" not in other.panel.timeline.toHtml()


# --- off the GUI thread: the window answers while the server works ------------------------------

def test_only_the_last_search_shows_when_an_earlier_one_answers_late(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    load_demo_grants(db, officer, today=TODAY)
    tab = open_tab(qtbot, db, officer)
    with held(monkeypatch, grant_cases, "list_cases",
              lambda *_a, query="", **_k: query == "観光") as gate:
        type_text(qtbot, tab.search, "観光")
        qtbot.waitUntil(lambda: not tab._timer.isActive())  # asked; the server is slow
        tab.search.clear()
        with qtbot.waitSignal(tab.list_shown):
            type_text(qtbot, tab.search, "ｼﾆｱ")
        assert [r[0] for r in listed(tab)] == ["NPO法人あきたシニアサポート"]
        gate.set()  # the first search answers now, after the one typed since
        settle(qtbot, tab)
    assert [r[0] for r in listed(tab)] == ["NPO法人あきたシニアサポート"]
    assert tab.count.text() == "1 件"
    assert tab.panel.title.text() == "高齢者の買い物支援ボランティア"


def test_a_case_read_late_does_not_come_back_over_the_case_chosen_since(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    first = make_case(db, programme.id, group(db, "先の会"), "先の事業")
    second = make_case(db, programme.id, group(db, "後の会"), "後の事業")
    tab = open_tab(qtbot, db, officer)
    tab.select_case(second.id)
    settle(qtbot, tab)
    with held(monkeypatch, grant_cases, "get_case",
              lambda _db, _actor, case_id: case_id == first.id) as gate:
        tab.select_case(first.id)  # its reading is slow…
        with qtbot.waitSignal(tab.panel.shown):
            tab.select_case(second.id)  # …and the officer has moved on
        assert tab.panel.title.text() == "後の事業"
        gate.set()
        settle(qtbot, tab)
    assert tab.panel.case_id == second.id and tab.panel.title.text() == "後の事業"
    assert tab.current_case().id == second.id  # type: ignore[union-attr]


def test_a_move_waits_in_its_dialog_and_is_then_told_to_every_open_view(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    programme = this_years_programme(db)
    case = make_case(db, programme.id, group(db), "まちなかコンサート", stage=Stage.SCREENING)
    tab = open_tab(qtbot, db, officer)
    with held(monkeypatch, grant_cases, "move_case") as gate:
        dialog = open_dialog(qtbot, tab, tab.panel.move_buttons[Stage.ADOPTED], MoveDialog)
        click(qtbot, dialog.ok_button)
        # The window answers while the server works; the dialog says so and keeps its fields.
        assert dialog.summary.text() == "記録しています…"
        assert not dialog.ok_button.isEnabled() and not dialog.content.isEnabled()
        dialog.reject()  # closing now would lose the answer under way
        assert dialog.isVisible()
        with qtbot.waitSignal(data_changes().changed) as told, \
                qtbot.waitSignal(dialog.finished_work):
            gate.set()
    assert "grant_cases" in told.args[0]
    settle(qtbot, tab)
    assert closed(dialog) and stage_shown(tab) == "採択"
    assert stored_stage(db, case.id) is Stage.ADOPTED


def test_a_lost_connection_while_reading_the_list_is_said_in_the_status_bar(
        qtbot, db, officer, monkeypatch, messages) -> None:  # type: ignore[no-untyped-def]
    this_years_programme(db)
    window, tab = tab_in_window(qtbot, db, officer)

    def unreachable(*_a, **_k):  # type: ignore[no-untyped-def]
        raise ConnectionLost(LOST)

    monkeypatch.setattr(grant_cases, "list_cases", unreachable)
    type_text(qtbot, tab.search, "まち")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == LOST)
    settle(qtbot, tab)
    assert messages == []  # no dialog to dismiss while the list refreshes


@pytest.mark.skipif(importlib.util.find_spec("kyodo_desk.leaflets.grant_call") is None,
                    reason="the grant leaflets are not there yet")
def test_a_lost_connection_while_making_a_paper_is_said_in_the_status_bar(
        qtbot, db, officer, monkeypatch, messages) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk import leaflets

    this_years_programme(db)
    window, tab = tab_in_window(qtbot, db, officer)

    def unreachable(*_a, **_k):  # type: ignore[no-untyped-def]
        raise ConnectionLost(LOST)

    monkeypatch.setattr(leaflets, "render", unreachable)
    tab.prints.actions["grant-call"].trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == LOST)
    assert messages == [] and tab.prints.preview is None
