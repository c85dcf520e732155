"""The consultation form (相談記録の入力・編集): fast entry at a counter, nothing typed is lost.

Keyboard first: the fields follow the order a clerk fills them in (Tab), Ctrl+Enter saves,
Esc closes (asking first when something was typed). What is typed is kept as a draft on disk
a second after each change (drafts.py) and offered back when the form is opened again. Saving
runs off the GUI thread; a refused save names each field at fault and keeps every character.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QDate,
    QSignalBlocker,
    QSize,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import clock, full_date
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.labels import AGE_BANDS, AREAS, UNKNOWN
from kyodo_desk.domain.permissions import Action, Actor, Resource, Scope
from kyodo_desk.services import consultations as svc
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.consultations import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    ConsultationChannel,
    ConsultationDetail,
    ConsultationDraft,
    ConsultationStatus,
    StaffMember,
    Topic,
)
from kyodo_desk.services.contacts import ContactKind
from kyodo_desk.services.grants import cases as grant_svc
from kyodo_desk.ui.conflict import VersionsDialog, differences
from kyodo_desk.ui.consultations.drafts import DraftStore, FormState
from kyodo_desk.ui.consultations.templates import TEMPLATES, EntryTemplate
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.date_inputs import NO_TIME, TimeEdit, date_edit, day_of, qdate
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.field_errors import form_column
from kyodo_desk.ui.operations import ReadOp

DEFAULT_FOLLOW_UP_DAYS = 7
NO_DURATION = 0  # the duration box's "未入力"

# Field → label, in form order: the order problems are listed and the first one is focused.
FIELD_LABELS = {
    "held_on": "相談日", "start_time": "開始時刻", "duration_minutes": "所要時間（分）",
    "facility_id": "施設", "staff_account_id": "担当者", "consultee_contact_id": "相談者",
    "age_band": "年代", "area": "地域", "channel": "相談方法", "topic_ids": "相談の分野",
    "asked": "相談内容", "answered": "回答・助言", "referral": "紹介先",
    "grant_case_id": "交付金案件", "follow_up_due": "フォローアップの期限",
    "follow_up_plan": "フォローアップの予定", "status": "状況",
}
NO_GRANT_CASE = "（なし）"
LOADING = "読み込み中…"




def now_rounded(now: datetime | None = None) -> time:
    """The current time, rounded down to 5 minutes (10:07 → 10:05)."""
    now = now or datetime.now()
    return time(now.hour, now.minute - now.minute % 5)


@dataclass(frozen=True)
class _Choices:
    """What the form reads as it opens (on a worker thread)."""

    facilities: list[tuple[str, int]]
    staff_at: int | None  # the facility *staff* was read for
    staff: list[StaffMember]
    topics: list[Topic]


class ConsultationForm(DraftedForm):
    """Record a consultation (detail None) or change one (saving and drafts: DraftedForm).

    The form opens at once; its choices (facilities, staff, topics, grant cases) are read in
    the background. Until a box has its choices, the value the record or a restored draft
    wants there waits in `_waiting`, is what the form holds (`state()`), and is chosen as the
    choices arrive.
    """

    grant_cases_shown = Signal()  # the 交付金案件 box lists the consultee's cases first
    choices_shown = Signal()  # every choice box has its choices; nothing waits to be read
    field_order = tuple(FIELD_LABELS)

    def __init__(self, db: Database, actor: Actor, *, detail: ConsultationDetail | None = None,
                 parent: QWidget | None = None, drafts: DraftStore | None = None) -> None:
        super().__init__(db, actor, detail, drafts or DraftStore(), parent)
        # 交付金案件: offered only to those who may read grant cases; for the others the
        # record's link is kept as it is, unseen and unchanged.
        self.may_link_grant_case = actor.may(Action.READ, Resource.GRANT_CASES)
        self._kept_grant_case_id: int | None = None
        self._due_auto = True  # 期限 follows 相談日 until the user sets it
        self._due_days = DEFAULT_FOLLOW_UP_DAYS
        self._waiting: dict[str, Any] = {
            "facility_id": None, "staff_account_id": None, "topic_ids": ()}
        self._choices_in = False
        self._topic_names: dict[int, str] = {}
        self.setWindowTitle("相談記録の編集" if detail else "相談記録の入力")
        self.setMinimumSize(980, 600)

        self._build_widgets()
        self._build_layout()
        self._connect()

        self._begin(self._state_of(detail) if detail is not None else self._new_state())
        self._load_choices()
        self.held_on.setFocus()

    # --- widgets --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.held_on = date_edit()
        self.start_time = TimeEdit()
        self.start_time.setDisplayFormat("HH:mm")
        self.start_time.setMinimumTime(NO_TIME)
        self.start_time.setSpecialValueText("未入力")
        self.start_time.setFixedWidth(100)
        self.duration = QSpinBox()
        self.duration.setRange(NO_DURATION, 24 * 60)
        self.duration.setSingleStep(5)
        self.duration.setSpecialValueText("未入力")
        self.duration.setSuffix(" 分")
        self.duration.setFixedWidth(100)
        self.facility = QComboBox()
        self.staff = QComboBox()
        for box in (self.facility, self.staff):
            box.setPlaceholderText(LOADING)
            box.setEnabled(False)

        db, actor = self.db, self.actor
        self.consultee = ContactPicker(
            db, actor, role="相談者",
            register=lambda typed: ContactForm.register(self, db, actor, ContactKind.PERSON,
                                                        typed),
            disabled_note="名前は記録しません。年代と地域を選んでください。")
        self.anonymous = QCheckBox("匿名")
        self.anonymous.setToolTip("名前を記録せず、年代と地域だけを残します")
        self.age_band = QComboBox()
        self.age_band.addItems(AGE_BANDS)
        self.area = QComboBox()
        self.area.addItems(AREAS)

        self.channels = QButtonGroup(self)
        self.channel_buttons: dict[ConsultationChannel, QRadioButton] = {}
        for channel, label in CHANNEL_LABELS.items():
            button = QRadioButton(label)
            self.channel_buttons[channel] = button
            self.channels.addButton(button)

        self.template = QComboBox()
        self.template.addItem("（定型を選ぶ）", None)
        for template in TEMPLATES:
            self.template.addItem(template.name, template)
        self.template.setToolTip("よくある相談の分野・相談内容の書き出し・フォローアップの予定を入れます")
        self.template.setEnabled(False)  # its topics are ticked by name: once they are read
        self.topics = QListWidget()
        self.topics.setEnabled(False)
        self.topics.setFlow(QListView.Flow.LeftToRight)
        self.topics.setWrapping(True)
        self.topics.setResizeMode(QListView.ResizeMode.Adjust)
        self.topics.setSpacing(0)
        # Ticks show what is chosen; a selection highlight would look like a second state.
        self.topics.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.asked = QPlainTextEdit()
        self.asked.setTabChangesFocus(True)
        self.asked.setPlaceholderText("相談者が尋ねたこと、困っていること")
        self.asked.setMinimumHeight(120)
        self.answered = QPlainTextEdit()
        self.answered.setTabChangesFocus(True)
        self.answered.setPlaceholderText("案内・助言した内容、渡した資料")
        self.answered.setMinimumHeight(100)
        self.referral = QLineEdit()
        self.referral.setPlaceholderText("紹介した窓口・団体（なければ空欄）")
        self.follow_up = QCheckBox("要")
        self.follow_up_due = date_edit()
        self.follow_up_plan = QLineEdit()
        self.follow_up_plan.setObjectName("followUpPlan")
        self.follow_up_plan.setPlaceholderText("期限までにすること（例: 書類の準備状況を電話で確認）")
        self.status = QComboBox()
        for status, label in STATUS_LABELS.items():
            self.status.addItem(label, status)
        self.grant_case = QComboBox()
        self.grant_case.setObjectName("grantCase")
        self.grant_case.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.grant_case.setMinimumContentsLength(24)
        self.grant_case.view().setMinimumWidth(560)  # 年度・交付金・事業名・団体・段階 in full
        self.grant_case.setPlaceholderText(LOADING)

    def _build_layout(self) -> None:
        rows, left = self.errors, form_column()
        rows.add_row(left, "相談日 *", self.held_on, "held_on", narrow=True)
        rows.add_row(left, "開始時刻", self.start_time, "start_time", narrow=True)
        rows.add_row(left, "所要時間（分）", self.duration, "duration_minutes", narrow=True)
        rows.add_row(left, "施設", self.facility, "facility_id")
        rows.add_row(left, "担当者", self.staff, "staff_account_id")
        consultee = QVBoxLayout()
        consultee.setSpacing(4)
        consultee.addWidget(self.consultee)
        anonymous = QHBoxLayout()
        anonymous.addWidget(self.anonymous)
        anonymous.addSpacing(12)
        anonymous.addWidget(QLabel("年代"))
        anonymous.addWidget(self.age_band)
        anonymous.addSpacing(8)
        anonymous.addWidget(QLabel("地域"))
        anonymous.addWidget(self.area)
        anonymous.addStretch()
        consultee.addLayout(anonymous)
        rows.add_row(left, "相談者 *", consultee, "consultee_contact_id", "age_band", "area",
                     focus=self.consultee.search,
                     frames={"age_band": self.age_band, "area": self.area})
        channels = QHBoxLayout()
        for button in self.channel_buttons.values():
            channels.addWidget(button)
        channels.addStretch()
        rows.add_row(left, "相談方法", channels, "channel",
                     focus=self.channel_buttons[ConsultationChannel.VISIT])
        left.addRow("定型から入力", self._row(self.template))
        rows.add_row(left, "相談の分野 *", self.topics, "topic_ids")

        right = form_column()
        rows.add_row(right, "相談内容 *", self.asked, "asked")
        rows.add_row(right, "回答・助言", self.answered, "answered")
        rows.add_row(right, "紹介先", self.referral, "referral")
        grant_case_row = right.rowCount()
        rows.add_row(right, "交付金案件", self.grant_case, "grant_case_id")
        right.setRowVisible(grant_case_row, self.may_link_grant_case)
        follow_up = QHBoxLayout()
        follow_up.addWidget(self.follow_up)
        follow_up.addSpacing(8)
        follow_up.addWidget(QLabel("期限"))
        follow_up.addWidget(self.follow_up_due)
        follow_up.addStretch()
        rows.add_row(right, "フォローアップ", follow_up, "follow_up_due", focus=self.follow_up_due)
        rows.add_row(right, "予定", self.follow_up_plan, "follow_up_plan")
        rows.add_row(right, "状況", self.status, "status", narrow=True)

        columns = QHBoxLayout()
        left_box, right_box = QWidget(), QWidget()
        left_outer = QVBoxLayout(left_box)  # the left column keeps its height; space goes below
        left_outer.setContentsMargins(0, 0, 0, 0)
        left_outer.addLayout(left)
        left_outer.addStretch()
        right_box.setLayout(right)
        left.setContentsMargins(0, 0, 12, 0)
        right.setContentsMargins(12, 0, 0, 0)
        columns.addWidget(left_box, 1)
        columns.addWidget(right_box, 1)
        self.content.setLayout(columns)
        columns.setContentsMargins(0, 0, 0, 0)

        self._lay_out()

        order: list[QWidget] = [
            self.held_on, self.start_time, self.duration, self.facility, self.staff,
            *self.consultee.tab_chain(), self.anonymous, self.age_band, self.area,
            *self.channel_buttons.values(), self.template, self.topics, self.asked,
            self.answered, self.referral, self.grant_case, self.follow_up, self.follow_up_due,
            self.follow_up_plan, self.status, self.save_button, self.cancel_button,
        ]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    @staticmethod
    def _row(widget: QWidget) -> QHBoxLayout:
        """A narrow input on the left of its row, not stretched across it."""
        line = QHBoxLayout()
        line.addWidget(widget)
        line.addStretch()
        return line

    # --- the choices, read in the background ----------------------------------------------
    def _load_choices(self) -> None:
        """Facilities, staff and topics: read once as the form opens (again if that failed)."""
        db, actor, detail, staff_of = self.db, self.actor, self.detail, self._staff_at
        everywhere = self._everywhere()
        staff_at = self._waiting.get("facility_id", self.facility.currentData())

        def read() -> _Choices:
            if everywhere:
                facilities = [(e.name, e.ref.id) for e in contact_svc.search_facilities(db, actor)]
            elif actor.facility_id is not None:
                facility = contact_svc.get_facility(db, actor, actor.facility_id)
                facilities = [(facility.name, facility.id)]
            else:
                facilities = []
            topics = list(svc.list_topics(db, actor))
            if detail is not None:
                known = {t.id for t in topics}
                topics += [t for t in detail.topics if t.id not in known]
            return _Choices(facilities, staff_at, staff_of(db, actor, staff_at), topics)

        ReadOp(self, read, self._show_choices, key="choices").run()

    def _everywhere(self) -> bool:
        action = Action.CHANGE if self.detail else Action.CREATE
        return self.actor.scope(action, Resource.CONSULTATIONS) is Scope.ALL

    @staticmethod
    def _staff_at(db: Database, actor: Actor, facility_id: int | None) -> list[StaffMember]:
        """Who may be named 担当者 at *facility_id* (read on a worker thread)."""
        if not facility_id or not actor.may(Action.CREATE, Resource.CONSULTATIONS, facility_id):
            return []
        return svc.list_consultation_staff(db, actor, facility_id)

    @contextmanager
    def _choices_arriving(self) -> Iterator[None]:
        """Fill choice boxes: not an edit, so a form untouched meanwhile stays untouched (a
        box that cannot show what was wanted shows its first choice); in a form being edited,
        a choice that changed is kept in the draft."""
        before = self.state()
        untouched = before == self._clean_state
        self._loading = True
        try:
            yield
        finally:
            self._loading = False
        after = self.state()
        if untouched:
            self._clean_state = after
        elif after != before:
            self._changed()
        if not self._waiting:
            self.choices_shown.emit()

    def _show_choices(self, choices: _Choices) -> None:
        detail = self.detail
        with self._choices_arriving():
            with QSignalBlocker(self.facility):
                for name, facility_id in choices.facilities:
                    self.facility.addItem(name, facility_id)
                if detail is not None and self.facility.findData(detail.facility_id) < 0:
                    self.facility.addItem(detail.facility_name, detail.facility_id)
                wanted = self._waiting.pop("facility_id")
                self.facility.setCurrentIndex(max(0, self.facility.findData(wanted)))
                self.facility.setPlaceholderText("")
            if self._everywhere():
                self.facility.setEnabled(True)
            else:  # 自施設: counter staff and advisors record for their own facility only
                self.facility.setToolTip("自分の施設の相談だけを記録できます")
            self._put_topics(choices.topics, self._waiting.pop("topic_ids"))
            if self.facility.currentData() == choices.staff_at:
                self._put_staff(choices.staff)
            self._choices_in = True
        if "staff_account_id" in self._waiting:  # the facility chosen is not the one read for
            self._fill_staff()

    def _fill_staff(self) -> None:
        """担当者: the chosen facility's staff and advisors, and the officers (read in the
        background; the choice waits meanwhile, and stays if the facility has it)."""
        self._waiting.setdefault("staff_account_id", self.staff.currentData())
        self.staff.setEnabled(False)
        db, actor, staff_of = self.db, self.actor, self._staff_at
        facility_id = self.facility.currentData()

        def show(members: list[StaffMember]) -> None:
            with self._choices_arriving():
                self._put_staff(members)

        ReadOp(self, lambda: staff_of(db, actor, facility_id), show, key="staff").run()

    def _put_staff(self, members: list[StaffMember]) -> None:
        detail, wanted = self.detail, self._waiting.pop("staff_account_id", None)
        with QSignalBlocker(self.staff):
            self.staff.clear()
            for member in members:
                self.staff.addItem(member.name, member.account_id)
            if detail is not None and self.staff.findData(detail.staff_account_id) < 0:
                self.staff.addItem(detail.staff_name, detail.staff_account_id)
            if (self.actor.account_id is not None
                    and self.staff.findData(self.actor.account_id) < 0):
                self.staff.addItem(self.actor.name, self.actor.account_id)
            if wanted is None:
                wanted = detail.staff_account_id if detail is not None else self.actor.account_id
            self.staff.setCurrentIndex(max(0, self.staff.findData(wanted)))
            self.staff.setPlaceholderText("")
        self.staff.setEnabled(self.staff.count() > 1)

    def _put_topics(self, topics: list[Topic], wanted: Sequence[int]) -> None:
        self._topic_names = {t.id: t.name for t in topics}
        with QSignalBlocker(self.topics):
            for topic in topics:
                item = QListWidgetItem(topic.name if topic.active else f"{topic.name}（廃止）")
                item.setData(Qt.ItemDataRole.UserRole, topic.id)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if topic.id in wanted
                                   else Qt.CheckState.Unchecked)
                self.topics.addItem(item)
            if self.topics.count():
                self.topics.setCurrentRow(0)
        # A grid wide enough for the longest name, tall enough to show every topic.
        metrics = self.topics.fontMetrics()
        cell = QSize(max((metrics.horizontalAdvance(self.topics.item(i).text())
                          for i in range(self.topics.count())), default=80) + 34,
                     metrics.height() + 12)
        self.topics.setGridSize(cell)
        for i in range(self.topics.count()):
            self.topics.item(i).setSizeHint(cell)
        per_row = max(1, 400 // cell.width())
        rows = -(-self.topics.count() // per_row)
        self.topics.setMinimumWidth(cell.width() * per_row + 8)
        self.topics.setFixedHeight(max(2, rows) * cell.height() + 2 * self.topics.frameWidth() + 6)
        self.topics.setEnabled(True)
        self.template.setEnabled(True)

    def retry_when_connected(self) -> None:
        """The server answers again: read the choices if they could not be, save what waits."""
        if not self._choices_in:
            self._load_choices()
        super().retry_when_connected()

    def _connect(self) -> None:
        changed = self._changed
        self.held_on.dateChanged.connect(self._held_on_changed)
        self.start_time.timeChanged.connect(changed)
        self.duration.valueChanged.connect(changed)
        self.facility.currentIndexChanged.connect(changed)
        self.facility.currentIndexChanged.connect(lambda _i: self._fill_staff())
        self.staff.currentIndexChanged.connect(changed)
        self.consultee.search.textChanged.connect(changed)
        self.consultee.chosen_changed.connect(changed)
        self.consultee.picked.connect(lambda entry: self._offer_grant_cases_of(entry.ref.id))
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self.age_band.currentIndexChanged.connect(changed)
        self.area.currentIndexChanged.connect(changed)
        self.channels.buttonToggled.connect(changed)
        self.template.activated.connect(self._template_chosen)
        self.topics.itemChanged.connect(changed)
        self.asked.textChanged.connect(changed)
        self.answered.textChanged.connect(changed)
        self.referral.textChanged.connect(changed)
        self.follow_up.toggled.connect(self._follow_up_toggled)
        self.follow_up_due.dateChanged.connect(self._due_changed)
        self.follow_up_plan.textChanged.connect(changed)
        self.status.currentIndexChanged.connect(changed)
        self.grant_case.currentIndexChanged.connect(changed)
        self.grant_case.currentTextChanged.connect(self.grant_case.setToolTip)  # shown whole

    # --- state in and out -----------------------------------------------------------------
    def _new_state(self) -> FormState:
        today = date.today()
        facility_id = self.actor.facility_id  # the box offers the first one if not this one
        draft = ConsultationDraft(
            held_on=today, facility_id=facility_id if facility_id is not None else 0, asked="",
            start_time=now_rounded(), staff_account_id=self.actor.account_id,
            channel=ConsultationChannel.VISIT, status=ConsultationStatus.DONE,
            follow_up_due=None,
        )
        return FormState(draft)

    @staticmethod
    def _state_of(detail: ConsultationDetail) -> FormState:
        text = detail.consultee_name if detail.consultee_contact_id is not None else ""
        return FormState(detail.as_draft(), consultee_text=text,
                         follow_up=detail.follow_up_due is not None, base_version=detail.version)

    def state(self) -> FormState:
        """What the form holds now (also what a draft keeps)."""
        anonymous = self.anonymous.isChecked()
        start = self.start_time.time()
        follow_up = self.follow_up.isChecked()
        checked = [self.topics.item(i) for i in range(self.topics.count())]
        facility_id = self._held("facility_id", self.facility.currentData())
        draft = ConsultationDraft(
            held_on=day_of(self.held_on.date()),
            start_time=None if start == NO_TIME else time(start.hour(), start.minute()),
            duration_minutes=None if self.duration.value() == NO_DURATION
            else self.duration.value(),
            facility_id=facility_id if facility_id is not None else 0,
            staff_account_id=self._held("staff_account_id", self.staff.currentData()),
            consultee_contact_id=None if anonymous else self.consultee.chosen_id(),
            anonymous=anonymous,
            age_band=self.age_band.currentText() if anonymous else "",
            area=self.area.currentText() if anonymous else "",
            channel=self._channel(),
            topic_ids=tuple(self._held("topic_ids", [
                item.data(Qt.ItemDataRole.UserRole) for item in checked
                if item.checkState() == Qt.CheckState.Checked])),
            asked=self.asked.toPlainText(),
            answered=self.answered.toPlainText(),
            referral=self.referral.text(),
            follow_up_due=day_of(self.follow_up_due.date()) if follow_up else None,
            follow_up_plan=self.follow_up_plan.text() if follow_up else "",
            status=ConsultationStatus(self.status.currentData()),
            grant_case_id=(self._chosen_grant_case() if self.may_link_grant_case
                           else self._kept_grant_case_id),
        )
        return FormState(draft, consultee_text=self.consultee.text(), follow_up=follow_up,
                         base_version=self._base_version)

    def _held(self, field: str, shown: Any) -> Any:
        """What the form holds for *field*: the value waiting for its choices, else *shown*."""
        return self._waiting.get(field, shown)

    def draft(self) -> ConsultationDraft:
        return self.state().draft

    def _channel(self) -> ConsultationChannel:
        for channel, button in self.channel_buttons.items():
            if button.isChecked():
                return channel
        return ConsultationChannel.VISIT

    def _restore(self, state: FormState) -> None:
        d = state.draft
        self._loading = True
        try:
            self.held_on.setDate(qdate(d.held_on))
            self.start_time.setTime(QTime(d.start_time.hour, d.start_time.minute)
                                    if d.start_time else NO_TIME)
            self.duration.setValue(d.duration_minutes or NO_DURATION)
            self._choose(self.facility, "facility_id", d.facility_id)
            self._choose(self.staff, "staff_account_id", d.staff_account_id)
            self.consultee.restore(state.consultee_text, d.consultee_contact_id)
            self.anonymous.setChecked(d.anonymous)
            self._set_choice(self.age_band, d.age_band)
            self._set_choice(self.area, d.area)
            self._apply_anonymous()
            self.channel_buttons[d.channel].setChecked(True)
            if "topic_ids" in self._waiting:
                self._waiting["topic_ids"] = d.topic_ids
            for i in range(self.topics.count()):
                item = self.topics.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                                   in d.topic_ids else Qt.CheckState.Unchecked)
            self.asked.setPlainText(d.asked)
            self.answered.setPlainText(d.answered)
            self.referral.setText(d.referral)
            self.follow_up.setChecked(state.follow_up)
            due = d.follow_up_due or d.held_on + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
            self.follow_up_due.setDate(qdate(due))
            self.follow_up_due.setEnabled(state.follow_up)
            self.follow_up_plan.setText(d.follow_up_plan)
            self.follow_up_plan.setEnabled(state.follow_up)
            self._due_auto = d.follow_up_due is None
            if (index := self.status.findData(d.status)) >= 0:
                self.status.setCurrentIndex(index)
            self._show_grant_case(d.grant_case_id)
        finally:
            self._loading = False

    def _choose(self, combo: QComboBox, field: str, value: object) -> None:
        """Choose *value*, or have it chosen once the box's choices arrive."""
        if field in self._waiting:
            self._waiting[field] = value
        elif (index := combo.findData(value)) >= 0:
            combo.setCurrentIndex(index)

    @staticmethod
    def _set_choice(combo: QComboBox, value: str) -> None:
        value = value or UNKNOWN
        if combo.findText(value) < 0:  # a value from before the list changed is kept as it was
            combo.addItem(value)
        combo.setCurrentIndex(combo.findText(value))

    # --- reacting to edits ----------------------------------------------------------------
    def _held_on_changed(self, value: QDate) -> None:
        if not self._loading and self._due_auto:
            with QSignalBlocker(self.follow_up_due):
                self.follow_up_due.setDate(value.addDays(self._due_days))
        self._changed()

    def _due_changed(self, _value: QDate) -> None:
        if not self._loading:
            self._due_auto = False
        self._changed()

    def _follow_up_toggled(self, on: bool) -> None:
        # Unticked, the date and the plan stay greyed out as typed, and are not saved.
        self.follow_up_due.setEnabled(on)
        self.follow_up_plan.setEnabled(on)
        if not self._loading:
            if on:
                self._set_due_in(self._due_days)
            else:
                self._due_days = DEFAULT_FOLLOW_UP_DAYS
            status = ConsultationStatus.IN_PROGRESS if on else ConsultationStatus.DONE
            self.status.setCurrentIndex(self.status.findData(status))
        self._changed()

    def _set_due_in(self, days: int) -> None:
        self._due_days = days
        with QSignalBlocker(self.follow_up_due):
            self.follow_up_due.setDate(self.held_on.date().addDays(days))
        self._due_auto = True

    def _anonymous_toggled(self, _on: bool) -> None:
        self._apply_anonymous()
        self._changed()

    def _apply_anonymous(self) -> None:
        anonymous = self.anonymous.isChecked()
        self.consultee.setEnabled(not anonymous)
        self.age_band.setEnabled(anonymous)
        self.area.setEnabled(anonymous)

    def _template_chosen(self, index: int) -> None:
        template = self.template.itemData(index)
        if isinstance(template, EntryTemplate):
            self.apply_template(template)

    def apply_template(self, template: EntryTemplate) -> None:
        """Tick the template's topics, add its starter text, set its follow-up plan."""
        wanted = set(template.topics)
        for i in range(self.topics.count()):
            item = self.topics.item(i)
            if self._topic_names.get(item.data(Qt.ItemDataRole.UserRole)) in wanted:
                item.setCheckState(Qt.CheckState.Checked)
        cursor = self.asked.textCursor()  # inserted, not replaced: Ctrl+Z takes it back
        cursor.movePosition(cursor.MoveOperation.End)
        existing = self.asked.toPlainText()
        if existing.strip():
            cursor.insertText(("\n" if existing.endswith("\n") else "\n\n") + template.asked)
        else:
            cursor.insertText(template.asked)
        self.asked.setTextCursor(cursor)
        if template.follow_up_days is not None:
            self._due_days = template.follow_up_days
            if self.follow_up.isChecked():
                self._set_due_in(template.follow_up_days)
            else:
                self.follow_up.setChecked(True)  # sets the due date and 対応中
            self.follow_up_plan.setText(template.follow_up_plan)
        self.asked.setFocus()

    # --- the grant case -------------------------------------------------------------------
    def _fill_grant_cases(self, choices: Sequence[grant_svc.CaseChoice],
                          chosen: int | None) -> None:
        """「（なし）」 and the cases offered, *chosen* selected (not counted as an edit)."""
        with QSignalBlocker(self.grant_case):
            self.grant_case.clear()
            self.grant_case.addItem(NO_GRANT_CASE, None)
            for choice in choices:
                self.grant_case.addItem(choice.label, choice.id)
                self.grant_case.setItemData(self.grant_case.count() - 1, choice.label,
                                            Qt.ItemDataRole.ToolTipRole)
            self.grant_case.setCurrentIndex(max(0, self.grant_case.findData(chosen)))
        self.grant_case.setToolTip(self.grant_case.currentText())

    def _show_grant_case(self, case_id: int | None) -> None:
        """Show the draft's link; a case not offered (closed since, or the cases not read
        yet) is read in with the others, and chosen once they arrive."""
        if not self.may_link_grant_case:
            self._kept_grant_case_id = case_id
            return
        index = -1 if not self.grant_case.count() else (
            0 if case_id is None else self.grant_case.findData(case_id))
        if "grant_case_id" not in self._waiting and index >= 0:
            self.grant_case.setCurrentIndex(index)
            return
        self._waiting["grant_case_id"] = case_id
        self.grant_case.setEnabled(False)  # what is chosen meanwhile would be overruled
        self._read_grant_cases(self.consultee.chosen_id(), case_id)

    def _offer_grant_cases_of(self, contact_id: int) -> None:
        """The consultee's cases first (read in the background); the choice stays."""
        if self.may_link_grant_case:
            self._read_grant_cases(contact_id, self._chosen_grant_case())

    def _chosen_grant_case(self) -> int | None:
        return self._held("grant_case_id", self.grant_case.currentData())

    def _read_grant_cases(self, contact_id: int | None, include: int | None) -> None:
        db, actor = self.db, self.actor

        def show(choices: list[grant_svc.CaseChoice]) -> None:
            with self._choices_arriving():
                self._fill_grant_cases(choices, self._waiting.pop(
                    "grant_case_id", self.grant_case.currentData()))
            self.grant_case.setEnabled(True)
            self.grant_cases_shown.emit()

        # One key: the newest read has the consultee and the choice the box must show.
        ReadOp(self, lambda: grant_svc.case_choices(db, actor, contact_id=contact_id,
                                                    include=include),
               show, key="grant_cases").run()

    def _grant_case_label(self, case_id: int | None) -> str:
        if case_id is None:
            return NO_GRANT_CASE
        index = self.grant_case.findData(case_id)
        return self.grant_case.itemText(index) if index >= 0 else f"交付金案件 {case_id}"

    # --- drafts ---------------------------------------------------------------------------
    # --- saving ---------------------------------------------------------------------------
    def _local_problems(self, state: FormState) -> list[FieldProblem]:
        """What can be said without the database: the service's checks and the form's own."""
        d = state.draft
        own: list[FieldProblem] = []  # said more precisely than the service can
        if not d.anonymous and d.consultee_contact_id is None and state.consultee_text.strip():
            own.append(FieldProblem("consultee_contact_id", (
                f"相談者「{state.consultee_text.strip()}」が連絡先から選ばれていません。"
                "候補から選ぶか、「新しく登録…」で登録するか、「匿名」にしてください。")))
        try:
            svc.clean_draft(d)
        except ValidationError as exc:
            mine = {p.field for p in own}
            return own + [p for p in exc.problems if p.field not in mine]
        return own

    def _versions_dialog(self, latest: ConsultationDetail) -> VersionsDialog:
        if not self.may_link_grant_case:
            # A link this account cannot see stays as the other counter saved it, whatever
            # is chosen: saving over it must not touch it.
            self._kept_grant_case_id = latest.grant_case_id
        mine = self._described(self.state().draft, self._mine_consultee(), latest)
        theirs = self._described(latest.as_draft(), latest.consultee_name, latest)
        return ConsultationConflictDialog(mine, theirs, self)

    # Looked up when called, not when the class is made: the service module stays the one place.
    @staticmethod
    def _create(db: Database, actor: Actor, draft: ConsultationDraft) -> ConsultationDetail:
        return svc.create_consultation(db, actor, draft)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: ConsultationDraft) -> ConsultationDetail:
        return svc.update_consultation(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> ConsultationDetail:
        return svc.get_consultation(db, actor, record_id)

    def _mine_consultee(self) -> str:
        if self.anonymous.isChecked():
            return svc.ANONYMOUS
        return self.consultee.text() if self.consultee.chosen is not None else ""

    def _described(self, d: ConsultationDraft, consultee: str,
                   latest: ConsultationDetail) -> dict[str, str]:
        """The fields as shown to a person: names, not ids."""
        facilities = {self.facility.itemData(i): self.facility.itemText(i)
                      for i in range(self.facility.count())}
        facilities[latest.facility_id] = latest.facility_name
        staff = {self.staff.itemData(i): self.staff.itemText(i) for i in range(self.staff.count())}
        staff[latest.staff_account_id] = latest.staff_name
        topics = dict(self._topic_names) | {t.id: t.name for t in latest.topics}
        grant_case = (self._grant_case_label(d.grant_case_id) if self.may_link_grant_case
                      else "")
        return {
            "held_on": full_date(d.held_on),
            "start_time": clock(d.start_time) if d.start_time else "",
            "duration_minutes": str(d.duration_minutes or ""),
            "facility_id": facilities.get(d.facility_id, ""),
            "staff_account_id": staff.get(d.staff_account_id, ""),
            "consultee_contact_id": consultee,
            "age_band": (d.age_band or UNKNOWN) if d.anonymous else "",
            "area": (d.area or UNKNOWN) if d.anonymous else "",
            "channel": CHANNEL_LABELS[d.channel],
            "topic_ids": "、".join(topics.get(t, "") for t in d.topic_ids),
            "asked": d.asked, "answered": d.answered, "referral": d.referral,
            "grant_case_id": grant_case,
            "follow_up_due": full_date(d.follow_up_due) if d.follow_up_due else "なし",
            "follow_up_plan": d.follow_up_plan,
            "status": STATUS_LABELS[d.status],
        }

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        # 相談方法 is one row of radio buttons: the one chosen is the one framed and focused.
        chosen = self.channel_buttons[self._channel()]
        self._show_field_problems(
            problems, inputs_for=lambda p: [chosen] if p.field == "channel" else [],
            also=list(self.channel_buttons.values()))


class ConsultationConflictDialog(VersionsDialog):
    """Another counter saved the record first: both versions side by side, and the choices."""

    def __init__(self, mine: dict[str, str], theirs: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__("この相談記録は、この画面で開いた後に他の窓口で保存されました。",
                         differences(mine, theirs, FIELD_LABELS), parent)
