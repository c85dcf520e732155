"""The consultation form (相談記録の入力画面) as the person at the counter uses it."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt, QThreadPool, QTime
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import func, select

from kyodo_desk.database import open_database
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.models import Consultation
from kyodo_desk.services import consultations as svc
from kyodo_desk.services import contacts
from kyodo_desk.services.consultations import (
    ConsultationChannel,
    ConsultationDraft,
    ConsultationStatus,
)
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.ui import drafted_form, operations
from kyodo_desk.ui.conflict import Choice
from kyodo_desk.ui.consultations import form as form_module
from kyodo_desk.ui.consultations.drafts import DraftStore, FormState, state_from_json, state_to_json
from kyodo_desk.ui.consultations.form import ConsultationForm, now_rounded
from kyodo_desk.ui.consultations.templates import TEMPLATES, template_named
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text

TODAY = date.today()


# --- fixtures and helpers ----------------------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts")


class Questions:
    """Stands in for the questions the form asks: records them, answers as told."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answers = {"入力途中の内容": "restore", "入力内容の確認": "discard"}

    def __call__(self, parent, title, text, choices, *, default, escape):  # type: ignore[no-untyped-def]
        self.asked.append(title)
        answer = self.answers[title]
        assert answer in [key for key, _label in choices]
        return answer


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    q = Questions()
    monkeypatch.setattr(drafted_form, "ask", q)
    return q


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    shown: list[BaseException] = []
    for module in (operations, drafted_form):  # the form's own lookups, and its saving
        monkeypatch.setattr(module, "show_error", lambda _parent, exc, *a: shown.append(exc))
    return shown


@pytest.fixture
def open_form(qtbot, db, actor, store):  # type: ignore[no-untyped-def]
    def make(detail=None, who=None) -> ConsultationForm:  # type: ignore[no-untyped-def]
        form = ConsultationForm(db, who or actor, detail=detail, drafts=store)
        qtbot.addWidget(form)
        with qtbot.waitSignal(form.choices_shown):  # read in the background
            form.show()
            form.activateWindow()
            qtbot.waitActive(form)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
        return form
    return make


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def stored_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Consultation))


def only_record(db, actor) -> svc.ConsultationDetail:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        ids = session.scalars(select(Consultation.id)).all()
    assert len(ids) == 1
    return svc.get_consultation(db, actor, ids[0])


def save(qtbot, form: ConsultationForm, *, stored: bool) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.save_finished) as blocker:
        form.save()
    assert blocker.args == [stored]


def tick(form: ConsultationForm, name: str) -> None:
    for i in range(form.topics.count()):
        if form.topics.item(i).text() == name:
            form.topics.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(name)


def ticked(form: ConsultationForm) -> list[str]:
    return [form.topics.item(i).text() for i in range(form.topics.count())
            if form.topics.item(i).checkState() == Qt.CheckState.Checked]


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def record_for(db, actor, facility_id: int, **fields) -> svc.ConsultationDetail:  # type: ignore[no-untyped-def]
    fields.setdefault("held_on", TODAY - timedelta(days=2))
    fields.setdefault("asked", "団体の会計のやり方を知りたい。")
    fields.setdefault("anonymous", True)
    created = svc.create_consultation(db, actor,
                                      ConsultationDraft(facility_id=facility_id, **fields))
    return svc.get_consultation(db, actor, created.id)


# --- defaults and the keyboard --------------------------------------------------------------

