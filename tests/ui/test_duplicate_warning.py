"""The likely-duplicates warning of the contact form (重複候補), as the clerk at the counter
sees it while typing: who, why, 「この方を開く」 and 「別の方です」."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QVBoxLayout

from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDetail, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts import duplicates as dup
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.contacts import form as form_module
from kyodo_desk.ui.contacts.drafts import ContactDraftStore, state_from_json, state_to_json
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text
from tests.ui.test_screen_fit import misfits

HELD_BACK_S = 10  # a search held back by a test is let go by then at the latest
SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def _quiet_closing(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A form left with text in it closes at the end of a test without a question; no
    answer is left for a form already gone."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")
    yield
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture
def people(db, actor) -> dict[str, int]:  # type: ignore[no-untyped-def]
    made = {}
    for name, reading, postal, address, phone in (
            ("山田 太郎", "やまだ たろう", "010-0041", "秋田市広面字樋ノ沖１２３", "018-888-1111"),
            ("佐藤 一郎", "さとう いちろう", "", "", "018-888-2222")):
        made[name] = svc.create_contact(db, actor, ContactDraft(
            kind=ContactKind.PERSON, name=name, reading=reading, postal_code=postal,
            address=address, phone=phone)).id
    return made


@pytest.fixture
def open_form(qtbot, db, actor):  # type: ignore[no-untyped-def]
    """A contact form, shown and active, as the contacts tab opens it."""
    def make(*, contact: ContactDetail | None = None, kind: ContactKind = ContactKind.PERSON,
             drafts: ContactDraftStore | None = None) -> ContactForm:
        form = ContactForm(db, actor, contact=contact, kind=kind, drafts=drafts)
        qtbot.addWidget(form)
        with qtbot.waitActive(form):
            form.show()
            form.activateWindow()
        qtbot.waitUntil(lambda: pending_jobs() == 0)  # the search a record opens with
        return form
    yield make
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


def answered(qtbot, form: ContactForm, field, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type *text* into *field* and wait for the warning to answer it."""
    with qtbot.waitSignal(form.duplicates.search_finished):
        type_text(qtbot, field, text)
    assert form.duplicates.answers_now()


def shown(form: ContactForm) -> list[tuple[str, str]]:
    """Each candidate as the panel reads: its first line (name, よみ, reasons)."""
    panel = form.duplicates
    if not panel.isVisible():
        return []
    return [(row.candidate.name, row.label.text().split("<br>")[0]) for row in panel.rows
            if row.isVisible()]


def type_yamada(qtbot, form: ContactForm) -> None:  # type: ignore[no-untyped-def]
    """ﾔﾏﾀﾞ ﾀﾛｳ, as a bank-style form gives it, with 山田 太郎's phone written otherwise."""
    type_text(qtbot, form.name, "ﾔﾏﾀﾞ ﾀﾛｳ")
    answered(qtbot, form, form.phone, "0188881111")


# --- what the clerk sees ------------------------------------------------------------------------

def test_a_likely_duplicate_shows_while_typing_with_the_reasons(
        qtbot, open_form, people) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    assert not form.duplicates.isVisible()  # nothing typed, nothing said
    type_yamada(qtbot, form)
    assert form.duplicates.isVisible()
    assert form.duplicates.title.text().startswith("同じ方が登録されているかもしれません")
    [(name, line)] = shown(form)
    assert name == "山田 太郎"
    assert "やまだ たろう" in line and "電話番号が同じ・よみが同じ" in line
    row = form.duplicates.rows[0]
    assert "〒010-0041" in row.label.text() and "電話 018-888-1111" in row.label.text()
    assert (row.open_button.text(), row.distinct_button.text()) == ("この方を開く", "別の方です")
    assert form.name.hasFocus()  # the answer did not take the focus from the typing
    assert form.name.text() == "ﾔﾏﾀﾞ ﾀﾛｳ"
    # The keyboard reaches the buttons where the eye does: after メモ, before 保存.
    form.notes.setFocus()
    qtbot.keyClick(form.notes, Qt.Key.Key_Tab)
    assert row.open_button.hasFocus()
    qtbot.keyClick(row.open_button, Qt.Key.Key_Tab)
    qtbot.keyClick(row.distinct_button, Qt.Key.Key_Tab)
    assert form.save_button.hasFocus()


