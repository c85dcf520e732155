"""申込の変更 at the counter: a sign-up opened from the list in the sign-up dialog, changed and
saved through update_sign_up; refused growth said under 人数; a change made meanwhile at
another counter shown side by side, never overwritten."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from kyodo_desk.domain.events import QuestionKind
from kyodo_desk.domain.questions import Question
from kyodo_desk.services.events.answers import get_answers
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    get_registration,
    sign_up,
    update_sign_up,
)
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.events.answers_form import _YesNo
from kyodo_desk.ui.events.registrations_panel import RegistrationsPanel
from kyodo_desk.ui.events.signup_dialog import SignUpDialog
from tests.event_fixtures import make_event, person
from tests.ui.conftest import type_text
from tests.ui.test_event_signups import host, open_panel, questions, save, table

__all__ = ["host", "open_panel", "questions"]  # fixtures, used by name
pytestmark = pytest.mark.usefixtures("messages")

ALLERGY = Question("食物アレルギーはありますか", QuestionKind.YES_NO, required=True)
COURSE = Question("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部"))


def signed_up(db, actor, event_id: int, name: str, party: int,  # type: ignore[no-untyped-def]
              answers: tuple[tuple[int, str], ...] = ()) -> int:
    contact = person(db, name)
    return sign_up(db, actor, event_id, SignUpDraft(contact, party, answers=answers)
                   ).registration.id


def change_dialog(qtbot, panel: RegistrationsPanel) -> SignUpDialog:  # type: ignore[no-untyped-def]
    """The dialog the panel opens once the sign-up is read."""
    qtbot.waitUntil(lambda: (d := panel.findChild(SignUpDialog)) is not None and d.isVisible())
    dialog = panel.findChild(SignUpDialog)
    assert isinstance(dialog, SignUpDialog)
    qtbot.waitActive(dialog)
    return dialog


def double_click(qtbot, panel: RegistrationsPanel, registration_id: int) -> None:  # type: ignore[no-untyped-def]
    row = panel.model.row_of(registration_id)
    rect = panel.table.visualRect(panel.model.index(row, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def retype(qtbot, box: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    box.setFocus()
    box.selectAll()
    type_text(qtbot, box, text)


def test_party_size_and_an_answer_are_changed_and_the_list_shows_them(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10, questions=(ALLERGY, COURSE))
    allergy, course = (q.id for q in event.questions)
    reg_id = signed_up(db, actor, event.id, "秋田 花子", 2,
                       ((allergy, "no"), (course, "午前の部")))
    panel = open_panel(event.id, actor)
    panel.select(reg_id)
    assert "食物アレルギーはありますか「いいえ」" in panel.answers_line.text()
    assert "参加する回「午前の部」" in panel.answers_line.text()
    qtbot.mouseClick(panel.change_button, Qt.MouseButton.LeftButton)
    dialog = change_dialog(qtbot, panel)

    assert dialog.windowTitle() == "申込の変更"
    assert dialog.findChild(type(dialog.summary), "signupApplicant").text().startswith(  # type: ignore[union-attr]
        "秋田 花子")
    assert not dialog.picker.isVisible()  # the applicant is shown, not searched
    assert dialog.party.text() == "2" and dialog.party.hasFocus()
    yes_no, combo = dialog.answers.inputs[allergy], dialog.answers.inputs[course]
    assert isinstance(yes_no, _YesNo) and yes_no.no.isChecked()
    assert isinstance(combo, QComboBox) and combo.currentText() == "午前の部"

    retype(qtbot, dialog.party, "3")
    qtbot.mouseClick(yes_no.yes, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.refreshed):
        save(qtbot, dialog, stored=True)

    assert table(panel, "氏名・団体名", "人数") == [("秋田 花子", "3名")]
    assert "食物アレルギーはありますか「はい」" in panel.answers_line.text()
    assert "変更しました（3名）" in panel.status.text()
    assert get_answers(db, actor, reg_id) == {allergy: "yes", course: "午前の部"}


def test_growth_beyond_the_free_seats_is_refused_under_the_party_size(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=4)
    first = signed_up(db, actor, event.id, "秋田 一郎", 2)
    signed_up(db, actor, event.id, "秋田 二郎", 2)  # full now
    panel = open_panel(event.id, actor)
    double_click(qtbot, panel, first)
    dialog = change_dialog(qtbot, panel)

    retype(qtbot, dialog.party, "3")
    dialog.notes.setPlainText("車いす")
    save(qtbot, dialog, stored=False)

    assert dialog.errors.message("party_size") == "空きが0席のため、3名には増やせません。"
    assert dialog.isVisible()
    assert (dialog.party.text(), dialog.notes.toPlainText()) == ("3", "車いす")
    stored = get_registration(db, actor, first)
    assert (stored.party_size, stored.notes) == (2, "")


def test_a_change_made_meanwhile_elsewhere_is_shown_and_not_overwritten(
        qtbot, open_panel, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    reg_id = signed_up(db, actor, event.id, "秋田 花子", 1)
    panel = open_panel(event.id, actor)
    panel.select(reg_id)
    qtbot.mouseClick(panel.change_button, Qt.MouseButton.LeftButton)
    dialog = change_dialog(qtbot, panel)
    # Another counter changes the same sign-up after this one opened it.
    theirs = get_registration(db, actor, reg_id)
    update_sign_up(db, actor, reg_id, theirs.version,
                   SignUpDraft(theirs.contact_id, 1, notes="手話通訳"))

    shown: list[list[tuple[str, str, str]]] = []

    def choose(choice: Choice):  # type: ignore[no-untyped-def]
        def exec_(versions: VersionsDialog) -> int:
            table_ = versions.table
            shown.append([tuple(table_.item(r, c).text() for c in range(3))  # type: ignore[misc]
                          for r in range(table_.rowCount())])
            versions.choice = choice
            return 1
        return exec_

    monkeypatch.setattr(VersionsDialog, "exec", choose(Choice.KEEP_EDITING))
    retype(qtbot, dialog.party, "3")
    save(qtbot, dialog, stored=False)

    assert shown == [[("人数", "3名", "1名"), ("配慮事項・託児", "", "手話通訳")]]
    assert dialog.isVisible() and dialog.party.text() == "3"
    stored = get_registration(db, actor, reg_id)
    assert (stored.party_size, stored.notes) == (1, "手話通訳")

    # 最新の内容を読み込む: theirs on screen; saved from there, nothing of theirs is lost.
    monkeypatch.setattr(VersionsDialog, "exec", choose(Choice.LOAD_THEIRS))
    save(qtbot, dialog, stored=False)
    assert (dialog.party.text(), dialog.notes.toPlainText()) == ("1", "手話通訳")
    retype(qtbot, dialog.party, "2")
    with qtbot.waitSignal(panel.refreshed):
        save(qtbot, dialog, stored=True)
    stored = get_registration(db, actor, reg_id)
    assert (stored.party_size, stored.notes) == (2, "手話通訳")
    assert table(panel, "人数", "配慮事項") == [("2名", "手話通訳")]
