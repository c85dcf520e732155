"""The grant programme form (交付金の登録・編集) as a collaboration officer uses it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.domain.grants import STANDARD_CRITERIA, Criterion, GrantKind, Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants as svc
from kyodo_desk.services.grants import ProgrammeDetail, RequiredDocument
from kyodo_desk.ui import drafted_form, operations
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.grants.programme_form import (
    ProgrammeDraftStore,
    ProgrammeForm,
    ProgrammeFormState,
    open_programme_form,
)
from tests.grant_fixtures import make_programme, programme_draft
from tests.ui.conftest import type_text


@pytest.fixture(autouse=True)
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The form's questions (restore a draft? discard on close?) answered without a box."""
    given = {"入力途中の内容": "discard", "入力内容の確認": "discard"}
    monkeypatch.setattr(drafted_form, "ask", lambda _parent, title, *_a, **_k: given[title])
    return given


@pytest.fixture(autouse=True)
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """The error dialogs, recorded instead of shown (a failed read is shown by operations)."""
    shown: list[BaseException] = []
    for module in (operations, drafted_form):
        monkeypatch.setattr(module, "show_error", lambda _parent, exc, *a: shown.append(exc))
    return shown


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


@pytest.fixture
def store(tmp_path: Path) -> ProgrammeDraftStore:
    return ProgrammeDraftStore(tmp_path / "drafts")


@pytest.fixture
def open_form(qtbot, db, officer, store):  # type: ignore[no-untyped-def]
    def make(detail=None, initial=None) -> ProgrammeForm:  # type: ignore[no-untyped-def]
        form = ProgrammeForm(db, officer, detail=detail, initial=initial, drafts=store)
        qtbot.addWidget(form)
        form.show()
        form.activateWindow()
        qtbot.waitActive(form)
        return form
    return make


@pytest.fixture
def tab(qtbot):  # type: ignore[no-untyped-def]
    """What opens the form: the 交付金 tab, in its own window."""
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QWidget())
    window.show()
    yield window.centralWidget()
    window.close()


def opened(qtbot, tab: QWidget, db, officer, **how) -> tuple[ProgrammeForm, list[ProgrammeDetail]]:  # type: ignore[no-untyped-def]
    """The form open_programme_form shows, modal, once it has read what it needs; and the
    list that receives what it saves."""
    saved: list[ProgrammeDetail] = []
    open_programme_form(tab, db, officer, saved=saved.append, **how)
    qtbot.waitUntil(lambda: tab.findChild(ProgrammeForm) is not None)
    form = tab.findChild(ProgrammeForm)
    assert form.isVisible() and QApplication.activeModalWidget() is form
    return form, saved


def closed(form: ProgrammeForm) -> bool:
    return not shiboken6.isValid(form) or not form.isVisible()


def save(qtbot, form: ProgrammeForm, *, stored: bool) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.save_finished) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [stored]


def error_of(form: ProgrammeForm, name: str) -> str:
    line = form.findChild(QLabel, f"error_{name}")
    return line.text() if line.isVisible() else ""


def framed(widget) -> bool:  # type: ignore[no-untyped-def]
    return "border" in widget.styleSheet()


def programme_count(db) -> int:  # type: ignore[no-untyped-def]
    return len(svc.list_programmes(db, Actor.command_line()))


# --- registering -----------------------------------------------------------------------------

