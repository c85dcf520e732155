"""The grant programme form (交付金の登録・編集) as a collaboration officer uses it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from kyodo_desk.domain.grants import STANDARD_CRITERIA, Criterion, GrantKind, Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants as svc
from kyodo_desk.services.grants import RequiredDocument
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.grants import programme_form as form_module
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
    shown: list[BaseException] = []
    for module in (form_module, drafted_form):
        monkeypatch.setattr(module, "show_error", lambda _parent, exc, *a: shown.append(exc))
    return shown


@pytest.fixture(autouse=True)
def _no_job_left_behind():  # type: ignore[no-untyped-def]
    yield
    QThreadPool.globalInstance().waitForDone()


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


def while_open(act: Callable[[ProgrammeForm], None]) -> list[BaseException]:
    """Run *act* on the modal form once open_programme_form shows it; a failure inside is
    kept (and the form closed) so that the test fails instead of hanging."""
    failures: list[BaseException] = []

    def step() -> None:
        form = QApplication.activeModalWidget()
        if not isinstance(form, ProgrammeForm):
            QTimer.singleShot(20, step)
            return
        try:
            act(form)
        except BaseException as exc:  # handed back to the test
            failures.append(exc)
        if shiboken6.isValid(form) and form.isVisible():
            form._closing = True
            form.reject()

    QTimer.singleShot(0, step)
    return failures


def save(qtbot, form: ProgrammeForm, *, stored: bool) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.save_finished, timeout=10_000) as blocker:
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

def test_an_officer_registers_a_programme_through_the_form(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    def fill(form: ProgrammeForm) -> None:
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

    failures = while_open(fill)
    saved = open_programme_form(None, db, officer)
    assert not failures, failures
    assert saved is not None
    stored = svc.get_programme(db, officer, saved.id)
    assert (stored.kind, stored.fiscal_year, stored.name) == (
        GrantKind.COMMUNITY, 2026, "秋田市地域づくり交付金")
    assert (stored.budget, stored.ceiling) == (7_000_000, 1_000_000)
    assert (stored.call_opens_on, stored.call_closes_on) == (date(2026, 4, 1), date(2026, 6, 30))
    assert stored.contact_phone == "018-866-2019"
    assert [(c.name, c.weight, c.max_score) for c in stored.criteria] == [
        ("公益性", 2, 5), ("協働の必要性", 2, 5), ("実現性", 1, 5), ("地域性", 3, 5),
        ("効果・発展性", 1, 5)]
    assert stored.documents_for(Stage.REPORTED) == ["実績報告書", "収支決算書", "写真"]


def test_a_cancelled_form_returns_nothing_and_saves_nothing(db, officer) -> None:  # type: ignore[no-untyped-def]
    def cancel(form: ProgrammeForm) -> None:
        form.name.setText("保存しない交付金")
        form.reject()  # answered 破棄して閉じる

    failures = while_open(cancel)
    assert open_programme_form(None, db, officer) is None
    assert not failures, failures
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


def test_the_same_name_in_the_same_year_is_refused_by_the_service(
        qtbot, db, open_form) -> None:  # type: ignore[no-untyped-def]
    make_programme(db)
    form = open_form(initial=programme_draft())
    save(qtbot, form, stored=False)
    assert "すでに登録されています" in error_of(form, "name") and framed(form.name)
    assert programme_count(db) == 1


# --- changing ----------------------------------------------------------------------------------

def test_an_edit_saved_elsewhere_first_shows_both_versions(
        qtbot, db, officer, admin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    shown: list[list[tuple[str, ...]]] = []

    def choose(choice: Choice):  # type: ignore[no-untyped-def]
        def exec_(dialog) -> int:  # type: ignore[no-untyped-def]
            shown.append([tuple(dialog.table.item(r, c).text() for c in range(3))
                          for r in range(dialog.table.rowCount())])
            dialog.choice = choice
            return 1
        return exec_

    def edit(form: ProgrammeForm) -> None:
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

    failures = while_open(edit)
    saved = open_programme_form(None, db, officer, programme_id=programme.id)
    assert not failures, failures
    assert saved is not None and saved.id == programme.id
    stored = svc.get_programme(db, officer, programme.id)
    assert (stored.budget, stored.ceiling) == (3_000_000, 600_000)  # saved over, knowingly


def test_a_removed_programme_is_said_so_and_no_form_opens(db, officer, errors) -> None:  # type: ignore[no-untyped-def]
    assert open_programme_form(None, db, officer, programme_id=999_999) is None
    assert len(errors) == 1 and "見つかりません" in str(errors[0])


# --- next year's copy -------------------------------------------------------------------------

def test_copy_for_next_year_opens_pre_filled_with_next_years_dates(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db, name="令和8年度 秋田市協働サポート交付金",
                               criteria=(*STANDARD_CRITERIA, Criterion("独自性", 1, 10)))
    draft = svc.copy_programme_for_next_year(db, officer, programme.id)

    def check(form: ProgrammeForm) -> None:
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

    failures = while_open(check)
    saved = open_programme_form(None, db, officer, draft=draft)
    assert not failures, failures
    assert saved is not None and saved.id != programme.id
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


def test_a_draft_survives_the_round_trip_to_disk(store: ProgrammeDraftStore) -> None:
    state = ProgrammeFormState(replace(programme_draft(), budget="3,000,000円", ceiling=0,
                                       facility_id=4), base_version=2)
    store.save("officer", 7, state)
    assert store.load("officer", 7) == state
    assert store.load("officer", 7).base_version == 2  # type: ignore[union-attr]
    assert store.path("officer", None).name == "grant-programme-officer-new.json"
