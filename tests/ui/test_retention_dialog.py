"""相談記録の保存年限 dialog, driven as the administrator would, with the work done off the
GUI thread and the confirmation answered by the test."""

from __future__ import annotations

import gc
from datetime import date, time, timedelta

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QMainWindow, QMessageBox
from sqlalchemy import func, select

from kyodo_desk.domain.errors import ConnectionLost, ValidationError
from kyodo_desk.models import Consultation
from kyodo_desk.services import consultations as cons
from kyodo_desk.services import contacts, retention
from kyodo_desk.services.retention import ANONYMISED_TEXT
from kyodo_desk.ui.admin.retention_dialog import FOREVER, RetentionDialog
from kyodo_desk.ui.tasks import pending_jobs
from tests.consultation_fields import valid

TODAY = date.today()


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


@pytest.fixture
def old_records(db, accounts_by_login) -> list[int]:  # type: ignore[no-untyped-def]
    """Three records held over three years ago and one from last month."""
    officer = accounts_by_login["officer"]
    east = next(f.id for f in contacts.list_facilities(db, officer) if f.code == "east")
    days = [TODAY - timedelta(days=d) for d in (3 * 366 + 10, 3 * 366 + 20, 4 * 366, 30)]
    return [cons.create_consultation(db, officer, cons.ConsultationDraft(
        held_on=day, facility_id=east, start_time=time(10),
        asked="会計担当の個人的な事情についての相談。", **valid({}))).id for day in days]


@pytest.fixture
def open_dialog(qtbot, db):  # type: ignore[no-untyped-def]
    made: list[RetentionDialog] = []

    def open_dialog(actor) -> RetentionDialog:  # type: ignore[no-untyped-def]
        dialog = RetentionDialog(db, actor)
        qtbot.addWidget(dialog)
        made.append(dialog)
        with qtbot.waitSignal(dialog.loaded):
            dialog.show()  # the first showing reads the setting and counts
        return dialog

    yield open_dialog
    settle(qtbot)
    for dialog in made:
        dialog.close()
        dialog.deleteLater()
    gc.collect()