def test_an_officer_registers_a_programme_through_the_form(qtbot, db, officer, tab) -> None:  # type: ignore[no-untyped-def]
    form, saved = opened(qtbot, tab, db, officer)
    assert form.windowTitle() == "交付金の登録"
    # A new programme starts with the guideline's criteria and documents.
    assert form.criteria.criteria() == STANDARD_CRITERIA
    assert form.documents.lines[Stage.APPLICATION].text() == (
        "申請書、事業計画書、収支予算書、団体規約、役員名簿")
    assert form.documents.documents() == svc.standard_documents()
    form.kind.setCurrentIndex(form.kind.findData(GrantKind.COMMUNITY))
    form.fiscal_year.setValue(2026)
    assert form.era.text() == "（令和8年度）"
    type_text(qtbot, form.name, "秋田市地域づくり交付金")
    type_text(qtbot, form.purpose, "地域まちづくり計画に基づく事業を支援します。")
    form.opens_on.setDate(QDate(2026, 4, 1))
    form.closes_on.setDate(QDate(2026, 6, 30))
    type_text(qtbot, form.budget, "7,000,000")
    type_text(qtbot, form.ceiling, "1,000,000円")
    type_text(qtbot, form.contact_phone, "0188662019")
    # A criterion added at the end, moved up two, and the last standard one removed.
    line = form.criteria.add_line()
    type_text(qtbot, line.name, "地域性")
    line.weight.setValue(3)
    assert form.criteria.lines[-1].full.text() == "15点"
    form.criteria.move_line(line, -1)
    form.criteria.move_line(form.criteria.lines[-2], -1)
    assert form.focusWidget() is form.criteria.lines[-3].name  # the cursor moved along
    form.criteria.remove_line(form.criteria.lines[-1])  # 予算の妥当性
    assert form.criteria.total.text().startswith("審査員1人の満点: 45点")
    form.documents.lines[Stage.REPORTED].setText("実績報告書、収支決算書、写真")
    save(qtbot, form, stored=True)

    assert closed(form) and len(saved) == 1
    stored = svc.get_programme(db, officer, saved[0].id)
    assert (stored.kind, stored.fiscal_year, stored.name) == (
        GrantKind.COMMUNITY, 2026, "秋田市地域づくり交付金")
    assert (stored.budget, stored.ceiling) == (7_000_000, 1_000_000)
    assert (stored.call_opens_on, stored.call_closes_on) == (date(2026, 4, 1), date(2026, 6, 30))
    assert stored.contact_phone == "018-866-2019"
    assert [(c.name, c.weight, c.max_score) for c in stored.criteria] == [
        ("公益性", 2, 5), ("協働の必要性", 2, 5), ("実現性", 1, 5), ("地域性", 3, 5),
        ("効果・発展性", 1, 5)]
    assert stored.documents_for(Stage.REPORTED) == ["実績報告書", "収支決算書", "写真"]


def test_a_cancelled_form_returns_nothing_and_saves_nothing(qtbot, db, officer, tab) -> None:  # type: ignore[no-untyped-def]
    form, saved = opened(qtbot, tab, db, officer)
    form.name.setText("保存しない交付金")
    form.reject()  # answered 破棄して閉じる
    assert closed(form) and saved == []
    assert programme_count(db) == 0


# --- refused input -----------------------------------------------------------------------------

def test_bad_input_is_shown_at_its_field_and_kept(qtbot, db, open_form) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_text(qtbot, form.name, "秋田市協働サポート交付金")
    type_text(qtbot, form.budget, "-300000")
    save(qtbot, form, stored=False)
    assert "マイナス" in error_of(form, "budget") and framed(form.budget)
    assert form.focusWidget() is form.budget and form.budget.text() == "-300000"
    assert error_of(form, "name") == "" and not framed(form.name)

    form.budget.setText("3000000.5")
    save(qtbot, form, stored=False)
    assert "小数" in error_of(form, "budget")

    form.budget.setText("3,000,000")
    form.ceiling.setText("5,000,000")
    form.opens_on.setDate(QDate(2026, 5, 1))
    form.closes_on.setDate(QDate(2026, 4, 30))
    save(qtbot, form, stored=False)
    assert error_of(form, "budget") == "" and not framed(form.budget)
    assert error_of(form, "ceiling") == "1件あたりの上限額が予算額を超えています。"
    assert framed(form.ceiling)
    assert error_of(form, "call_opens_on") == "募集の締切日が募集開始日より前です。"
    assert framed(form.closes_on) and not framed(form.opens_on)
    assert form.focusWidget() is form.closes_on  # the first field at fault, in form order

    form.ceiling.setText("500,000")
    form.closes_on.setDate(QDate(2026, 5, 31))
    form.criteria.lines[2].name.setText("公益性")  # the same criterion twice
    save(qtbot, form, stored=False)
    assert error_of(form, "criteria") == "審査の観点「公益性」が重複しています。"
    assert [framed(line.name) for line in form.criteria.lines] == [
        True, False, True, False, False]
    assert error_of(form, "ceiling") == "" and error_of(form, "call_opens_on") == ""
    assert programme_count(db) == 0

    form.criteria.lines[2].name.setText("実現性")
    form.documents.lines[Stage.SETTLED].setText("請求書、請求書")
    save(qtbot, form, stored=False)
    assert "同じ書類" in error_of(form, "documents")
    assert framed(form.documents.lines[Stage.SETTLED])
    assert not framed(form.documents.lines[Stage.APPLICATION])

    form.documents.lines[Stage.SETTLED].setText("請求書")
    save(qtbot, form, stored=True)
    assert programme_count(db) == 1 and form.saved.budget == 3_000_000


