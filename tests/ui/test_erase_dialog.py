"""削除・利用停止 from the カルテ: the administrator sees whom and what goes and stays, types the
reason, ticks the confirmation and erases; anyone else is refused with the permission message.
Afterwards the contact's form opens read-only, saying why."""

from __future__ import annotations

import gc
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QMessageBox

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import consultations as cons
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.services.contacts.erasure import ERASED_REFUSAL, erase_contact
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.contacts.drafts import ContactDraftStore, ContactFormState
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.contacts.record_view import RecordWindow
from kyodo_desk.ui.tasks import pending_jobs
from tests.consultation_fields import valid
from tests.ui.conftest import type_text

CLI = Actor.command_line()
SHOTS = Path("/tmp/shots")


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


@pytest.fixture
def contact_id(db, accounts_by_login, facilities) -> int:  # type: ignore[no-untyped-def]
    made = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="八郎潟 澄子", phone="0185-45-0000")).id
    cons.create_consultation(db, accounts_by_login["officer"], cons.ConsultationDraft(
        held_on=date.today() - timedelta(days=5), facility_id=facilities["east"],
        start_time=time(10), asked="介護の会を作りたい",
        **valid({"consultee_contact_id": made})))
    return made


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    for kind in ("warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *_a, **_k:
                            shown.append(text) or QMessageBox.StandardButton.Ok)
    return shown


@pytest.fixture
def open_record(qtbot, db):  # type: ignore[no-untyped-def]
    made: list[RecordWindow] = []

    def open_record(actor: Actor, contact_id: int) -> RecordWindow:
        view = RecordWindow(db, actor, contact_id)
        qtbot.addWidget(view)
        made.append(view)
        with qtbot.waitSignal(view.shown):
            view.show()
        return view

    yield open_record
    settle(qtbot)
    for view in made:
        if view.erase_dialog is not None:
            view.erase_dialog.close()
        view.close()
        view.deleteLater()
    gc.collect()


def test_the_administrator_erases_after_giving_a_reason_and_confirming(
        qtbot, db, admin, contact_id: int, open_record, errors) -> None:  # type: ignore[no-untyped-def]
    view = open_record(admin, contact_id)
    assert view.erase_button.isEnabled()
    qtbot.mouseClick(view.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.erase_dialog is not None and view.erase_dialog.isVisible())
    dialog = view.erase_dialog
    assert dialog is not None
    who = dialog.findChild(type(dialog.status), "eraseWho")
    assert who is not None and f"番号 {contact_id}「八郎潟 澄子」" in who.text()
    assert "相談 1 件" in dialog.removed.text() and "相談内容" in dialog.removed.text()
    assert "統計の件数は変わりません" in dialog.kept.text()
    assert not dialog.erase_button.isEnabled()
    type_text(qtbot, dialog.reason, "本人の申出（受付 18-4）")
    assert not dialog.erase_button.isEnabled()  # the tick too
    dialog.understood.setChecked(True)
    assert dialog.erase_button.isEnabled()
    dialog.resize(dialog.sizeHint())
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "erase_dialog.png"))
    view.grab().save(str(SHOTS / "record_erase_button.png"))

    with qtbot.waitSignal(dialog.erased) as done, qtbot.waitSignal(view.status_message) as said:
        qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)

    assert done.args[0].consultations == 1
    assert said.args[0].startswith(f"番号 {contact_id} の連絡先を削除・利用停止しました")
    qtbot.waitUntil(lambda: view.title.text() == f"（削除済み）{contact_id}")
    assert not view.erase_button.isEnabled()
    assert view.merged.isVisible() and view.merged.text().startswith("削除・利用停止済み（")
    assert svc.get_contact(db, CLI, contact_id).phone == ""
    assert errors == []


@pytest.mark.parametrize("login", ["staff", "officer"])
def test_anyone_else_is_refused_with_the_permission_message(
        qtbot, db, accounts_by_login, contact_id: int, open_record, errors,
        login: str) -> None:  # type: ignore[no-untyped-def]
    view = open_record(accounts_by_login[login], contact_id)
    qtbot.mouseClick(view.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert "管理者に依頼してください" in errors[0]
    assert view.erase_dialog is None
    assert svc.get_contact(db, CLI, contact_id).name == "八郎潟 澄子"


def test_an_erased_contact_s_form_opens_read_only_and_says_why(
        qtbot, window, db, admin, actor, contact_id: int, errors,
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # A draft typed before the erasure holds the person's values: never offered back.
    drafts = ContactDraftStore()
    before = svc.get_contact(db, CLI, contact_id)
    drafts.save(actor.login, contact_id, ContactFormState(
        ContactDraft(kind=ContactKind.PERSON, name="八郎潟 澄子", phone="0185-45-9999"),
        before.version))
    offered: list[str] = []
    monkeypatch.setattr(drafted_form, "ask", lambda *a, **k: offered.append(a[1]) or "discard")
    erase_contact(db, admin, contact_id, "本人の申出", today=date(2026, 11, 25))
    erased_version = svc.get_contact(db, CLI, contact_id).version
    window.resize(1280, 800)

    window.contacts.open_contact(contact_id)  # as from a list elsewhere
    qtbot.waitUntil(lambda: window.contacts.findChild(ContactForm) is not None)
    form = window.contacts.findChild(ContactForm)
    qtbot.waitUntil(form.isVisible)

    assert form.windowTitle() == "連絡先（削除・利用停止済み）"
    assert form.erased_notice.isVisible()
    assert form.erased_notice.text() == f"削除・利用停止済み（2026年11月25日）\n{ERASED_REFUSAL}"
    assert form.name.text() == f"（削除済み）{contact_id}" and form.phone.text() == ""
    assert not form.name.isEnabled() and not form.notes.isEnabled()
    assert not form.save_button.isEnabled() and form.cancel_button.text() == "閉じる"
    assert form.hint.text() == "読み取り専用です。Esc で閉じる。"  # no "Ctrl+Enter で保存"
    assert form.phone.placeholderText() == ""  # no sample number that reads as theirs
    assert offered == [] and not drafts.exists(actor.login, contact_id)
    # What the clerk sees: the window at 1280×800 with the form over it.
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(QPoint((shot.width() - form.width()) // 2,
                              (shot.height() - form.height()) // 2), form.grab())
    painter.end()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert shot.save(str(SHOTS / "erased_contact_form.png"))
    with qtbot.waitSignal(form.save_finished) as finished:
        qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert finished.args == [False]
    assert ERASED_REFUSAL in form.summary.text()
    form.close()
    settle(qtbot)
    assert svc.get_contact(db, CLI, contact_id).version == erased_version
    assert errors == []
