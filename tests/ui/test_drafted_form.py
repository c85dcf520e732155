"""What every drafted form shows alike (ui/drafted_form.py), seen through the contact form:
the summary line above the fields, 保存 and キャンセル below them, Ctrl+Enter, and a refusal
said under its field or, for a field no row answers for, on the summary line."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactKind
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.contacts.form import ContactForm
from tests.ui.conftest import type_text


@pytest.fixture(autouse=True)
def _closing_discards(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form left with text in it is closed at the end of a test without a question."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")


def open_form(qtbot, db, actor) -> ContactForm:  # type: ignore[no-untyped-def]
    form = ContactForm(db, actor, kind=ContactKind.PERSON)
    qtbot.addWidget(form)
    with qtbot.waitActive(form):  # the keys reach the active window only
        form.show()
        form.activateWindow()
    return form


def test_the_summary_is_above_the_fields_and_the_buttons_below(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form(qtbot, db, actor)
    form._say("確認用")
    qtbot.waitUntil(lambda: form.summary.isVisible())
    top = form.mapFromGlobal(form.content.mapToGlobal(form.content.rect().topLeft())).y()
    bottom = form.mapFromGlobal(form.content.mapToGlobal(form.content.rect().bottomLeft())).y()
    assert form.summary.geometry().bottom() <= top
    for button, text in ((form.save_button, "保存（Ctrl+Enter）"), (form.cancel_button, "キャンセル")):
        assert button.isVisible() and button.text() == text
        assert button.geometry().top() >= bottom


def test_ctrl_enter_saves_once(qtbot, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    real = svc.create_contact
    monkeypatch.setattr(svc, "create_contact",
                        lambda db_, actor_, draft: calls.append(draft.name) or real(db_, actor_, draft))
    form = open_form(qtbot, db, actor)
    type_text(qtbot, form.name, "鍵盤 一郎")
    keys = [s for s in form.findChildren(QShortcut)
            if s.key() == QKeySequence(Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_Return)]
    assert len(keys) == 1  # two alike would be ambiguous, and neither would save
    with qtbot.waitSignal(form.save_finished) as finished:
        qtbot.keyClick(form.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert finished.args == [True], form.summary.text()
    assert calls == ["鍵盤 一郎"]


def test_a_refusal_is_said_under_its_field_and_the_rest_on_the_summary(
        qtbot, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    refused = ValidationError([FieldProblem("phone", "電話番号は市外局番から入力してください。"),
                               FieldProblem("photo", "写真は 2MB までにしてください。")])
    monkeypatch.setattr(svc, "create_contact", lambda *_a: (_ for _ in ()).throw(refused))
    form = open_form(qtbot, db, actor)
    type_text(qtbot, form.name, "拒否 花子")
    type_text(qtbot, form.phone, "888-5640")
    with qtbot.waitSignal(form.save_finished, check_params_cb=lambda ok: not ok):
        form.save_button.click()
    line = form.errors.lines["phone"]
    assert line.isVisible() and line.text() == "電話番号は市外局番から入力してください。"
    assert line.geometry().top() >= form.phone.geometry().bottom()  # right under the field
    assert "#c0392b" in form.phone.styleSheet() and form.focusWidget() is form.phone
    assert form.summary.isVisible()
    assert "写真は 2MB までにしてください。" in form.summary.text()
    assert "市外局番" not in form.summary.text()  # said once, where it was typed
    assert not form.errors.lines["name"].isVisible() and form.name.text() == "拒否 花子"