def retype(qtbot, box, text: str) -> None:  # type: ignore[no-untyped-def]
    """Over what the box holds, as typed (full-width as the IME gives it)."""
    box.setFocus()
    box.selectAll()
    type_text(qtbot, box, text)


def test_a_year_weight_or_highest_score_is_kept_as_typed_or_refused_under_it(
        qtbot, db, open_form) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_text(qtbot, form.name, "秋田市協働サポート交付金")
    type_text(qtbot, form.budget, "3,000,000")
    public, need = form.criteria.lines[0], form.criteria.lines[1]  # 公益性, 協働の必要性
    retype(qtbot, form.fiscal_year, "20266")
    retype(qtbot, public.weight, "0")
    retype(qtbot, need.max_score, "abc")
    assert public.full.text() == need.full.text() == "—"
    assert form.criteria.total.text().startswith("審査員1人の満点: —")
    assert form.era.text() == ""

    save(qtbot, form, stored=False)
    assert (form.fiscal_year.text(), public.weight.text(), need.max_score.text()) == (
        "20266", "0", "abc")
    assert error_of(form, "fiscal_year") == "年度は2000〜2099年度の範囲で入力してください。"
    assert error_of(form, "criteria").splitlines() == [
        "「公益性」の重みは1〜10の範囲で入力してください。",
        "「協働の必要性」の満点は数字で入力してください（「abc」は数として読めません）。"]
    assert framed(form.fiscal_year) and framed(public.weight) and framed(need.max_score)
    assert not framed(public.name) and not framed(need.weight)
    assert form.focusWidget() is form.fiscal_year
    assert programme_count(db) == 0

    retype(qtbot, form.fiscal_year, "２０２６")
    retype(qtbot, public.weight, "3")
    retype(qtbot, need.max_score, "10点")
    assert form.era.text() == "（令和8年度）" and need.full.text() == "20点"
    save(qtbot, form, stored=True)
    stored = svc.get_programme(db, Actor.command_line(), form.saved.id)
    assert stored.fiscal_year == 2026
    assert [(c.name, c.weight, c.max_score) for c in stored.criteria[:2]] == [
        ("公益性", 3, 5), ("協働の必要性", 2, 10)]


def test_the_same_name_in_the_same_year_is_refused_by_the_service(
        qtbot, db, open_form) -> None:  # type: ignore[no-untyped-def]
    make_programme(db)
    form = open_form(initial=programme_draft())
    save(qtbot, form, stored=False)
    assert "すでに登録されています" in error_of(form, "name") and framed(form.name)
    assert programme_count(db) == 1