def test_someone_else_shows_nothing(qtbot, open_form, people) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_text(qtbot, form.name, "山田 次郎")
    type_text(qtbot, form.reading, "やまだ じろう")
    answered(qtbot, form, form.phone, "018-888-3333")
    assert shown(form) == [] and form.duplicates.isHidden()
    # Typing on to 山田 太郎's phone (the city's area code or not) brings him; typing it away
    # again hides him.
    form.phone.clear()
    answered(qtbot, form, form.phone, "888-1111")
    assert [name for name, _line in shown(form)] == ["山田 太郎"]
    form.phone.clear()
    answered(qtbot, form, form.phone, "018-888-3333")
    assert form.duplicates.isHidden()


def test_a_group_is_warned_of_the_same_group_under_its_legal_form(
        qtbot, open_form, db, actor) -> None:  # type: ignore[no-untyped-def]
    svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="特定非営利活動法人 あきた子ども劇場",
        reading="あきたこどもげきじょう"))
    form = open_form(kind=ContactKind.GROUP)
    answered(qtbot, form, form.name, "NPO法人あきた子ども劇場")
    [(name, line)] = shown(form)
    assert name == "特定非営利活動法人 あきた子ども劇場" and "法人格を除くと同じ名前" in line
    assert form.duplicates.title.text().startswith("同じ団体が登録されているかもしれません")
    assert form.duplicates.rows[0].distinct_button.text() == "別の団体です"


def test_the_record_edited_is_not_its_own_duplicate(
        qtbot, open_form, db, actor, people) -> None:  # type: ignore[no-untyped-def]
    taro = svc.get_contact(db, actor, people["山田 太郎"])
    form = open_form(contact=taro)
    assert form.duplicates.answers_now() and form.duplicates.isHidden()
    # A second 山田 太郎 registered meanwhile is his duplicate, though.
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="山田 太郎",
                                               reading="ﾔﾏﾀﾞ ﾀﾛｳ"))
    form.phone.clear()
    answered(qtbot, form, form.phone, "018-888-1111")
    [(name, line)] = shown(form)
    assert name == "山田 太郎" and line.endswith("よみが同じ</span>")
    assert form.duplicates.rows[0].candidate.contact_id != taro.id