class Confirmations:
    """What the dialog asked, and the answer the test gives (Yes unless changed)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.answer = QMessageBox.StandardButton.Yes

    def question(self, _parent, _title, text, *_a, **_k):  # type: ignore[no-untyped-def]
        self.texts.append(text)
        return self.answer


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Confirmations:
    confirmations = Confirmations()
    monkeypatch.setattr(QMessageBox, "question", confirmations.question)
    return confirmations


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    for kind in ("warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *_a, **_k:
                            shown.append(text) or QMessageBox.StandardButton.Ok)
    return shown


def anonymised(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Consultation)
                              .where(Consultation.asked == ANONYMISED_TEXT)) or 0


def test_set_the_years_then_anonymise_after_confirming(
        qtbot, db, admin, old_records, open_dialog, asked, errors) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(admin)
    assert dialog.current.text() == f"現在の設定: {FOREVER}"
    assert dialog.years.text() == FOREVER
    assert "匿名化する相談記録はありません" in dialog.count.text()
    assert not dialog.run_button.isEnabled() and not dialog.save_button.isEnabled()

    dialog.years.setFocus()
    for _ in range(3):
        qtbot.keyClick(dialog.years, Qt.Key.Key_Up)
    assert dialog.chosen_years() == 3
    assert dialog.save_button.isEnabled() and not dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.loaded):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert retention.retention_years(db, admin) == 3
    assert dialog.current.text() == "現在の設定: 3年"
    assert dialog.status.text() == "保存年限を「3年」に設定しました。"
    assert dialog.count.text().endswith(": 3 件")
    cutoff = retention.retention_cutoff(TODAY, 3)
    assert f"{cutoff.year}年{cutoff.month}月{cutoff.day}日より前" in dialog.count.text()
    assert dialog.run_button.isEnabled()

    with qtbot.waitSignal(dialog.anonymised) as done:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert done.args == [3]
    assert len(asked.texts) == 1
    assert "3 件" in asked.texts[0] and "元に戻すことはできません" in asked.texts[0]
    qtbot.waitUntil(lambda: dialog.expired == 0)
    assert anonymised(db) == 3
    assert dialog.status.text() == "3 件の相談記録を匿名化しました。"
    assert not dialog.run_button.isEnabled()
    assert errors == []


def test_answering_no_changes_nothing(qtbot, db, admin, old_records, open_dialog, asked) -> None:  # type: ignore[no-untyped-def]
    retention.set_retention_years(db, admin, 3)
    dialog = open_dialog(admin)
    assert dialog.years.value() == 3 and dialog.run_button.isEnabled()
    asked.answer = QMessageBox.StandardButton.No
    dialog.run_button.click()
    assert len(asked.texts) == 1
    settle(qtbot)
    assert anonymised(db) == 0
    assert not dialog.busy and dialog.run_button.isEnabled()


def test_an_unsaved_change_must_be_saved_before_running(
        qtbot, db, admin, old_records, open_dialog, asked) -> None:  # type: ignore[no-untyped-def]
    retention.set_retention_years(db, admin, 3)
    dialog = open_dialog(admin)
    dialog.years.setValue(10)
    assert not dialog.run_button.isEnabled()
    assert dialog.run_button.toolTip() == "先に保存年限を保存してください。"
    dialog.anonymise()  # even if called, nothing runs on a setting not saved
    dialog.years.setValue(0)  # 保存年限を設けない
    assert dialog.years.text() == FOREVER and dialog.chosen_years() is None
    with qtbot.waitSignal(dialog.loaded):
        dialog.save_button.click()
    assert retention.retention_years(db, admin) is None
    assert asked.texts == [] and anonymised(db) == 0


def test_counter_staff_may_look_but_not_change(qtbot, db, actor, admin, old_records,  # type: ignore[no-untyped-def]
                                               open_dialog) -> None:
    retention.set_retention_years(db, admin, 3)
    dialog = open_dialog(actor)
    assert dialog.current.text() == "現在の設定: 3年"
    assert not dialog.years.isEnabled()
    assert not dialog.save_button.isEnabled() and not dialog.run_button.isEnabled()
    assert dialog.note.text() == "保存年限の設定と匿名化は管理者だけができます。"
    assert not dialog.note.isHidden()


def test_the_save_runs_in_the_background_and_the_dialog_waits_for_it(
        qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(admin)
    dialog.years.setValue(5)
    with qtbot.waitSignal(dialog.loaded):
        dialog.save_button.click()
        # The window did not wait for the database; the dialog waits, and stays open.
        assert dialog.busy and not dialog.years.isEnabled()
        assert not dialog.save_button.isEnabled()
        dialog.reject()
        assert dialog.isVisible()
    assert retention.retention_years(db, admin) == 5
    assert dialog.current.text() == "現在の設定: 5年"


def test_a_lost_connection_while_reading_is_told_in_the_status_bar(
        qtbot, db, admin, errors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def lost(*_a, **_k) -> None:  # type: ignore[no-untyped-def]
        raise ConnectionLost("データベースに接続できません。")

    monkeypatch.setattr(retention, "retention_years", lost)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    dialog = RetentionDialog(db, admin, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.status.text() == "保存年限を読み込めませんでした。")
    assert window.statusBar().currentMessage() == "データベースに接続できません。"
    assert errors == []  # no second dialog over this one
    assert not dialog.loading
    settle(qtbot)


def test_refused_years_are_said_under_the_box_and_kept(
        qtbot, db, admin, open_dialog, errors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A refusal of the years (a rule changed meanwhile) is said where they were chosen."""
    refusal = "相談記録の保存年限（3）は5〜30年の範囲で入力してください。"
    monkeypatch.setattr(retention, "set_retention_years", lambda *_a: (_ for _ in ()).throw(
        ValidationError.single("retention_years", refusal)))
    dialog = open_dialog(admin)
    dialog.years.setValue(3)
    dialog.save()
    line = dialog.errors.lines["retention_years"]
    qtbot.waitUntil(lambda: line.isVisible())
    assert line.text() == refusal and dialog.years.value() == 3
    assert "#c0392b" in dialog.years.styleSheet() and dialog.years.hasFocus()
    assert errors == []  # said in the dialog, not in a message box
