"""申込時の質問 on screen: set in the event form, asked in the sign-up dialog at the counter
and in the walk-in at the door, a required one left unanswered refused under its question."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from kyodo_desk.domain.events import QuestionKind
from kyodo_desk.domain.questions import Question
from kyodo_desk.services import events as svc
from kyodo_desk.services.events.answers import get_answers
from kyodo_desk.services.events.registrations import list_registrations
from kyodo_desk.ui.events.answers_form import REQUIRED_MARK, _YesNo
from kyodo_desk.ui.events.drafts import EventFormState, state_from_json, state_to_json
from kyodo_desk.ui.events.signup_dialog import SignUpDialog
from tests.event_fixtures import make_event, person
from tests.ui.conftest import type_text
from tests.ui.test_event_signups import choose_contact, open_door, questions, save
from tests.ui.test_events_tab import _answers, officer, open_form_of, open_tab
from tests.ui.test_events_tab import save as save_form

__all__ = ["_answers", "officer", "open_door", "questions"]  # fixtures, used by name
pytestmark = pytest.mark.usefixtures("messages")

ALLERGY = Question("食物アレルギーはありますか", QuestionKind.YES_NO, required=True)
COURSE = Question("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部"), required=True)
HOW = Question("この講座を知ったきっかけ", QuestionKind.TEXT)


def test_the_form_edits_the_questions_and_a_kept_one_keeps_its_id(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], questions=(ALLERGY, HOW))
    tab = open_tab(qtbot, db, officer)
    assert tab.select_event(event.id)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)
    editor = form.questions
    assert [line.prompt.text() for line in editor.lines] == [ALLERGY.prompt, HOW.prompt]
    assert not editor.lines[1].choices.isEnabled()  # 自由記入: no choices to type

    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    added = editor.lines[-1]
    assert added.prompt.hasFocus()
    type_text(qtbot, added.prompt, "参加する回")
    added.kind.setCurrentIndex(added.kind.findData(QuestionKind.CHOICE.value))
    assert added.choices.isEnabled()
    type_text(qtbot, added.choices, "午前の部／午後の部")
    added.required.setChecked(True)
    qtbot.mouseClick(added.up, Qt.MouseButton.LeftButton)  # asked before 「きっかけ」
    qtbot.mouseClick(editor.lines[0].remove, Qt.MouseButton.LeftButton)  # アレルギー goes
    save_form(qtbot, form, stored=True)

    stored = svc.get_event(db, officer, event.id).questions
    assert [(q.prompt, q.kind, q.choices, q.required) for q in stored] == [
        ("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部"), True),
        (HOW.prompt, QuestionKind.TEXT, (), False)]
    assert stored[1].id == event.questions[1].id


def test_a_choice_question_without_two_choices_is_refused_under_the_questions(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"])
    tab = open_tab(qtbot, db, officer)
    assert tab.select_event(event.id)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)
    assert form.questions.empty.isVisible()
    qtbot.mouseClick(form.questions.add_button, Qt.MouseButton.LeftButton)
    line = form.questions.lines[0]
    type_text(qtbot, line.prompt, "参加する回")
    line.kind.setCurrentIndex(line.kind.findData(QuestionKind.CHOICE.value))
    save_form(qtbot, form, stored=False)
    assert form.errors.message("questions") == "質問1（参加する回）の選択肢を2つ以上入力してください。"
    assert svc.get_event(db, officer, event.id).questions == ()


def test_a_draft_keeps_the_questions_as_typed(db, facilities) -> None:  # type: ignore[no-untyped-def]
    draft = make_event(db, facilities["central"], questions=(ALLERGY, COURSE)).as_draft()
    restored = state_from_json(state_to_json(EventFormState(draft))).draft
    assert restored.questions == draft.questions


def _dialog(qtbot, db, actor, event) -> SignUpDialog:  # type: ignore[no-untyped-def]
    dialog = SignUpDialog(db, actor, event)
    qtbot.addWidget(dialog)
    dialog.resize(dialog.sizeHint().width(), dialog.sizeHint().height())
    dialog.show()
    qtbot.waitActive(dialog)
    return dialog


def test_the_counter_asks_the_questions_and_refuses_a_missing_required_answer(
        qtbot, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], questions=(ALLERGY, COURSE, HOW))
    allergy, course, how = (q.id for q in event.questions)
    person(db, "秋田 花子", reading="あきた はなこ")
    dialog = _dialog(qtbot, db, actor, event)
    form = dialog.answers
    assert isinstance(form.inputs[allergy], _YesNo)
    assert isinstance(form.inputs[course], QComboBox) and isinstance(form.inputs[how], QLineEdit)
    assert dialog.height() <= 800

    choose_contact(qtbot, dialog, "あきた")
    save(qtbot, dialog, stored=False)
    assert form.message(allergy) == f"質問1「{ALLERGY.prompt}」は必須です。回答を入力してください。"
    assert form.message(course).startswith("質問2「参加する回」は必須です")
    assert form.message(how) == ""
    assert list_registrations(db, actor, event.id) == []

    qtbot.mouseClick(form.inputs[allergy].yes, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    combo = form.inputs[course]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findText("午後の部"))
    save(qtbot, dialog, stored=True)
    (reg,) = list_registrations(db, actor, event.id)
    assert get_answers(db, actor, reg.id) == {allergy: "yes", course: "午後の部"}


def test_the_required_mark_is_shown_beside_the_required_questions_only(
        qtbot, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], questions=(ALLERGY, HOW))
    dialog = _dialog(qtbot, db, actor, event)
    layout = dialog.content.layout()
    texts = [layout.itemAt(row, layout.ItemRole.LabelRole).widget().text()  # type: ignore[union-attr]
             for row in range(layout.rowCount())]
    assert texts[texts.index("配慮事項・託児") + 1:][:3] == [
        "所属の区分", f"{ALLERGY.prompt}　{REQUIRED_MARK}", HOW.prompt]


def test_an_event_without_questions_asks_none(qtbot, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, db, actor, make_event(db, facilities["east"]))
    assert dialog.answers.inputs == {}
    assert not dialog.findChildren(QLineEdit, "answerText")


def test_a_walk_in_is_asked_the_questions_at_the_door(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=5, questions=(ALLERGY, HOW))
    allergy, how = (q.id for q in event.questions)
    person(db, "横手 三太", reading="よこて さんた")
    door = open_door(event.id)
    dialog = door.open_walk_in()
    assert isinstance(dialog, SignUpDialog)
    qtbot.waitActive(dialog)
    choose_contact(qtbot, dialog, "よこて")
    save(qtbot, dialog, stored=False)
    assert "必須" in dialog.answers.message(allergy)
    qtbot.mouseClick(dialog.answers.inputs[allergy].no, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    type_text(qtbot, dialog.answers.inputs[how], "回覧板")
    with qtbot.waitSignal(door.refreshed):
        save(qtbot, dialog, stored=True)
    (reg,) = list_registrations(db, actor, event.id)
    assert reg.walk_in and get_answers(db, actor, reg.id) == {allergy: "no", how: "回覧板"}