def test_the_search_runs_off_the_gui_thread_and_only_the_last_answer_shows(
        qtbot, open_form, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    threads: list[threading.Thread] = []
    release, entered = threading.Event(), threading.Event()
    real = dup.likely_duplicates

    def held(db_, actor_, draft, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        if draft.phone == "0188881111":  # the first search is slow…
            entered.set()
            release.wait(HELD_BACK_S)
        return real(db_, actor_, draft, **kwargs)

    monkeypatch.setattr(dup, "likely_duplicates", held)
    form = open_form()
    try:
        type_text(qtbot, form.name, "ﾔﾏﾀﾞ ﾀﾛｳ")
        type_text(qtbot, form.phone, "0188881111")
        qtbot.waitUntil(entered.is_set)
        form.phone.clear()
        form.name.setText("佐藤 一郎")
        answered(qtbot, form, form.phone, "8882222")  # …the next is answered meanwhile
    finally:
        release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the slow answer came too…
    assert [name for name, _line in shown(form)] == ["佐藤 一郎"]  # …and was dropped
    assert threads and threading.main_thread() not in threads


def test_a_failed_search_says_nothing_and_never_blocks(
        qtbot, open_form, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("the server went away")

    monkeypatch.setattr(dup, "likely_duplicates", broken)
    form = open_form()
    type_text(qtbot, form.name, "ﾔﾏﾀﾞ ﾀﾛｳ")
    answered(qtbot, form, form.phone, "0188881111")  # no dialog: the test would hang on one
    assert form.duplicates.isHidden()
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()
    assert finished.args == [True]


# --- 別の方です ----------------------------------------------------------------------------------

def test_distinct_on_a_new_record_is_remembered_when_it_is_saved(
        qtbot, open_form, db, actor, people) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_yamada(qtbot, form)
    form.duplicates.rows[0].distinct_button.click()
    assert form.duplicates.isHidden()
    assert form.draft().distinct_from == (people["山田 太郎"],)  # kept in the draft, too
    # Typing on never brings him back into this form.
    answered(qtbot, form, form.reading, "やまだ たろう")
    assert form.duplicates.isHidden()
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()
    assert finished.args == [True]
    saved = form.saved
    assert dup.likely_duplicates(db, actor, saved.as_draft(), editing_id=saved.id) == []
    # Opened again, the new record is not warned of him, nor he of it.
    again = open_form(contact=svc.get_contact(db, actor, saved.id))
    assert again.duplicates.answers_now() and again.duplicates.isHidden()
    taro = open_form(contact=svc.get_contact(db, actor, people["山田 太郎"]))
    assert taro.duplicates.answers_now() and taro.duplicates.isHidden()


def test_distinct_on_a_saved_record_is_remembered_at_once(
        qtbot, open_form, db, actor, people) -> None:  # type: ignore[no-untyped-def]
    other = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="ﾔﾏﾀﾞ ﾀﾛｳ", phone="０１８８８８１１１１"))
    form = open_form(contact=svc.get_contact(db, actor, people["山田 太郎"]))
    assert [name for name, _line in shown(form)] == ["ﾔﾏﾀﾞ ﾀﾛｳ"]  # said as the form opens
    row = form.duplicates.rows[0]
    row.distinct_button.setFocus()
    qtbot.keyClick(row.distinct_button, Qt.Key.Key_Space)  # the keyboard reaches it
    assert form.duplicates.isHidden()
    assert form.save_button.hasFocus()  # the list worked through: on to 保存
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    assert not form.is_dirty()  # nothing to save: the pair is stored already
    taro = svc.get_contact(db, actor, people["山田 太郎"])
    assert dup.likely_duplicates(db, actor, taro.as_draft(), editing_id=taro.id) == []
    form.reject()
    assert open_form(contact=svc.get_contact(db, actor, other.id)).duplicates.isHidden()


def test_a_draft_keeps_who_was_said_to_be_someone_else(
        qtbot, open_form, db, actor, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    drafts = ContactDraftStore(tmp_path)
    form = open_form(drafts=drafts)
    type_yamada(qtbot, form)
    form.duplicates.rows[0].distinct_button.click()
    form.close_keeping_draft()
    kept = drafts.load(actor.login, None)
    assert kept is not None and kept.draft.distinct_from == (people["山田 太郎"],)
    assert state_from_json(state_to_json(kept)) == kept
    # The form offering the draft back does not offer him again.
    drafted_form_ask = drafted_form.ask
    try:
        drafted_form.ask = lambda *_a, **_k: "restore"  # type: ignore[assignment]
        again = open_form(drafts=drafts)
    finally:
        drafted_form.ask = drafted_form_ask  # type: ignore[assignment]
    assert again.phone.text() == "0188881111"
    assert again.duplicates.answers_now() and again.duplicates.isHidden()


# --- この方を開く --------------------------------------------------------------------------------

def test_open_this_one_in_the_pickers_registration_chooses_the_existing_contact(
        qtbot, db, actor, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = QDialog()
    qtbot.addWidget(dialog)
    picker = ContactPicker(db, actor, role="申込者", kinds=[ContactKind.PERSON],
                           register=lambda typed: ContactForm.register(
                               dialog, db, actor, ContactKind.PERSON, typed))
    QVBoxLayout(dialog).addWidget(picker)
    dialog.show()
    seen: list[str] = []

    def use_the_one_offered(form: ContactForm) -> int:
        seen.append(form.name.text())  # what was typed in the picker is the name
        form.show()
        answered(qtbot, form, form.phone, "018-888-1111")
        form.duplicates.rows[0].open_button.click()
        qtbot.waitUntil(lambda: not form.isVisible())
        return form.result()

    monkeypatch.setattr(ContactForm, "exec", use_the_one_offered)
    type_text(qtbot, picker.search, "やまだ たろう")
    picked = []
    picker.picked.connect(picked.append)
    assert picker.new_button is not None
    picker.new_button.click()
    assert seen == ["やまだ たろう"]
    assert [entry.ref.id for entry in picked] == [people["山田 太郎"]]
    assert picker.chosen_id() == people["山田 太郎"]
    assert picker.note.text().startswith("申込者: 山田 太郎")
    assert [e.name for e in svc.search_contacts(db, actor, "やまだ").entries] == ["山田 太郎"]
    assert ContactDraftStore().load(actor.login, None) is None  # no draft left of it
    QThreadPool.globalInstance().waitForDone()


def test_open_this_one_closes_a_new_form_unsaved_and_names_the_record(
        qtbot, open_form, db, actor, people) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    type_yamada(qtbot, form)
    with qtbot.waitSignal(form.existing_chosen) as chosen:
        form.duplicates.rows[0].open_button.click()
    assert chosen.args[0].id == people["山田 太郎"] and form.existing == chosen.args[0]
    assert not form.isVisible() and form.saved is None
    assert form.result() == QDialog.DialogCode.Rejected
    assert len(svc.search_contacts(db, actor, "").entries) == 2  # nothing was added


def test_open_this_one_from_a_changed_record_asks_first(
        qtbot, open_form, db, actor, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="ﾔﾏﾀﾞ ﾀﾛｳ",
                                               phone="０１８８８８１１１１"))
    form = open_form(contact=svc.get_contact(db, actor, people["山田 太郎"]))
    type_text(qtbot, form.address, " 2階")
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "continue")
    form.duplicates.rows[0].open_button.click()
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    assert form.isVisible() and form.existing is None  # 入力を続ける: still editing
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")
    with qtbot.waitSignal(form.existing_chosen) as chosen:
        form.duplicates.rows[0].open_button.click()
    assert chosen.args[0].name == "ﾔﾏﾀﾞ ﾀﾛｳ" and not form.isVisible()


# --- saving -------------------------------------------------------------------------------------

def test_saving_asks_once_about_a_near_certain_duplicate(
        qtbot, open_form, db, actor, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    answers = iter(["back", "distinct"])

    def ask(_parent, _title, text, _choices, **_kw):  # type: ignore[no-untyped-def]
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(form_module, "ask", ask)
    form = open_form()
    type_yamada(qtbot, form)  # 電話番号が同じ・よみが同じ: 94
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()
    assert finished.args == [False] and form.isVisible()  # 入力に戻る
    assert asked == ["「山田 太郎（やまだ たろう）」と同じ方ではありませんか？\n電話番号が同じ・よみが同じ"]
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()  # asked once only: it saves
    assert finished.args == [True] and len(asked) == 1
    taro = svc.get_contact(db, actor, people["山田 太郎"])
    assert [c.name for c in dup.likely_duplicates(db, actor, taro.as_draft(),
                                                  editing_id=taro.id)] == ["ﾔﾏﾀﾞ ﾀﾛｳ"]
    # Answered 「別の方です（保存する）」, it saves and the pair is remembered.
    other = open_form()
    type_text(qtbot, other.name, "山田 たろう")
    type_text(qtbot, other.reading, "やまだたろう")
    answered(qtbot, other, other.phone, "018-888-1111")
    with qtbot.waitSignal(other.save_finished) as finished:
        other.save()
    assert finished.args == [True] and len(asked) == 2
    assert other.saved.id not in {c.contact_id for c in dup.likely_duplicates(
        db, actor, taro.as_draft(), editing_id=taro.id)}


def test_a_weaker_candidate_never_holds_up_saving(
        qtbot, open_form, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(form_module, "ask", lambda *_a, **_k: pytest.fail("asked"))
    form = open_form()
    type_text(qtbot, form.name, "山田 花子")
    answered(qtbot, form, form.phone, "018-888-1111")  # a family's landline: 80
    assert [c.score for c in form.duplicates.candidates] == [80]
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()
    assert finished.args == [True]


# --- on the counter's screen ----------------------------------------------------------------------

def test_the_form_with_the_warning_fits_the_counter_screen(
        qtbot, window, db, actor, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name, phone in (("山田 たろう", ""), ("ﾔﾏﾀﾞ ﾀﾛｳ", "090-1234-5678"),
                        ("山田 太朗", "")):
        svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name=name,
                                                   reading="やまだ たろう", phone=phone))
    form = window.contacts.open_new(ContactKind.PERSON)
    qtbot.waitUntil(form.isActiveWindow)
    before = form.height()
    type_text(qtbot, form.name, "ﾔﾏﾀﾞ ﾀﾛｳ")
    answered(qtbot, form, form.phone, "0188881111")
    assert len(form.duplicates.rows) == 3 and form.duplicates.more.isVisible()
    assert misfits(form) == []
    for row in form.duplicates.rows:  # every line whole
        assert row.label.height() >= row.label.heightForWidth(row.label.width())
    # The counter's screen: the window, and the form where it opened over it.
    SHOTS.mkdir(parents=True, exist_ok=True)
    screen = QPixmap(1280, 800)
    screen.fill(Qt.GlobalColor.darkGray)
    painter = QPainter(screen)
    painter.drawPixmap(window.pos(), window.grab())
    painter.drawPixmap(form.pos(), form.grab())
    painter.setPen(Qt.GlobalColor.darkGray)
    painter.drawRect(form.frameGeometry().adjusted(0, 0, -1, -1))
    painter.end()
    assert screen.save(str(SHOTS / "duplicate_warning.png"))
    assert form.grab().save(str(SHOTS / "duplicate_warning_form.png"))
    # With a refusal's red line under a field as well, it still fits.
    type_text(qtbot, form.email, "yamada@example")
    monkeypatch.setattr(form_module, "ask", lambda *_a, **_k: "back")
    with qtbot.waitSignal(form.save_finished):
        form.save_button.click()  # 「…と同じ方ではありませんか？」: 入力に戻る
    with qtbot.waitSignal(form.save_finished):
        form.save_button.click()  # refused for the e-mail
    assert form.errors.lines["email"].isVisible() and form.summary.isVisible()
    assert misfits(form) == []
    # Typed away from every candidate, the form goes back to its height.
    form.errors.show([])
    form.summary.hide()
    form.name.clear()
    answered(qtbot, form, form.phone, "")
    assert form.duplicates.isHidden()
    assert form.height() == before
    form.close_keeping_draft()


def test_open_this_one_in_the_contacts_tab_selects_and_opens_that_record(
        qtbot, window, db, actor, people) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from kyodo_desk.services.contacts import EntryRef

    tab = window.contacts
    form = tab.open_new(ContactKind.PERSON)
    qtbot.waitUntil(form.isActiveWindow)
    type_yamada(qtbot, form)
    form.duplicates.rows[0].open_button.click()

    def opened() -> list[ContactForm]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ContactForm) and w.isVisible() and w.record_id is not None]

    qtbot.waitUntil(lambda: [f.record_id for f in opened()] == [people["山田 太郎"]])
    assert opened()[0].name.text() == "山田 太郎"
    qtbot.waitUntil(lambda: tab.current_ref() == EntryRef("contact", people["山田 太郎"]))
    assert len(svc.search_contacts(db, actor, "").entries) == 2  # nothing was added
    opened()[0].reject()
