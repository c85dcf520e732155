"""The event form (イベントの登録・編集): everything a leaflet and the sign-up desk need.

Like the consultation form: fields in the order they are filled in (Tab), Ctrl+Enter saves,
Esc closes (asking when something was typed), a draft is kept on disk a second after each
change and offered back, saving runs off the GUI thread, and a refused save writes each
problem on a red line under the field it is about, keeping every character typed. The form
reads nothing itself: the tab reads the facilities (and the event) first, then builds it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import clock, date_with_weekday, full_date
from kyodo_desk.domain.districts import suggest_district
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.events import (
    EVENT_KIND_LABELS,
    QUESTION_KIND_LABELS,
    QUEUE_RULE_LABELS,
    EventKind,
    QueueRule,
)
from kyodo_desk.domain.holidays import ClosedDays
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.questions import Question
from kyodo_desk.domain.readings import suggested_reading
from kyodo_desk.services import events as svc
from kyodo_desk.services.events import EventDetail, EventDraft, SessionDraft
from kyodo_desk.ui.conflict import VersionsDialog, differences
from kyodo_desk.ui.date_inputs import DateEdit, day_of, qdate
from kyodo_desk.ui.district_choice import UNSET, choose_district, district_combo
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.events.drafts import EventDraftStore, EventFormState
from kyodo_desk.ui.events.photo_box import PhotoBox
from kyodo_desk.ui.events.questions_editor import QuestionsEditor, choices_text
from kyodo_desk.ui.events.sessions_editor import SessionsEditor, short_date_edit
from kyodo_desk.ui.field_errors import form_column, text_box, with_unit
from kyodo_desk.ui.number_box import NumberBox, typed_texts
from kyodo_desk.ui.postal_fill import fill_address_from_code_typed_in

DEFAULT_HOLD_HOURS = 48
_SESSION_NUMBER = re.compile(r"開催日(\d+)（")

# Field → label, in form order: the order problems are listed and the first one is focused.
FIELD_LABELS = {
    "kind": "種類", "title": "イベント名", "title_reading": "よみ", "facility_id": "主催施設",
    "venue": "会場", "district": "地域", "sessions": "開催日時", "description": "説明", "questions": "申込時の質問", "capacity": "定員",
    "signup_opens_on": "受付開始", "signup_closes_on": "受付締切",
    "lottery_until": "抽選の申込締切", "audience": "対象",
    "fee": "参加費", "fee_note": "料金の補足", "how_to_apply": "申込方法",
    "contact_name": "問い合わせ先", "contact_phone": "問い合わせ先の電話", "url": "URL",
    "queue_rule": "キャンセル待ちの順番", "offer_hold_hours": "繰り上げの回答期限",
    "completion_sessions": "修了に必要な出席回数", "cohort": "期生",
    "has_booths": "ブース出展", "cancelled": "中止",
}
QUEUE_RULE_HELP = {
    QueueRule.STRICT: "空いた席は先頭の組から順に。先頭の組が入りきらないときは、後ろの組も待ちます。",
    QueueRule.FIRST_FIT: "空いた席に入る組を、受付順に繰り上げます（大人数の組は後になることがあります）。",
}


class EventForm(DraftedForm):
    """Register an event (detail None; *initial* e.g. a copy for next year) or change one
    (saving and drafts: DraftedForm).

    *facilities*: the active facilities as (name, id), read before the form is built — the
    choices of 主催施設 and 会場. *venue_districts* (facility id → 地域) and *towns* (町名 →
    地域, services.districts) suggest the 地域 from the venue until the clerk chooses one.
    *closed_days* (facility id → its 休館日) greys the venue's closed days in the sessions'
    calendars; a session on one, or on a national holiday, is warned about under the sessions.
    """

    field_order = tuple(FIELD_LABELS)

    def __init__(self, db: Database, actor: Actor, *, facilities: Sequence[tuple[str, int]],
                 detail: EventDetail | None = None, initial: EventDraft | None = None,
                 parent: QWidget | None = None, drafts: EventDraftStore | None = None,
                 venue_districts: Mapping[int, str] | None = None,
                 towns: Mapping[str, str] | None = None,
                 closed_days: Mapping[int, ClosedDays] | None = None) -> None:
        super().__init__(db, actor, detail, drafts or EventDraftStore(), parent)
        self._closed_days = dict(closed_days or {})
        self._venue_districts = dict(venue_districts or {})
        self._towns = dict(towns or {})
        # The 地域 follows the venue until the clerk chooses one in the box.
        self._district_by_hand = False
        self.setWindowTitle("イベントの編集" if detail else
                            "イベントの登録（来年度用のコピー）" if initial else "イベントの登録")
        self.setMinimumSize(1180, 600)

        self._build_widgets(facilities)
        self._build_layout()
        self._connect()

        self._begin(self._state_of(detail) if detail is not None
                    else EventFormState(initial or self._new_draft()))
        self.kind.setFocus()

    # --- widgets --------------------------------------------------------------------------
    def _build_widgets(self, facilities: Sequence[tuple[str, int]]) -> None:
        self.kind = QComboBox()
        for kind, label in EVENT_KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.title = QLineEdit()
        self.title.setObjectName("eventTitle")
        self.title.setPlaceholderText("例: 令和8年度 市民活動入門セミナー")
        self.title_reading = QLineEdit()
        self.title_reading.setObjectName("eventTitleReading")
        self.title_reading.setPlaceholderText("ひらがな・カタカナ（並び順と検索に使います）")
        self.title_reading.setToolTip(
            "イベント名から候補が入ります（違っていれば直してください。直したよみは変わりません）。"
            "オープンデータのイベント一覧に必要です")
        # The reading last put in from the title: while the box still holds it (or nothing),
        # a changed title brings a new one; a reading the clerk typed is never replaced.
        self._reading_suggestion = ""
        self.facility = QComboBox()
        self.venue = QComboBox()
        self.venue.setObjectName("venue")
        for name, facility_id in facilities:
            self.facility.addItem(name, facility_id)
            self.venue.addItem(name, facility_id)
        self.venue.addItem("その他の会場（名称と住所を入力）", None)
        self.venue_name = QLineEdit()
        self.venue_name.setPlaceholderText("会場名（例: 秋田市にぎわい交流館AU 3階）")
        self.venue_address = QLineEdit()
        self.venue_address.setPlaceholderText("住所（〒を打つと町名まで入ります。例: 秋田市中通一丁目4番1号）")
        self.district = district_combo("eventDistrict")
        self.district.setToolTip("イベントを開く地域。会場の住所から候補を示します（選び直せます）")
        self.district_note = QLabel()
        self.district_note.setObjectName("districtNote")
        self.district_note.setStyleSheet("color: #555;")
        self.sessions = SessionsEditor()
        # Sessions on a holiday or the venue's 休館日: said, never refused (a festa on a
        # holiday is on purpose).
        self.day_warnings = QLabel()
        self.day_warnings.setObjectName("sessionDayWarnings")
        self.day_warnings.setWordWrap(True)
        self.day_warnings.setStyleSheet("color: #8a5300;")
        self.day_warnings.hide()
        self.description = text_box("チラシに載せる内容・講師・持ち物など", 96)
        self.questions = QuestionsEditor()
        self.questions.add_button.setDefault(False)

        self.capacity = NumberBox.for_column("events", "capacity", unit="名", optional=True,
                                             empty_text="定員なし")
        self.opens = QCheckBox("開始")
        self.opens.setToolTip("チェックを外すと、受付開始日を設けません")
        self.opens_on = short_date_edit()
        self.closes = QCheckBox("締切")
        self.closes.setToolTip("チェックを外すと、締切日を設けません（当日まで受付）")
        self.closes_on = short_date_edit()
        # 抽選: applications until this day, then a draw (services/events/lottery.py).
        self.lottery = QCheckBox("抽選にする")
        self.lottery.setObjectName("lottery")
        self.lottery.setToolTip("定員を超える申込を、締切の後の抽選で決めます（当選は受付済、"
                                "ほかは抽選順にキャンセル待ち）。チェックを外すと先着順です")
        self.lottery_until = short_date_edit()
        self.lottery_until.setObjectName("lotteryUntil")
        self.audience = QLineEdit()
        self.audience.setPlaceholderText("例: 市内在住・在勤の方、市民活動に関心のある方")
        self.fee = NumberBox.for_column("events", "fee", unit="円", optional=True,
                                        empty_text="無料")
        self.fee_note = QLineEdit()
        self.fee_note.setPlaceholderText("料金の補足（例: 資料代として）")
        self.how_to_apply = text_box("例: 電話または窓口で（受付 9:00～17:00）", 52)
        self.contact_name = QLineEdit()
        self.contact_name.setPlaceholderText("名称（空欄なら主催施設）")
        self.contact_phone = QLineEdit()
        self.contact_phone.setPlaceholderText("018-888-5640")
        self.contact_phone.setFixedWidth(150)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…")
        # Saved at once, apart from the form's 保存: a photo is no field of the event.
        self.photo = PhotoBox(self.db, self.actor)
        self.photo.set_event(self.record_id)
        self.queue_rule = QComboBox()
        for rule, label in QUEUE_RULE_LABELS.items():
            self.queue_rule.addItem(label, rule)
        self.queue_help = QLabel()
        self.queue_help.setObjectName("queueRuleHelp")
        self.queue_help.setWordWrap(True)
        self.queue_help.setStyleSheet("color: #555;")
        self.hold_hours = NumberBox.for_column("events", "offer_hold_hours", unit="時間")
        self.hold_hours.setToolTip("繰り上がった方に連絡してから、参加の返事を待つ時間"
                                   f"（{self.hold_hours.lowest}〜{self.hold_hours.highest}時間）")
        # つむぎすと講座 only: the completion rule (修了) and the 期生 number.
        self.completion = NumberBox.for_column("events", "completion_sessions", optional=True,
                                               empty_text="条件なし")
        self.completion.setObjectName("completionSessions")
        self.completion.setToolTip("この回数以上出席した方が修了です（修了者の一覧と修了証に使います。"
                                   "空欄: 修了の条件なし）")
        self.cohort = NumberBox.for_column("events", "cohort", optional=True, empty_text="なし")
        self.cohort.setObjectName("cohort")
        self.cohort.setToolTip("この講座の期（第N期生）。修了者名簿は期生ごとに並びます")
        self.has_booths = QCheckBox("ブース出展あり")
        self.has_booths.setToolTip("出展団体の机・椅子・電源を申込ごとに受け付けます")
        self.cancelled = QCheckBox("中止")
        self.cancelled.setToolTip("中止にしても記録と申込は残ります（チラシや一覧に「中止」と出ます）")
        # Enter in a field must never press it by accident (the base sees to 保存 and キャンセル).
        self.sessions.add_button.setAutoDefault(False)
        self.sessions.add_button.setDefault(False)

    def _build_layout(self) -> None:
        left, right = form_column(), form_column()
        self.errors.add_row(left, "種類", self.kind, "kind", narrow=True)
        self.errors.add_row(left, "イベント名 *", self.title, "title")
        self.errors.add_row(left, "よみ", self.title_reading, "title_reading")
        self.errors.add_row(left, "主催施設", self.facility, "facility_id", narrow=True)
        venue = QVBoxLayout()
        venue.setSpacing(4)
        venue.addWidget(self.venue)
        venue.addWidget(self.venue_name)
        venue.addWidget(self.venue_address)
        self.errors.add_row(left, "会場 *", venue, "venue", focus=self.venue)
        district = QHBoxLayout()
        district.addWidget(self.district)
        district.addWidget(self.district_note, 1)
        self.errors.add_row(left, "地域", district, "district", focus=self.district)
        sessions = QVBoxLayout()
        sessions.setSpacing(2)
        sessions.addWidget(self.sessions)
        sessions.addWidget(self.day_warnings)
        self.errors.add_row(left, "開催日時 *", sessions, "sessions", focus=self.sessions)
        self.errors.add_row(left, "説明", self.description, "description")
        self.errors.add_row(left, "申込時の質問", self.questions, "questions",
                            focus=self.questions.add_button)

        # The units stand beside the boxes, not in them: an empty box shows what empty means
        # (定員なし, 無料), and the unit stays in sight while a number is typed.
        self.errors.add_row(right, "定員", with_unit(self.capacity, "名（空欄は定員なし）"), "capacity",
                  focus=self.capacity)
        period = QVBoxLayout()  # one line each: side by side they do not fit the column
        period.setSpacing(4)
        for check, edit in ((self.opens, self.opens_on), (self.closes, self.closes_on)):
            line = QHBoxLayout()
            check.setMinimumWidth(64)
            line.addWidget(check)
            line.addWidget(edit)
            line.addStretch()
            period.addLayout(line)
        self.errors.add_row(right, "受付期間", period, "signup_opens_on", "signup_closes_on",
                  focus=self.opens_on, frames={"signup_closes_on": self.closes_on})
        lottery = QHBoxLayout()
        lottery.addWidget(self.lottery)
        lottery.addWidget(QLabel("申込締切"))
        lottery.addWidget(self.lottery_until)
        lottery.addStretch()
        self.errors.add_row(right, "抽選", lottery, "lottery_until", focus=self.lottery_until)
        self.errors.add_row(right, "対象", self.audience, "audience")
        fee = with_unit(self.fee, "円")
        fee.takeAt(fee.count() - 1)  # the note takes the rest of the line
        fee.addSpacing(8)
        fee.addWidget(self.fee_note, 1)
        self.errors.add_row(right, "参加費", fee, "fee", "fee_note", focus=self.fee,
                  frames={"fee_note": self.fee_note})
        self.errors.add_row(right, "申込方法", self.how_to_apply, "how_to_apply")
        contact = QHBoxLayout()
        contact.addWidget(self.contact_name, 1)
        contact.addWidget(QLabel("電話"))
        contact.addWidget(self.contact_phone)
        self.errors.add_row(right, "問い合わせ先", contact, "contact_name", "contact_phone",
                  focus=self.contact_name, frames={"contact_phone": self.contact_phone})
        self.errors.add_row(right, "URL", self.url, "url")
        self.errors.add_row(right, "チラシの写真", self.photo)
        queue = QVBoxLayout()
        queue.setSpacing(2)
        queue.addWidget(self.queue_rule)
        queue.addWidget(self.queue_help)
        self.errors.add_row(right, "キャンセル待ちの順番", queue, "queue_rule", focus=self.queue_rule)
        self.errors.add_row(right, "繰り上げの回答期限", with_unit(self.hold_hours, "時間"),
                            "offer_hold_hours", focus=self.hold_hours)
        course = with_unit(self.completion, "回以上出席で修了")
        course.takeAt(course.count() - 1)  # the 期生 follows on the line
        course.addSpacing(16)
        course.addWidget(QLabel("第"))
        course.addWidget(self.cohort)
        course.addWidget(QLabel("期生"))
        course.addStretch()
        self.errors.add_row(right, "修了の条件", course, "completion_sessions", "cohort",
                            focus=self.completion, frames={"cohort": self.cohort})
        self._right, self._course_row = right, right.rowCount() - 1
        other = QHBoxLayout()
        other.addWidget(self.has_booths)
        other.addSpacing(16)
        other.addWidget(self.cancelled)
        other.addStretch()
        self.errors.add_row(right, "", other, "has_booths", "cancelled", focus=self.has_booths)

        columns = QHBoxLayout()
        columns.setContentsMargins(0, 0, 0, 0)
        left.setContentsMargins(0, 0, 12, 0)
        right.setContentsMargins(12, 0, 0, 0)
        for column, stretch in ((left, 11), (right, 9)):  # the sessions need the width
            box = QVBoxLayout()  # each column keeps its height; the space goes below
            box.addLayout(column)
            box.addStretch()
            columns.addLayout(box, stretch)
        self.content.setLayout(columns)

        self._lay_out()
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        """Fields in the order they are filled in; new session lines take their place."""
        order: list[QWidget] = [
            self.kind, self.title, self.title_reading, self.facility, self.venue,
            self.venue_name, self.venue_address, self.district,
            *self.sessions.focus_widgets(),
            self.description, *self.questions.focus_widgets(), self.capacity, self.opens, self.opens_on, self.closes,
            self.closes_on, self.lottery, self.lottery_until, self.audience, self.fee, self.fee_note, self.how_to_apply,
            self.contact_name, self.contact_phone, self.url, self.queue_rule, self.hold_hours,
            self.completion, self.cohort, self.has_booths, self.cancelled, self.save_button, self.cancel_button,
        ]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        changed = self._changed
        for combo in (self.kind, self.facility, self.queue_rule):
            combo.currentIndexChanged.connect(changed)
        self.venue.currentIndexChanged.connect(self._venue_changed)
        self.venue_address.textChanged.connect(self._suggest_district)
        self.title.textChanged.connect(self._suggest_reading)
        fill_address_from_code_typed_in(self.venue_address)
        self.district.activated.connect(self._district_chosen)  # the clerk's choice only
        self.district.currentIndexChanged.connect(changed)
        for line in (self.title, self.title_reading, self.venue_name, self.venue_address,
                     self.audience, self.fee_note, self.contact_name, self.contact_phone,
                     self.url):
            line.textChanged.connect(changed)
        for box in (self.description, self.how_to_apply):
            box.textChanged.connect(changed)
        for number in (self.capacity, self.fee, self.hold_hours, self.completion, self.cohort):
            number.textChanged.connect(changed)
        self.kind.currentIndexChanged.connect(self._show_course_fields)
        for check, edit in ((self.opens, self.opens_on), (self.closes, self.closes_on),
                            (self.lottery, self.lottery_until)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(changed)
            edit.dateChanged.connect(changed)
        for check in (self.has_booths, self.cancelled):
            check.toggled.connect(changed)
        self.queue_rule.currentIndexChanged.connect(self._show_queue_help)
        self.sessions.changed.connect(changed)
        self.sessions.lines_changed.connect(self._set_tab_order)
        self.questions.changed.connect(changed)
        self.questions.lines_changed.connect(self._set_tab_order)
        self.sessions.changed.connect(self._show_day_warnings)
        self.sessions.lines_changed.connect(self._show_day_warnings)
        self.venue.currentIndexChanged.connect(self._show_day_warnings)

    # --- state in and out -----------------------------------------------------------------
    def _new_draft(self) -> EventDraft:
        facility_id = self.facility.itemData(max(0, self.facility.findData(
            self.actor.facility_id)))
        return EventDraft(kind=EventKind.SEMINAR, title="", facility_id=facility_id or 0,
                          venue_facility_id=facility_id,
                          sessions=(SessionDraft(date.today() + timedelta(weeks=4)),),
                          offer_hold_hours=DEFAULT_HOLD_HOURS)

    def is_course(self) -> bool:
        """A つむぎすと講座: the completion rule and the 期生 are asked."""
        return self.kind.currentData() == EventKind.TSUMUGIST

    def state(self) -> EventFormState:
        """What the form holds now (also what a draft keeps)."""
        venue = self.venue.currentData()
        course = self.is_course()
        return EventFormState(EventDraft(
            kind=EventKind(self.kind.currentData()), title=self.title.text(),
            title_reading=self.title_reading.text(),
            description=self.description.toPlainText(),
            facility_id=self.facility.currentData() or 0,
            venue_facility_id=venue,
            venue_name="" if venue else self.venue_name.text(),
            venue_address="" if venue else self.venue_address.text(),
            sessions=self.sessions.sessions(),
            capacity=self.capacity.value(),
            signup_opens_on=day_of(self.opens_on.date()) if self.opens.isChecked() else None,
            signup_closes_on=day_of(self.closes_on.date()) if self.closes.isChecked() else None,
            lottery_until=(day_of(self.lottery_until.date()) if self.lottery.isChecked()
                           else None),
            audience=self.audience.text(), fee=self.fee.value() or 0,  # left empty: 無料
            fee_note=self.fee_note.text(),
            how_to_apply=self.how_to_apply.toPlainText(),
            contact_name=self.contact_name.text(), contact_phone=self.contact_phone.text(),
            url=self.url.text(), queue_rule=QueueRule(self.queue_rule.currentData()),
            offer_hold_hours=self.hold_hours.value() or DEFAULT_HOLD_HOURS,
            has_booths=self.has_booths.isChecked(), cancelled=self.cancelled.isChecked(),
            district=self.district.currentData(),
            completion_sessions=self.completion.value() if course else None,
            cohort=self.cohort.value() if course else None,
            questions=self.questions.questions(),
        ), base_version=self._base_version, numbers_typed=typed_texts(self._number_boxes()))

    def _number_boxes(self) -> dict[str, NumberBox]:
        course = (self.completion, self.cohort) if self.is_course() else ()
        return {box.field: box for box in (self.capacity, self.fee, self.hold_hours, *course)}

    def _load(self, d: EventDraft, numbers_typed: Mapping[str, str]) -> None:
        self._loading = True
        try:
            self.kind.setCurrentIndex(max(0, self.kind.findData(d.kind)))
            self.title.setText(d.title)
            self.title_reading.setText(d.title_reading)
            self._reading_suggestion = ""
            self._fill_reading()  # an event saved without one opens with the suggestion
            self.description.setPlainText(d.description)
            self._choose(self.facility, d.facility_id)
            self._choose(self.venue, d.venue_facility_id)
            self.venue_name.setText(d.venue_name)
            self.venue_address.setText(d.venue_address)
            self._venue_changed()
            # A 地域 other than the venue's suggestion was chosen by hand: it stays. A stored
            # event left 未設定 is not changed by opening it, only by a change of venue.
            self._district_by_hand = bool(d.district) and d.district != self.suggested_district()
            choose_district(self.district, d.district or (
                "" if self.detail is not None else self.suggested_district()))
            self._show_district_note()
            self.sessions.set_sessions(d.sessions or (SessionDraft(date.today()),))
            self.questions.set_questions(d.questions)
            self.capacity.setValue(d.capacity)
            # Shown dates of an unticked 受付開始/締切: near the first session, ready to tick.
            first = d.sessions[0].held_on if d.sessions else date.today()
            for check, edit, value, fallback in (
                    (self.opens, self.opens_on, d.signup_opens_on, first - timedelta(weeks=4)),
                    (self.closes, self.closes_on, d.signup_closes_on,
                     first - timedelta(days=1)),
                    (self.lottery, self.lottery_until, d.lottery_until,
                     first - timedelta(weeks=2))):
                check.setChecked(value is not None)
                edit.setEnabled(value is not None)
                edit.setDate(qdate(value or fallback))
            self.audience.setText(d.audience)
            self.fee.setValue(d.fee or None)  # 0 shows as the box's 無料
            self.fee_note.setText(d.fee_note)
            self.how_to_apply.setPlainText(d.how_to_apply)
            self.contact_name.setText(d.contact_name)
            self.contact_phone.setText(d.contact_phone)
            self.url.setText(d.url)
            self.queue_rule.setCurrentIndex(max(0, self.queue_rule.findData(d.queue_rule)))
            self._show_queue_help()
            self.hold_hours.setValue(d.offer_hold_hours)
            self.has_booths.setChecked(d.has_booths)
            self.cancelled.setChecked(d.cancelled)
            self.completion.setValue(d.completion_sessions)
            self.cohort.setValue(d.cohort)
            self._show_course_fields()
            for name, text in numbers_typed.items():
                self._number_boxes()[name].setValue(text)
        finally:
            self._loading = False

    @staticmethod
    def _choose(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        if index < 0 and value is not None:  # a facility closed since: keep it as it was
            combo.insertItem(0, f"（廃止された施設 {value}）", value)
            index = 0
        combo.setCurrentIndex(max(0, index))

    # --- reacting to edits ----------------------------------------------------------------
    def _suggest_reading(self, *_args: object) -> None:
        if not self._loading:
            self._fill_reading()

    def _fill_reading(self) -> None:
        """よみ from the title (domain.readings) while the box is empty or still holds the last
        suggestion."""
        suggestion = suggested_reading(self.title.text())
        current = self.title_reading.text()
        if (not current.strip() or current == self._reading_suggestion) and current != suggestion:
            self.title_reading.setText(suggestion)
        self._reading_suggestion = suggestion

    def _venue_changed(self, *_args: object) -> None:
        other = self.venue.currentData() is None
        self.venue_name.setVisible(other)
        self.venue_address.setVisible(other)
        self._suggest_district()
        self._changed()

    def suggested_district(self) -> str:
        """The 地域 the venue suggests: the facility's, or the typed address's; "" unknown."""
        facility_id = self.venue.currentData()
        if facility_id is not None:
            return self._venue_districts.get(facility_id, "")
        return suggest_district(self.venue_address.text(), "", self._towns)

    def _suggest_district(self, *_args: object) -> None:
        if self._district_by_hand or self._loading:
            return
        choose_district(self.district, self.suggested_district())
        self._show_district_note()

    def _district_chosen(self, _index: int) -> None:
        self._district_by_hand = True
        self._show_district_note()

    def _show_district_note(self) -> None:
        suggested = not self._district_by_hand and bool(self.district.currentData())
        self.district_note.setText("会場の住所からの候補" if suggested else "")

    def _show_day_warnings(self, *_args: object) -> None:
        """Grey the venue's 休館日 in every session's calendar; warn of sessions on one or
        on a national holiday (「12月29日（火）は休館日です」)."""
        closed = self._closed_days.get(self.venue.currentData())
        for line in self.sessions.lines:
            if isinstance(line.held_on, DateEdit) and (
                    calendar := line.held_on.japanese_calendar()) is not None:
                calendar.set_closed_days(closed)
        warnings = svc.session_day_warnings(self.sessions.sessions(), closed)
        self.day_warnings.setText("\n".join(f"※ {w}" for w in warnings))
        self.day_warnings.setVisible(bool(warnings))

    def _show_course_fields(self, *_args: object) -> None:
        self._right.setRowVisible(self._course_row, self.is_course())

    def _show_queue_help(self, *_args: object) -> None:
        self.queue_help.setText(QUEUE_RULE_HELP[QueueRule(self.queue_rule.currentData())])

    # --- what DraftedForm asks ------------------------------------------------------------
    @staticmethod
    def _state_of(detail: EventDetail) -> EventFormState:
        return EventFormState(detail.as_draft(), detail.version)

    def _restore(self, state: EventFormState) -> None:
        self._load(state.draft, state.numbers_typed)

    def _local_problems(self, state: EventFormState) -> list[FieldProblem]:
        try:
            svc.clean_event_draft(state.draft)  # what can be said without the database
        except ValidationError as exc:
            return list(exc.problems)
        return []

    def _versions_dialog(self, latest: EventDetail) -> VersionsDialog:
        return VersionsDialog("このイベントは、この画面で開いた後に他の窓口で保存されました。",
                              differences(self._described(self.state().draft),
                                          self._described(latest.as_draft()), FIELD_LABELS),
                              self)

    # Looked up when called, not when the class is made: the service module stays the one place.
    @staticmethod
    def _create(db: Database, actor: Actor, draft: EventDraft) -> EventDetail:
        return svc.create_event(db, actor, draft)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: EventDraft) -> EventDetail:
        return svc.update_event(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> EventDetail:
        return svc.get_event(db, actor, record_id)

    def _described(self, d: EventDraft) -> dict[str, str]:
        """The fields as a person reads them: names, not ids."""
        facilities = {self.facility.itemData(i): self.facility.itemText(i)
                      for i in range(self.facility.count())}
        venue = (facilities.get(d.venue_facility_id, "") if d.venue_facility_id
                 else " ".join(p for p in (d.venue_name, d.venue_address) if p))
        return {
            "kind": EVENT_KIND_LABELS[d.kind], "title": d.title,
            "title_reading": d.title_reading, "facility_id": facilities.get(d.facility_id, ""),
            "venue": venue, "district": d.district or UNSET, "sessions": "\n".join(session_text(s) for s in d.sessions),
            "description": d.description,
            "capacity": "定員なし" if d.capacity is None else f"{d.capacity}名",
            "signup_opens_on": full_date(d.signup_opens_on) if d.signup_opens_on else "",
            "signup_closes_on": full_date(d.signup_closes_on) if d.signup_closes_on else "",
            "lottery_until": full_date(d.lottery_until) if d.lottery_until else "先着順",
            "audience": d.audience, "fee": f"{d.fee:,}円" if d.fee else "無料",
            "fee_note": d.fee_note, "how_to_apply": d.how_to_apply,
            "contact_name": d.contact_name, "contact_phone": d.contact_phone, "url": d.url,
            "queue_rule": QUEUE_RULE_LABELS[d.queue_rule],
            "offer_hold_hours": f"{d.offer_hold_hours}時間",
            "completion_sessions": (f"{d.completion_sessions}回以上出席"
                                    if d.completion_sessions is not None else ""),
            "cohort": f"第{d.cohort}期生" if d.cohort is not None else "",
            "has_booths": "あり" if d.has_booths else "なし",
            "cancelled": "中止" if d.cancelled else "",
            "questions": "\n".join(question_text(q) for q in d.questions),
        }

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        # A session's problem frames the line it names; the other lines' frames are cleared.
        self._show_field_problems(
            problems, inputs_for=lambda p: [self._problem_input(p)],
            also=[w for line in self.sessions.lines for w in (line.held_on, line.start, line.end)])

    def _problem_input(self, problem: FieldProblem) -> QWidget:
        """The input a problem is about; a session's is its end time, named by its number."""
        if problem.field == "sessions":
            found = _SESSION_NUMBER.search(problem.message)
            if found and 0 < int(found.group(1)) <= len(self.sessions.lines):
                return self.sessions.lines[int(found.group(1)) - 1].end
            return (self.sessions.lines[0].held_on if self.sessions.lines
                    else self.sessions.add_button)
        return self.errors.inputs[problem.field]


def question_text(q: Question) -> str:
    """「食物アレルギーはありますか（はい／いいえ・必須）」."""
    kind = QUESTION_KIND_LABELS[q.kind]
    if q.choices:
        kind += f": {choices_text(q.choices)}"
    return f"{q.prompt}（{kind}{'・必須' if q.required else ''}）"


def session_text(s: SessionDraft) -> str:
    """「2026年11月24日（火）10:00～12:00 第1回」."""
    times = ""
    if s.start_time or s.end_time:
        times = (clock(s.start_time) if s.start_time else "") + "～" + (
            clock(s.end_time) if s.end_time else "")
    return " ".join(p for p in (date_with_weekday(s.held_on) + times, s.label) if p)