def test_ctrl_enter_saves_and_enter_alone_does_not(qtbot, db, open_form) -> None:  # type: ignore[no-untyped-def]
    form = open_form(initial=programme_draft())
    qtbot.waitUntil(form.isActiveWindow)  # a shortcut answers in the active window only
    form.name.setFocus()
    qtbot.keyClick(form.name, Qt.Key.Key_Return)
    assert programme_count(db) == 0 and form.isVisible()
    with qtbot.waitSignal(form.save_finished) as blocker:
        qtbot.keyClick(form.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [True] and programme_count(db) == 1


# --- changing ----------------------------------------------------------------------------------

def test_an_edit_saved_elsewhere_first_shows_both_versions(
        qtbot, db, officer, admin, monkeypatch, tab) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    shown: list[list[tuple[str, ...]]] = []

    def choose(choice: Choice):  # type: ignore[no-untyped-def]
        def exec_(dialog) -> int:  # type: ignore[no-untyped-def]
            shown.append([tuple(dialog.table.item(r, c).text() for c in range(3))
                          for r in range(dialog.table.rowCount())])
            dialog.choice = choice
            return 1
        return exec_

    form, saved = opened(qtbot, tab, db, officer, programme_id=programme.id)
    assert form.windowTitle() == "交付金の編集"
    assert form.budget.text() == "3,000,000" and form.ceiling.text() == "500,000"
    form.ceiling.setText("600,000")
    theirs = svc.get_programme(db, admin, programme.id)  # another counter saves first
    svc.update_programme(db, admin, programme.id, theirs.version,
                         replace(theirs.as_draft(), budget=3_500_000))
    monkeypatch.setattr(VersionsDialog, "exec", choose(Choice.KEEP_EDITING))
    save(qtbot, form, stored=False)
    assert shown[-1] == [("予算額", "3,000,000円", "3,500,000円"),
                         ("1件あたりの上限額", "600,000円", "500,000円")]
    assert form.ceiling.text() == "600,000" and form.isVisible()  # what was typed stays
    monkeypatch.setattr(VersionsDialog, "exec", choose(Choice.SAVE_MINE))
    save(qtbot, form, stored=True)

    assert closed(form) and [s.id for s in saved] == [programme.id]
    stored = svc.get_programme(db, officer, programme.id)
    assert (stored.budget, stored.ceiling) == (3_000_000, 600_000)  # saved over, knowingly


def test_a_removed_programme_is_said_so_and_no_form_opens(qtbot, db, officer, errors,
                                                          tab) -> None:  # type: ignore[no-untyped-def]
    saved: list[ProgrammeDetail] = []
    open_programme_form(tab, db, officer, saved=saved.append, programme_id=999_999)
    qtbot.waitUntil(lambda: bool(errors))
    assert len(errors) == 1 and "見つかりません" in str(errors[0])
    assert tab.findChild(ProgrammeForm) is None and saved == []


def test_a_lost_connection_while_reading_the_programme_is_said_in_the_status_bar(
        qtbot, db, officer, errors, tab, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The programme is read off the GUI thread before its form opens; a server gone meanwhile
    is said where the window says it, without a dialog to dismiss, and no form opens."""
    programme = make_programme(db)

    def unreachable(*_a, **_k):  # type: ignore[no-untyped-def]
        raise ConnectionLost("データベースに接続できません。")

    monkeypatch.setattr(svc, "get_programme", unreachable)
    saved: list[ProgrammeDetail] = []
    open_programme_form(tab, db, officer, saved=saved.append, programme_id=programme.id)
    status = tab.window().statusBar()
    qtbot.waitUntil(lambda: status.currentMessage() == "データベースに接続できません。")
    assert errors == [] and tab.findChild(ProgrammeForm) is None and saved == []


# --- next year's copy -------------------------------------------------------------------------

def test_copy_for_next_year_opens_pre_filled_with_next_years_dates(
        qtbot, db, officer, tab) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db, name="令和8年度 秋田市協働サポート交付金",
                               criteria=(*STANDARD_CRITERIA, Criterion("独自性", 1, 10)))
    draft = svc.copy_programme_for_next_year(db, officer, programme.id)

    form, saved = opened(qtbot, tab, db, officer, draft=draft)
    assert "コピー" in form.windowTitle() and form.record_id is None
    assert form.fiscal_year.value() == 2027 and form.era.text() == "（令和9年度）"
    assert form.name.text() == "令和9年度 秋田市協働サポート交付金"
    assert form.opens_on.date() == QDate(2027, 4, 1)
    assert form.closes_on.date() == QDate(2027, 5, 31)
    assert (form.budget.text(), form.ceiling.text()) == ("3,000,000", "500,000")
    assert form.criteria.criteria()[-1] == Criterion("独自性", 1, 10)
    assert form.documents.documents() == programme.documents
    assert programme_count(db) == 1  # nothing is stored until 保存
    save(qtbot, form, stored=True)

    assert closed(form) and len(saved) == 1
    [saved] = saved
    assert saved.id != programme.id
    assert (saved.fiscal_year, saved.call_opens_on) == (2027, date(2027, 4, 1))
    assert programme_count(db) == 2


# --- drafts ------------------------------------------------------------------------------------

def test_what_was_typed_is_kept_as_a_draft_and_offered_back(
        qtbot, open_form, officer, store, answers) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_text(qtbot, form.name, "市民活動スタート支援金")
    type_text(qtbot, form.budget, "1,200,000")
    form.criteria.add_line().name.setText("新規性")
    form.documents.lines[Stage.IN_PROGRESS].setText("中間報告書")
    answers["入力内容の確認"] = "keep"
    form.reject()  # Esc: 下書きを残して閉じる
    assert store.exists(officer.login, None)

    answers["入力途中の内容"] = "restore"
    again = open_form()
    assert again.name.text() == "市民活動スタート支援金"
    assert again.budget.text() == "1,200,000"
    assert again.criteria.criteria()[-1] == Criterion("新規性", 1, 5)
    assert RequiredDocument(Stage.IN_PROGRESS, "中間報告書") in again.documents.documents()


def test_a_weight_that_is_not_a_number_comes_back_from_the_draft_as_typed(
        qtbot, open_form, officer, store, answers) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_text(qtbot, form.name, "市民活動スタート支援金")
    retype(qtbot, form.criteria.lines[0].weight, "2.5")
    answers["入力内容の確認"] = "keep"
    form.reject()  # Esc: 下書きを残して閉じる
    assert store.exists(officer.login, None)

    answers["入力途中の内容"] = "restore"
    again = open_form()
    assert again.name.text() == "市民活動スタート支援金"
    assert again.criteria.lines[0].weight.text() == "2.5"  # not 25, not a broken draft
    again.criteria.lines[0].down.click()
    assert [line.weight.text() for line in again.criteria.lines[:2]] == ["2", "2.5"]
    assert again.criteria.lines[1].name.text() == "公益性"  # the 重み moved with its line


def test_a_draft_survives_the_round_trip_to_disk(store: ProgrammeDraftStore) -> None:
    state = ProgrammeFormState(replace(programme_draft(), budget="3,000,000円", ceiling=0,
                                       facility_id=4), base_version=2)
    store.save("officer", 7, state)
    assert store.load("officer", 7) == state
    assert store.load("officer", 7).base_version == 2  # type: ignore[union-attr]
    assert store.path("officer", None).name == "grant-programme-officer-new.json"


def test_a_draft_kept_before_the_update_shows_its_numbers_as_typed(
        store: ProgrammeDraftStore) -> None:
    """Such a draft kept a box's text in the number's own place; it still reads as typed, and
    the programme in it carries numbers only."""
    store.save("officer", None, ProgrammeFormState(programme_draft()))
    path = store.path("officer", None)
    kept = json.loads(path.read_text(encoding="utf-8"))
    del kept["numbers_typed"]
    kept["draft"]["fiscal_year"] = "20266"
    kept["draft"]["criteria"][1]["weight"] = "2.5"
    path.write_text(json.dumps(kept), encoding="utf-8")
    state = store.load("officer", None)
    assert state is not None
    assert state.numbers_typed == {"fiscal_year": "20266", "criteria.1.weight": "2.5"}
    assert (state.draft.fiscal_year, state.draft.criteria[1].weight) == (0, 0)
    store.save("officer", None, state)
    assert store.load("officer", None) == state