def test_a_new_form_starts_with_the_counter_defaults(open_form, facilities,
                                                     tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    assert form.windowTitle() == "相談記録の入力"
    assert form.held_on.date() == QDate.currentDate()
    assert form.held_on.calendarPopup()
    start = form.start_time.time()
    assert (start.minute() % 5 == 0 and start != QTime(0, 0)) or now_rounded() == time(0, 0)
    assert form.duration.text() == "未入力"
    assert (form.facility.currentText(), form.facility.currentData()) == (
        "東部市民サービスセンター", facilities["east"])
    assert form.staff.currentText() == "窓口 花子"
    assert form.channel_buttons[ConsultationChannel.VISIT].isChecked()
    assert form.status.currentText() == "完了"
    assert not form.follow_up.isChecked() and not form.follow_up_due.isEnabled()
    assert not form.age_band.isEnabled() and not form.area.isEnabled()
    assert ticked(form) == []
    assert form.topics.count() == 10
    assert QApplication.focusWidget() is form.held_on
    assert not form.is_dirty()
    shot = tmp_path / "consultation-form.png"
    assert form.width() <= 1280 and form.height() <= 800
    assert form.grab().save(str(shot))
    assert shot.stat().st_size > 10_000


def test_now_rounded_goes_down_to_five_minutes() -> None:
    from datetime import datetime

    assert now_rounded(datetime(2026, 11, 24, 10, 7)) == time(10, 5)
    assert now_rounded(datetime(2026, 11, 24, 10, 5)) == time(10, 5)
    assert now_rounded(datetime(2026, 11, 24, 9, 59)) == time(9, 55)


def test_a_clerk_fills_the_form_by_keyboard_and_it_is_stored(
        qtbot, open_form, db, actor, facilities, topics, store) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    # 相談日 (today) → 開始時刻 → 所要時間 → 担当者: the fixed 施設 is skipped.
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.start_time
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.duration
    qtbot.keyClicks(form.duration, "45")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.staff
    assert form.staff.currentText() == actor.name  # the signed-in account by default
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.consultee.search
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.consultee.new_button
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.anonymous
    press(qtbot, Qt.Key.Key_Space)  # 匿名: the age band and the area open up
    assert form.anonymous.isChecked() and form.age_band.isEnabled()
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.age_band
    press(qtbot, Qt.Key.Key_Home)  # 不明 → 10代以下
    for _ in range(3):  # → 20代 → 30代 → 40代
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.area
    form.area.setCurrentText("河辺")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.channel_buttons[ConsultationChannel.VISIT]
    press(qtbot, Qt.Key.Key_Right)  # 来所 → 電話
    assert form.channel_buttons[ConsultationChannel.PHONE].isChecked()
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.template
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.topics
    press(qtbot, Qt.Key.Key_Right)  # 団体設立 → NPO法人化
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Down)  # the grid has two columns: NPO法人化 → 資金・交付金
    press(qtbot, Qt.Key.Key_Space)
    assert ticked(form) == ["NPO法人化", "資金・交付金"]
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.asked
    type_text(qtbot, form.asked, "NPO法人の設立手続きと、協働サポート交付金の申請時期を知りたい。")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.answered
    type_text(qtbot, form.answered, "設立の流れを説明し、申請の手引きを渡した。")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.referral
    type_text(qtbot, form.referral, "秋田県 NPO 担当")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.follow_up
    press(qtbot, Qt.Key.Key_Space)  # フォローアップ要: due a week later, 対応中
    assert form.follow_up_due.isEnabled()
    assert form.follow_up_due.date() == QDate.currentDate().addDays(7)
    assert form.status.currentText() == "対応中"
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.follow_up_due
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.follow_up_plan
    type_text(qtbot, form.follow_up_plan, "定款の案ができたら電話をもらう")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.status

    with qtbot.waitSignal(form.save_finished) as blocker:
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [True]
    assert closed(form) or form.result() == QDialog.DialogCode.Accepted
    saved = only_record(db, actor)
    assert form.saved is not None and form.saved.id == saved.id
    assert (saved.held_on, saved.facility_id, saved.staff_account_id) == (
        TODAY, facilities["east"], actor.account_id)
    assert saved.start_time is not None and saved.start_time.minute % 5 == 0
    assert saved.duration_minutes == 45
    assert (saved.anonymous, saved.age_band, saved.area, saved.consultee_contact_id) == (
        True, "40代", "河辺", None)
    assert saved.channel is ConsultationChannel.PHONE
    assert [t.name for t in saved.topics] == ["NPO法人化", "資金・交付金"]
    assert saved.asked == "NPO法人の設立手続きと、協働サポート交付金の申請時期を知りたい。"
    assert saved.answered == "設立の流れを説明し、申請の手引きを渡した。"
    assert saved.referral == "秋田県 NPO 担当"
    assert saved.follow_up_due == TODAY + timedelta(days=7)
    assert saved.follow_up_plan == "定款の案ができたら電話をもらう"
    assert saved.status is ConsultationStatus.IN_PROGRESS
    assert not store.exists(actor.login, None)


def test_ctrl_enter_in_the_text_saves_and_enter_alone_does_not(
        qtbot, open_form, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.anonymous.setChecked(True)
    tick(form, "施設利用")
    form.referral.setFocus()
    type_text(qtbot, form.referral, "中央市民サービスセンター")
    qtbot.keyClick(form.referral, Qt.Key.Key_Return)  # Enter in a field never saves
    QThreadPool.globalInstance().waitForDone()
    assert form.isVisible() and stored_count(db) == 0
    form.asked.setFocus()
    type_text(qtbot, form.asked, "会議室の予約方法")
    with qtbot.waitSignal(form.save_finished):
        qtbot.keyClick(form.asked, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert only_record(db, actor).asked == "会議室の予約方法"


# --- opening: the choices are read in the background ----------------------------------------

class Gate:
    """Holds a service call on its worker thread until released (a slow network)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module, name: str, *,  # type: ignore[no-untyped-def]
                 when=lambda *_a, **_k: True) -> None:  # type: ignore[no-untyped-def]
        self.release, self.entered = threading.Event(), threading.Event()
        real = getattr(module, name)

        def held(*args, **kwargs):  # type: ignore[no-untyped-def]
            if when(*args, **kwargs):
                self.entered.set()
                self.release.wait(5)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, held)


def test_the_form_opens_at_once_and_a_restored_draft_s_choices_are_chosen_when_they_arrive(
        qtbot, db, accounts_by_login, facilities, topics, store, questions,
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]  # chooses among every facility
    store.save(officer.login, None, FormState(ConsultationDraft(
        held_on=TODAY, facility_id=facilities["yuwa"], staff_account_id=officer.account_id,
        asked="雄和での相談（途中）", topic_ids=(topics["地域づくり"],), anonymous=True)))
    gate = Gate(monkeypatch, svc, "list_topics")
    form = ConsultationForm(db, officer, drafts=store)
    qtbot.addWidget(form)
    try:
        form.show()
        # Open and usable while the database is slow: the typed text is back at once...
        assert questions.asked == ["入力途中の内容"]
        assert form.asked.toPlainText() == "雄和での相談（途中）"
        qtbot.waitUntil(gate.entered.is_set)
        # ...and the boxes say they are being read; what the draft chose is still held.
        assert not form.facility.isEnabled() and form.facility.currentText() == ""
        assert form.facility.placeholderText() == "読み込み中…"
        assert form.topics.count() == 0 and not form.template.isEnabled()
        assert form.draft().facility_id == facilities["yuwa"]
        assert form.draft().topic_ids == (topics["地域づくり"],)
        with qtbot.waitSignal(form.choices_shown):
            gate.release.set()
    finally:
        gate.release.set()
    assert form.facility.currentData() == facilities["yuwa"] and form.facility.isEnabled()
    assert form.staff.currentText() == "協働 三郎"
    assert ticked(form) == ["地域づくり"] and form.template.isEnabled()
    assert form.is_dirty()  # the restored draft is not what is stored


def test_an_existing_record_s_choices_are_shown_once_read(
        qtbot, db, actor, facilities, topics, store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    detail = record_for(db, actor, facilities["east"], topic_ids=(topics["団体運営"],),
                        staff_account_id=actor.account_id)
    gate = Gate(monkeypatch, svc, "list_consultation_staff")
    form = ConsultationForm(db, actor, detail=detail, drafts=store)
    qtbot.addWidget(form)
    try:
        form.show()
        qtbot.waitUntil(gate.entered.is_set)
        assert form.asked.toPlainText() == detail.asked and form.staff.currentText() == ""
        assert form.draft().staff_account_id == actor.account_id and not form.is_dirty()
        with qtbot.waitSignal(form.choices_shown):
            gate.release.set()
    finally:
        gate.release.set()
    assert form.staff.currentText() == "窓口 花子" and ticked(form) == ["団体運営"]
    assert form.facility.currentText() == "東部市民サービスセンター"
    assert not form.is_dirty()  # filling the boxes is no edit: closing asks nothing


def test_only_the_last_consultee_search_is_shown(qtbot, open_form, db, actor,
                                                 monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name, reading in (("山田 花子", "やまだ はなこ"), ("佐藤 一郎", "さとう いちろう")):
        contacts.create_contact(db, actor, ContactDraft(
            kind=ContactKind.PERSON, name=name, reading=reading))
    form = open_form()
    gate = Gate(monkeypatch, contacts, "search_contacts", when=lambda _db, _a, query, **_k:
                query == "やまだ")
    form.consultee.setFocus()
    try:
        type_text(qtbot, form.consultee.search, "やまだ")
        qtbot.waitUntil(gate.entered.is_set)  # the first search is slow…
        form.consultee.search.clear()
        with qtbot.waitSignal(form.consultee.search_finished):
            type_text(qtbot, form.consultee.search, "さとう")  # …the next is typed meanwhile
    finally:
        gate.release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the slow answer came too…
    assert form.consultee.candidate_names() == ["佐藤 一郎"]  # …and was dropped


# --- bad input ------------------------------------------------------------------------------

def _future(form: ConsultationForm) -> None:
    form.held_on.setDate(QDate.currentDate().addDays(1))


def _due_before(form: ConsultationForm) -> None:
    form.held_on.setDate(QDate.currentDate().addDays(-3))
    form.follow_up.setChecked(True)
    form.follow_up_due.setDate(QDate.currentDate().addDays(-5))


def _no_asked(form: ConsultationForm) -> None:
    form.asked.setPlainText("   \n")


@pytest.mark.parametrize(("spoil", "field", "words"), [
    (_no_asked, "asked", "相談内容"),
    (_future, "held_on", "相談日"),
    (_due_before, "follow_up_due", "フォローアップの期限"),
])
def test_bad_input_names_the_field_and_keeps_the_text(
        qtbot, open_form, db, spoil, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.anonymous.setChecked(True)
    tick(form, "団体運営")
    form.asked.setPlainText("役員の交代の手続き")
    type_text(qtbot, form.answered, "総会の議事録の例を渡した。")
    form.referral.setText("市民協働・都市連携推進課")
    spoil(form)
    typed = (form.asked.toPlainText(), form.answered.toPlainText(), form.referral.text())
    save(qtbot, form, stored=False)
    assert form.isVisible() and stored_count(db) == 0
    # The reason is on the red line under the field, the field framed and focused.
    assert form.summary.isVisible()
    assert form.errors.lines[field].isVisible() and words in form.errors.lines[field].text()
    widget = form.errors.inputs[field]
    assert "#c0392b" in widget.styleSheet()
    assert QApplication.focusWidget() is widget
    assert (form.asked.toPlainText(), form.answered.toPlainText(), form.referral.text()) == typed
    # The fields not at fault are not marked.
    assert form.referral.styleSheet() == "" and form.errors.message("referral") == ""


def test_every_fault_is_named_at_once_and_cleared_when_fixed(
        qtbot, open_form, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    _future(form)
    save(qtbot, form, stored=False)
    for field, words in (("held_on", "相談日"), ("asked", "相談内容"),
                         ("consultee_contact_id", "相談者"), ("topic_ids", "相談の分野")):
        assert words in form.errors.message(field)
    assert QApplication.focusWidget() is form.held_on  # the first in form order
    form.held_on.setDate(QDate.currentDate())
    form.anonymous.setChecked(True)
    tick(form, "その他")
    form.asked.setPlainText("道の駅の場所")
    save(qtbot, form, stored=True)
    assert form.held_on.styleSheet() == "" and stored_count(db) == 1


def test_typed_name_that_was_not_chosen_is_refused_by_name(qtbot, open_form, db) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.consultee.setFocus()
    type_text(qtbot, form.consultee.search, "該当なし太郎")
    tick(form, "その他")
    form.asked.setPlainText("問い合わせ")
    save(qtbot, form, stored=False)
    assert "「該当なし太郎」が連絡先から選ばれていません" in form.errors.message(
        "consultee_contact_id")
    assert form.consultee.text() == "該当なし太郎"


# --- the consultee ----------------------------------------------------------------------------

def test_an_existing_contact_is_chosen_by_typing_part_of_its_reading(
        qtbot, open_form, db, actor) -> None:  # type: ignore[no-untyped-def]
    person = contacts.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="山田 花子", reading="やまだ はなこ", phone="018-888-1111"))
    contacts.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう"))
    contacts.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="佐藤 一郎", reading="さとう いちろう"))
    form = open_form()
    form.consultee.setFocus()
    with qtbot.waitSignal(form.consultee.search_finished):
        type_text(qtbot, form.consultee.search, "ﾔﾏﾀﾞ")  # half-width katakana finds やまだ
    assert form.consultee.candidate_names() == ["山田 太郎", "山田 花子"]  # in reading order
    popup = form.consultee.candidates
    # Open under the box, nothing selected yet: Enter cannot take one the clerk has not seen.
    assert popup.isVisible() and not popup.currentIndex().isValid()
    assert "018-888-1111" in popup.model().index(1, 0).data()
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # into the candidates: 山田 太郎
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert form.consultee.text() == "山田 花子"
    assert form.draft().consultee_contact_id == person.id
    assert form.consultee.note.text() == "相談者: 山田 花子　（個人・やまだ はなこ・018-888-1111）"
    # Typing over the chosen name lets go of it; a unique match is taken with Enter.
    form.consultee.search.clear()
    with qtbot.waitSignal(form.consultee.search_finished):
        type_text(qtbot, form.consultee.search, "はなこ")
    assert form.draft().consultee_contact_id is None
    assert form.consultee.candidate_names() == ["山田 花子"]
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert form.draft().consultee_contact_id == person.id

    tick(form, "団体設立")
    form.asked.setPlainText("子ども食堂の団体を立ち上げたい。")
    save(qtbot, form, stored=True)
    saved = only_record(db, actor)
    assert (saved.consultee_contact_id, saved.consultee_name, saved.anonymous) == (
        person.id, "山田 花子", False)


def test_a_search_without_a_match_says_so(qtbot, open_form) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.consultee.setFocus()
    with qtbot.waitSignal(form.consultee.search_finished):
        type_text(qtbot, form.consultee.search, "存在しない名前%_\\'")
    assert form.consultee.candidate_names() == []
    assert "該当する連絡先はありません" in form.consultee.note.text()


def test_a_new_contact_is_registered_from_the_form_and_chosen(
        qtbot, open_form, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.consultee.setFocus()
    type_text(qtbot, form.consultee.search, "鈴木 一郎")
    seen: list[str] = []

    def fill_in(contact_form: ContactForm) -> int:
        seen.append(contact_form.name.text())  # what was typed is carried over as the name
        contact_form.reading.setText("すずき いちろう")
        contact_form.phone.setText("0188889999")
        contact_form.save()
        qtbot.waitUntil(lambda: contact_form.saved is not None)  # in the background
        return contact_form.result()

    monkeypatch.setattr(ContactForm, "exec", fill_in)
    form.consultee.new_button.click()
    assert seen == ["鈴木 一郎"]
    created = contacts.search_contacts(db, actor, "すずき").entries
    assert [(e.name, e.phone) for e in created] == [("鈴木 一郎", "018-888-9999")]
    assert form.draft().consultee_contact_id == created[0].ref.id
    assert form.consultee.text() == "鈴木 一郎"

    tick(form, "人材・ボランティア")
    form.asked.setPlainText("ボランティアを始めたい。")
    save(qtbot, form, stored=True)
    assert only_record(db, actor).consultee_contact_id == created[0].ref.id


def test_a_cancelled_contact_form_changes_nothing(qtbot, open_form, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.consultee.search.setText("取り消し")
    monkeypatch.setattr(ContactForm, "exec", lambda _self: QDialog.DialogCode.Rejected)
    form.consultee.new_button.click()
    assert form.consultee.text() == "取り消し" and form.draft().consultee_contact_id is None


def test_anonymous_keeps_only_the_age_band_and_area(qtbot, open_form, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.consultee.search.setText("名前は残さない")
    form.anonymous.setChecked(True)
    assert not form.consultee.isEnabled() and not form.consultee.new_button.isEnabled()
    assert form.consultee.note.text() == "名前は記録しません。年代と地域を選んでください。"
    form.age_band.setCurrentText("70代以上")
    form.area.setCurrentText("雄和")
    tick(form, "地域づくり")
    form.asked.setPlainText("町内会の担い手が足りない。")
    save(qtbot, form, stored=True)
    saved = only_record(db, actor)
    assert (saved.anonymous, saved.age_band, saved.area, saved.consultee_contact_id,
            saved.consultee_name) == (True, "70代以上", "雄和", None, "匿名")


# --- templates --------------------------------------------------------------------------------

def test_templates_are_data_for_the_frequent_topics(topics) -> None:  # type: ignore[no-untyped-def]
    names = [t.name for t in TEMPLATES]
    assert names == ["NPO法人化の相談", "団体設立の相談", "交付金の申請相談", "施設利用の問い合わせ",
                     "広報・PR の相談"]
    for template in TEMPLATES:
        assert set(template.topics) <= set(topics), template.name  # seeded topic names
        assert template.asked.strip()


def test_a_template_ticks_topics_fills_the_text_and_plans_the_follow_up(
        qtbot, open_form) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.template.setFocus()
    with qtbot.waitSignal(form.template.activated):
        qtbot.keyClick(form.template, Qt.Key.Key_Down)  # the first template: NPO法人化の相談
    template = template_named("NPO法人化の相談")
    assert ticked(form) == ["NPO法人化"]
    assert form.asked.toPlainText() == template.asked
    assert form.follow_up.isChecked()
    assert form.follow_up_due.date() == QDate.currentDate().addDays(14)
    assert form.status.currentText() == "対応中"
    assert form.follow_up_plan.text() == "定款・設立書類の準備状況を電話で確認"
    assert QApplication.focusWidget() is form.asked

    # A second template adds to what is there; the typed text stays first.
    form.asked.setPlainText("会員が増えてきた。")
    form.apply_template(template_named("広報・PR の相談"))
    assert ticked(form) == ["NPO法人化", "広報・PR"]
    assert form.asked.toPlainText() == "会員が増えてきた。\n\n" + template_named("広報・PR の相談").asked
    assert form.follow_up_due.date() == QDate.currentDate().addDays(7)
    # The due date follows the consultation date until it is set by hand.
    form.held_on.setDate(QDate.currentDate().addDays(-1))
    assert form.follow_up_due.date() == QDate.currentDate().addDays(6)
    form.follow_up_due.setDate(QDate.currentDate().addDays(20))
    form.held_on.setDate(QDate.currentDate().addDays(-2))
    assert form.follow_up_due.date() == QDate.currentDate().addDays(20)
    # A template without follow-up leaves the follow-up as it is.
    form.apply_template(template_named("施設利用の問い合わせ"))
    assert form.follow_up.isChecked() and "施設利用" in ticked(form)


def test_the_plan_a_template_fills_in_is_saved_and_shown_again(
        qtbot, open_form, db, actor, store, questions) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: the form showed the template's plan, and only the due date was stored."""
    form = open_form()
    form.anonymous.setChecked(True)
    form.apply_template(template_named("NPO法人化の相談"))
    form.follow_up_plan.setText(form.follow_up_plan.text() + "（代表の携帯へ）")
    plan = "定款・設立書類の準備状況を電話で確認（代表の携帯へ）"
    form.write_draft()
    assert store.load(actor.login, None).draft.follow_up_plan == plan  # the draft keeps it
    save(qtbot, form, stored=True)
    saved = only_record(db, actor)
    assert (saved.follow_up_plan, saved.follow_up_due) == (plan, TODAY + timedelta(days=14))

    again = open_form(saved)
    assert again.follow_up_plan.text() == plan and again.follow_up_plan.isEnabled()
    # No follow-up: the plan greys out with the date, and neither is saved.
    again.follow_up.setChecked(False)
    assert not again.follow_up_plan.isEnabled()
    save(qtbot, again, stored=True)
    cleared = svc.get_consultation(db, actor, saved.id)
    assert (cleared.follow_up_plan, cleared.follow_up_due) == ("", None)


# --- drafts -----------------------------------------------------------------------------------

def test_a_draft_is_kept_when_closed_without_saving_and_restored(
        qtbot, open_form, db, actor, store, questions) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.asked.setFocus()
    type_text(qtbot, form.asked, "補助金の締切を知りたい。")
    form.anonymous.setChecked(True)
    form.area.setCurrentText("北部")
    tick(form, "資金・交付金")
    qtbot.waitUntil(lambda: store.exists(actor.login, None))  # a second later

    questions.answers["入力内容の確認"] = "continue"
    qtbot.keyClick(form.asked, Qt.Key.Key_Escape)
    assert form.isVisible() and questions.asked == ["入力内容の確認"]
    questions.answers["入力内容の確認"] = "keep"
    qtbot.keyClick(form.asked, Qt.Key.Key_Escape)
    assert closed(form)
    assert store.exists(actor.login, None) and stored_count(db) == 0

    again = open_form()
    assert questions.asked[-1] == "入力途中の内容"
    assert again.asked.toPlainText() == "補助金の締切を知りたい。"
    assert again.anonymous.isChecked() and again.area.currentText() == "北部"
    assert ticked(again) == ["資金・交付金"]
    save(qtbot, again, stored=True)
    assert not store.exists(actor.login, None)
    assert only_record(db, actor).area == "北部"

    third = open_form()
    assert questions.asked.count("入力途中の内容") == 1  # nothing left to offer
    assert third.asked.toPlainText() == ""


def test_discarding_removes_the_draft_and_declining_a_restore_starts_empty(
        qtbot, open_form, actor, store, questions) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.asked.setPlainText("捨てる入力")
    form.write_draft()
    assert store.exists(actor.login, None)
    form.reject()  # answered "discard"
    assert closed(form) and not store.exists(actor.login, None)

    form = open_form()
    form.asked.setPlainText("残す入力")
    form.close()  # the window's close box asks the same
    assert questions.asked[-1] == "入力内容の確認"
    assert closed(form) and not store.exists(actor.login, None)

    form = open_form()
    form.asked.setPlainText("もう一度")
    form.write_draft()
    form._closing = True  # the app went away: nothing asked, the draft stays
    form.close()
    questions.answers["入力途中の内容"] = "discard"
    fresh = open_form()
    assert fresh.asked.toPlainText() == "" and not store.exists(actor.login, None)


def test_closing_an_untouched_form_asks_nothing(open_form, questions) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.reject()
    assert closed(form) and questions.asked == []


def test_drafts_are_per_account_and_record_and_survive_a_damaged_file(
        tmp_path: Path, facilities) -> None:  # type: ignore[no-untyped-def]
    store = DraftStore(tmp_path)
    state = FormState(ConsultationDraft(held_on=TODAY, facility_id=facilities["east"],
                                        asked="相談", topic_ids=(2, 5), start_time=time(9, 30),
                                        follow_up_due=TODAY + timedelta(days=7)),
                      consultee_text="", follow_up=True, base_version=3)
    assert state_from_json(state_to_json(state)) == state
    store.save("sato.hanako", None, state)
    store.save("sato.hanako", 12, state)
    assert store.path("sato.hanako", None).name == "consultation-sato.hanako-new.json"
    assert store.load("sato.hanako", 12) == state
    assert store.load("sato.hanako", 12).base_version == 3  # type: ignore[union-attr]
    assert store.load("suzuki", None) is None
    assert "/" not in store.path("../x/相談", None).name
    store.path("sato.hanako", 12).write_text("{ not json", encoding="utf-8")
    assert store.load("sato.hanako", 12) is None
    assert store.load("sato.hanako", None) == state


# --- editing and other counters ------------------------------------------------------------------

def test_an_existing_record_is_edited(qtbot, open_form, db, actor, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    detail = record_for(db, actor, facilities["east"], topic_ids=(topics["団体運営"],),
                        channel=ConsultationChannel.EMAIL, start_time=time(14, 0),
                        duration_minutes=30, age_band="50代", area="東部")
    form = open_form(detail)
    assert form.windowTitle() == "相談記録の編集"
    assert form.asked.toPlainText() == detail.asked and ticked(form) == ["団体運営"]
    assert form.channel_buttons[ConsultationChannel.EMAIL].isChecked()
    assert form.start_time.time() == QTime(14, 0) and form.duration.value() == 30
    assert (form.age_band.currentText(), form.area.currentText()) == ("50代", "東部")
    assert not form.is_dirty()
    form.answered.setPlainText("会計ソフトの講座を案内した。")
    form.follow_up.setChecked(True)
    save(qtbot, form, stored=True)
    saved = svc.get_consultation(db, actor, detail.id)
    assert saved.answered == "会計ソフトの講座を案内した。"
    assert saved.version == detail.version + 1 and form.saved == saved
    assert saved.follow_up_due == detail.held_on + timedelta(days=7)
    assert saved.status is ConsultationStatus.IN_PROGRESS


@pytest.fixture
def other_counter(database_url: str, accounts_by_login):  # type: ignore[no-untyped-def]
    """Another counter's PC: its own connection, the collaboration officer's account."""
    other = open_database(database_url)
    yield other, accounts_by_login["officer"]
    other.dispose()


def test_a_conflicting_edit_shows_both_versions_and_keeps_the_typed_text(
        qtbot, open_form, db, actor, facilities, topics, other_counter,
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    detail = record_for(db, actor, facilities["east"], topic_ids=(topics["広報・PR"],))
    form = open_form(detail)
    form.asked.setPlainText("チラシの作り方を知りたい。（追記）")

    other_db, officer = other_counter
    theirs = svc.get_consultation(other_db, officer, detail.id)
    svc.update_consultation(other_db, officer, detail.id, theirs.version, ConsultationDraft(
        **{**theirs.as_draft().__dict__, "answered": "広報あきたの掲載方法を案内。"}))

    shown: list[list[tuple[str, ...]]] = []

    def choose(choice: Choice):  # type: ignore[no-untyped-def]
        def exec_(dialog) -> int:  # type: ignore[no-untyped-def]
            shown.append([tuple(dialog.table.item(r, c).text() for c in range(3))
                          for r in range(dialog.table.rowCount())])
            dialog.choice = choice
            return 1
        return exec_

    # 1. Keep editing: nothing saved, the typed text still in the form.
    monkeypatch.setattr(form_module.ConsultationConflictDialog, "exec",
                        choose(Choice.KEEP_EDITING))
    save(qtbot, form, stored=False)
    assert shown[-1] == [
        ("相談内容", "チラシの作り方を知りたい。（追記）", detail.asked),
        ("回答・助言", "", "広報あきたの掲載方法を案内。"),
    ]
    # A follow-up planned at the other counter is one of the differences too.
    theirs = svc.get_consultation(other_db, officer, detail.id)
    svc.update_consultation(other_db, officer, detail.id, theirs.version, svc.replace_draft(
        theirs.as_draft(), follow_up_due=detail.held_on + timedelta(days=7),
        follow_up_plan="チラシの案を確認"))
    save(qtbot, form, stored=False)
    assert ("フォローアップの予定", "", "チラシの案を確認") in shown[-1]
    # Dates as every screen writes them.
    assert ("フォローアップの期限", "なし",
            full_date(detail.held_on + timedelta(days=7))) in shown[-1]
    assert form.asked.toPlainText() == "チラシの作り方を知りたい。（追記）" and form.isVisible()
    assert svc.get_consultation(db, actor, detail.id).asked == detail.asked

    # 2. Save mine over theirs, knowingly.
    monkeypatch.setattr(form_module.ConsultationConflictDialog, "exec", choose(Choice.SAVE_MINE))
    with qtbot.waitSignal(form.save_finished, check_params_cb=lambda ok: ok):
        form.save()
    stored = svc.get_consultation(db, actor, detail.id)
    assert stored.asked == "チラシの作り方を知りたい。（追記）"
    assert stored.answered == ""  # mine, as shown in the comparison


def test_reloading_after_a_conflict_shows_their_version(
        qtbot, open_form, db, actor, facilities, topics, other_counter, monkeypatch,
        store) -> None:  # type: ignore[no-untyped-def]
    detail = record_for(db, actor, facilities["east"], topic_ids=(topics["その他"],))
    form = open_form(detail)
    form.referral.setText("社会福祉協議会")
    other_db, officer = other_counter
    svc.update_consultation(other_db, officer, detail.id, detail.version, ConsultationDraft(
        **{**detail.as_draft().__dict__, "referral": "市民協働・都市連携推進課"}))
    monkeypatch.setattr(form_module.ConsultationConflictDialog, "exec",
                        lambda dialog: setattr(dialog, "choice", Choice.LOAD_THEIRS))
    save(qtbot, form, stored=False)
    assert form.referral.text() == "市民協働・都市連携推進課"
    assert not form.is_dirty()
    form.answered.setPlainText("改めて案内した。")
    save(qtbot, form, stored=True)  # on top of their version now
    assert svc.get_consultation(db, actor, detail.id).referral == "市民協働・都市連携推進課"


def test_a_draft_begun_on_an_older_version_does_not_overwrite_a_newer_one(
        qtbot, open_form, db, actor, facilities, topics, other_counter, monkeypatch,
        questions) -> None:  # type: ignore[no-untyped-def]
    detail = record_for(db, actor, facilities["east"], topic_ids=(topics["その他"],))
    form = open_form(detail)
    form.answered.setPlainText("途中まで")
    form.write_draft()
    form._closing = True
    form.close()
    other_db, officer = other_counter
    svc.update_consultation(other_db, officer, detail.id, detail.version, ConsultationDraft(
        **{**detail.as_draft().__dict__, "answered": "他の窓口の回答"}))
    latest = svc.get_consultation(db, actor, detail.id)
    again = open_form(latest)
    assert again.answered.toPlainText() == "途中まで"
    shown = []
    monkeypatch.setattr(form_module.ConsultationConflictDialog, "exec",
                        lambda dialog: shown.append(dialog.choice))
    save(qtbot, again, stored=False)
    assert shown == [Choice.KEEP_EDITING]
    assert svc.get_consultation(db, actor, detail.id).answered == "他の窓口の回答"


def test_a_lost_connection_keeps_the_form_and_saves_when_it_returns(
        qtbot, open_form, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.anonymous.setChecked(True)
    tick(form, "その他")
    form.asked.setPlainText("再接続を待つ相談")
    real = svc.create_consultation

    def lost(*_a, **_k):  # type: ignore[no-untyped-def]
        raise ConnectionLost("データベースに接続できません。今の操作は保存されていません。")

    monkeypatch.setattr(svc, "create_consultation", lost)
    save(qtbot, form, stored=False)
    assert form.isVisible() and "接続が戻りしだい" in form.summary.text()
    assert form.asked.toPlainText() == "再接続を待つ相談"
    assert form.save_button.isEnabled()
    monkeypatch.setattr(svc, "create_consultation", real)
    with qtbot.waitSignal(form.save_finished):
        form.retry_when_connected()
    assert only_record(db, actor).asked == "再接続を待つ相談"


def test_the_save_button_waits_while_saving(qtbot, open_form, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    form.anonymous.setChecked(True)
    tick(form, "その他")
    form.asked.setPlainText("ゆっくり保存")
    release = threading.Event()
    real = svc.create_consultation

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "create_consultation", slow)
    with qtbot.waitSignal(form.save_finished):
        form.save()
        assert not form.save_button.isEnabled() and not form.content.isEnabled()
        form.save()  # a second Ctrl+Enter meanwhile is ignored
        form.reject()  # and closing waits for the answer
        assert form.isVisible()
        release.set()
    assert stored_count(db) == 1


# --- facilities and permissions ------------------------------------------------------------------

def test_counter_staff_cannot_pick_another_facility(qtbot, open_form, db, actor, facilities,
                                                    errors) -> None:  # type: ignore[no-untyped-def]
    form = open_form()
    assert not form.facility.isEnabled() and form.facility.count() == 1
    # Even a facility forced into the box is refused by the service, and the text stays.
    form.facility.addItem("西部市民サービスセンター", facilities["west"])
    form.facility.setCurrentIndex(1)
    form.anonymous.setChecked(True)
    tick(form, "その他")
    form.asked.setPlainText("他施設として記録")
    save(qtbot, form, stored=False)
    assert len(errors) == 1 and isinstance(errors[0], PermissionDenied)
    assert stored_count(db) == 0 and form.asked.toPlainText() == "他施設として記録"


def test_an_officer_chooses_the_facility(qtbot, open_form, db, accounts_by_login,
                                         facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    form = open_form(who=officer)
    assert form.facility.isEnabled() and form.facility.count() == 8
    assert form.facility.currentData() == facilities["central"]
    assert form.staff.currentText() == "協働 三郎"
    form.facility.setCurrentIndex(form.facility.findData(facilities["yuwa"]))
    form.anonymous.setChecked(True)
    tick(form, "協働事業提案")
    form.asked.setPlainText("雄和地区での協働事業の提案")
    save(qtbot, form, stored=True)
    assert only_record(db, officer).facility_id == facilities["yuwa"]


# --- 交付金案件 ---------------------------------------------------------------------------------

def grant_case_choices(form: ConsultationForm) -> list[object]:
    return [form.grant_case.itemData(i) for i in range(form.grant_case.count())]


def test_an_officer_links_a_consultation_to_a_grant_case_and_sees_it_again(
        qtbot, open_form, db, accounts_by_login, facilities, errors) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.grants import Stage
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services.demo.grants import advance_case
    from tests.grant_fixtures import group, make_case, make_programme

    officer = accounts_by_login["officer"]
    programme = make_programme(db)
    concert = make_case(db, programme.id, group(db, "秋田まちなか音楽の会"), "まちなかコンサート")
    kitchen_group = group(db, "NPO法人あきた子ども未来ネット")
    kitchen = make_case(db, programme.id, kitchen_group, "放課後こども食堂",
                        stage=Stage.APPLICATION)
    ended = make_case(db, programme.id, group(db, "北部地域づくり協議会"), "見守り隊")
    advance_case(db, Actor.command_line(), ended.id, Stage.WITHDRAWN)

    form = open_form(who=officer)
    assert form.grant_case.isVisibleTo(form)
    assert form.grant_case.currentText() == "（なし）"
    assert grant_case_choices(form) == [None, concert.id, kitchen.id]  # no ended case
    form.consultee.setFocus()
    with qtbot.waitSignal(form.consultee.search_finished):
        type_text(qtbot, form.consultee.search, "子ども未来")
    with qtbot.waitSignal(form.grant_cases_shown):
        qtbot.keyClick(form.consultee.search, Qt.Key.Key_Return)  # the only candidate
    assert form.draft().consultee_contact_id == kitchen_group
    assert grant_case_choices(form) == [None, kitchen.id, concert.id]  # the consultee's first
    assert form.grant_case.itemText(1) == ("令和8年度 秋田市協働サポート交付金: 放課後こども食堂"
                                           "（NPO法人あきた子ども未来ネット）・申請")
    form.grant_case.setCurrentIndex(1)
    tick(form, "資金・交付金")
    form.asked.setPlainText("交付金の実績報告書の書き方を知りたい。")
    save(qtbot, form, stored=True)
    saved = only_record(db, officer)
    assert saved.grant_case_id == kitchen.id

    # Reopened: the link is shown, even once the case has ended (取下げ).
    advance_case(db, Actor.command_line(), kitchen.id, Stage.WITHDRAWN)
    again = open_form(svc.get_consultation(db, officer, saved.id), who=officer)
    assert again.grant_case.currentData() == kitchen.id
    assert again.grant_case.currentText().endswith("・取下げ")
    assert ended.id not in grant_case_choices(again) and not again.is_dirty()

    # Unlinked with 「（なし）」.
    again.grant_case.setCurrentIndex(0)
    save(qtbot, again, stored=True)
    assert svc.get_consultation(db, officer, saved.id).grant_case_id is None


def test_the_grant_case_is_kept_in_the_draft(
        qtbot, open_form, db, accounts_by_login, store, questions) -> None:  # type: ignore[no-untyped-def]
    from tests.grant_fixtures import group, make_case, make_programme

    officer = accounts_by_login["officer"]
    case = make_case(db, make_programme(db).id, group(db), "まちなかコンサート")
    form = open_form(who=officer)
    form.grant_case.setCurrentIndex(form.grant_case.findData(case.id))
    form.asked.setPlainText("申請書の相談")
    form.write_draft()
    assert store.load(officer.login, None).draft.grant_case_id == case.id  # type: ignore[union-attr]
    questions.answers["入力内容の確認"] = "keep"
    form.reject()

    again = open_form(who=officer)
    assert questions.asked[-1] == "入力途中の内容"
    assert again.grant_case.currentData() == case.id


def test_counter_staff_do_not_see_the_grant_case_and_keep_its_link(
        qtbot, open_form, db, actor, accounts_by_login, facilities, topics, errors) -> None:  # type: ignore[no-untyped-def]
    from tests.grant_fixtures import group, make_case, make_programme

    case = make_case(db, make_programme(db).id, group(db), "まちなかコンサート")
    linked = record_for(db, accounts_by_login["officer"], facilities["east"],
                        topic_ids=(topics["資金・交付金"],), grant_case_id=case.id)
    form = open_form(svc.get_consultation(db, actor, linked.id))  # counter staff of 東部
    assert not form.grant_case.isVisibleTo(form) and form.grant_case.count() == 0
    form.answered.setPlainText("申請書の様式を渡した。")
    save(qtbot, form, stored=True)  # the link they cannot see is kept, not refused
    stored = svc.get_consultation(db, actor, linked.id)
    assert stored.answered == "申請書の様式を渡した。" and stored.grant_case_id == case.id

    new = open_form()
    assert not new.grant_case.isVisibleTo(new)
    assert new.draft().grant_case_id is None


def test_a_link_made_elsewhere_meanwhile_survives_counter_staff_saving_over_it(
        qtbot, open_form, db, actor, facilities, topics, other_counter, errors,
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.grant_fixtures import group, make_case, make_programme

    case = make_case(db, make_programme(db).id, group(db), "まちなかコンサート")
    detail = record_for(db, actor, facilities["east"], topic_ids=(topics["資金・交付金"],))
    form = open_form(detail)  # counter staff
    form.answered.setPlainText("募集要項を渡した。")
    other_db, officer = other_counter  # the officer links it to the case first
    theirs = svc.get_consultation(other_db, officer, detail.id)
    svc.update_consultation(other_db, officer, detail.id, theirs.version, ConsultationDraft(
        **{**theirs.as_draft().__dict__, "grant_case_id": case.id}))

    shown: list[list[str]] = []

    def save_mine(dialog) -> int:  # type: ignore[no-untyped-def]
        shown.append([dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())])
        dialog.choice = Choice.SAVE_MINE
        return 1

    monkeypatch.setattr(form_module.ConsultationConflictDialog, "exec", save_mine)
    with qtbot.waitSignal(form.save_finished, check_params_cb=lambda ok: ok):
        form.save()
    assert errors == []  # not refused for changing a link the account may not see
    assert shown == [["回答・助言"]]  # the link they cannot see is not among the differences
    stored = svc.get_consultation(db, actor, detail.id)
    assert stored.answered == "募集要項を渡した。" and stored.grant_case_id == case.id
