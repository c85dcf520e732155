"""施設の情報: the administrator keeps the eight facilities' addresses, contacts and opening
hours current (管理 → 施設の情報…).

The list of facilities on the left, the chosen one's form on the right. The form is a
DraftedForm, so what is typed is kept as a draft, faults show under their fields, a save made
meanwhile at another counter shows both versions; unlike a record form it stays open after a
save, so the next facility can be kept up to date in the same window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from typing import Any

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import WEEKDAYS, clock
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import facilities as svc
from kyodo_desk.services.facilities import FacilityDetail, FacilityDraft
from kyodo_desk.ui.conflict import VersionsDialog, differences
from kyodo_desk.ui.date_inputs import NO_TIME, TimeEdit, qtime
from kyodo_desk.ui.draft_files import DraftFiles
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.field_errors import form_column, say_on, text_box
from kyodo_desk.ui.messages import ask
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.postal_fill import fill_address_from_postal_code
from kyodo_desk.ui.widgets import fit_to_screen

FORMAT = 1
FIELD_LABELS = {
    "postal_code": "郵便番号", "address": "住所", "building": "建物", "phone": "電話番号",
    "email": "E-mail", "website": "ホームページ", "facebook": "Facebook",
    "opens_at": "開館時刻", "closes_at": "閉館時刻", "open_days": "利用可能曜日",
    "closed_days": "休館日", "hours": "開館時間の補足", "notes": "備考",
}
PRESETS = (("月〜金", "月火水木金"), ("月〜土", "月火水木金土"), ("毎日", WEEKDAYS))
NOT_ADMIN = "施設の情報を変更できるのは管理者だけです。内容の確認はできます。"


@dataclass(frozen=True)
class FacilityFormState:
    draft: FacilityDraft
    # The version the edits started from: a restored draft still meets a later save as a
    # conflict instead of overwriting it.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)


class FacilityDraftStore(DraftFiles[FacilityFormState]):
    """The facility form's drafts: facility-<login>-<id>.json."""

    kind = "facility"

    def encode(self, state: FacilityFormState) -> dict[str, Any]:
        draft = asdict(state.draft)
        for key in ("opens_at", "closes_at"):
            at = draft[key]
            draft[key] = at.isoformat(timespec="minutes") if at else None
        return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
                "base_version": state.base_version, "draft": draft}

    def decode(self, data: dict[str, Any]) -> FacilityFormState:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown draft format {data.get('format')!r}")
        d = {key: str(value) for key, value in data["draft"].items()
             if key not in ("opens_at", "closes_at")}
        opens, closes = data["draft"].get("opens_at"), data["draft"].get("closes_at")
        saved_at, version = data.get("saved_at"), data.get("base_version")
        return FacilityFormState(
            FacilityDraft(**d, opens_at=time.fromisoformat(opens) if opens else None,
                          closes_at=time.fromisoformat(closes) if closes else None),
            None if version is None else int(version),
            datetime.fromisoformat(saved_at) if saved_at else None)


def _shown(draft: FacilityDraft, key: str) -> str:
    value = getattr(draft, key)
    if isinstance(value, time):
        return clock(value)
    if key == "open_days":
        return svc.weekday_span(value)
    return str(value or "")


class FacilityVersionsDialog(VersionsDialog):
    def __init__(self, mine: FacilityDraft, theirs: FacilityDetail,
                 parent: QWidget | None = None) -> None:
        rows = differences({k: _shown(mine, k) for k in FIELD_LABELS},
                           {k: _shown(theirs.as_draft(), k) for k in FIELD_LABELS}, FIELD_LABELS)
        super().__init__(f"「{theirs.name}」の情報は、この画面で開いた後に他の窓口で保存されました。",
                         rows, parent)


def _time_box(name: str) -> QTimeEdit:
    box = TimeEdit()
    box.setObjectName(name)
    box.setDisplayFormat("HH:mm")
    box.setMinimumTime(NO_TIME)
    box.setSpecialValueText("未入力")
    box.setFixedWidth(100)
    return box


class FacilitiesDialog(DraftedForm):
    """The eight facilities and the form of the one chosen; opened by 管理 → 施設の情報…."""

    field_order = ("postal_code", "address", "building", "phone", "email", "website",
                   "facebook", "opens_at", "closes_at", "open_days", "closed_days", "hours",
                   "notes")

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 drafts: FacilityDraftStore | None = None) -> None:
        super().__init__(db, actor, None, drafts or FacilityDraftStore(), parent)
        self.setWindowTitle("施設の情報")
        self.last_saved: FacilityDetail | None = None
        self._switching = False
        self.may_change = actor.may(Action.CHANGE, Resource.FACILITIES)

        self.facility_list = QListWidget()
        self.facility_list.setObjectName("facilityList")
        self.facility_list.setFixedWidth(250)
        self.heading = QLabel()
        self.heading.setObjectName("facilityName")
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")

        self.postal_code = QLineEdit()
        self.postal_code.setPlaceholderText("010-0041")
        self.postal_code.setMaximumWidth(140)
        self.address = QLineEdit()
        self.address.setPlaceholderText("秋田市…（郵便番号を入力すると町名まで入ります）")
        self.building = QLineEdit()
        self.building.setPlaceholderText("アルヴェ3階")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("018-888-5640")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@city.akita.lg.jp")
        self.website = QLineEdit()
        self.website.setPlaceholderText("https://…")
        self.facebook = QLineEdit()
        self.facebook.setPlaceholderText("https://www.facebook.com/…")
        self.opens_at = _time_box("opensAt")
        self.closes_at = _time_box("closesAt")
        hours_line = QHBoxLayout()
        hours_line.addWidget(self.opens_at)
        hours_line.addWidget(QLabel("〜"))
        hours_line.addWidget(self.closes_at)
        hours_line.addWidget(QLabel("（わからなければ両方とも「未入力」のまま）"))
        hours_line.addStretch()
        self.day_boxes = {day: QCheckBox(day) for day in WEEKDAYS}
        self.days_frame = QFrame()
        days_line = QHBoxLayout(self.days_frame)
        days_line.setContentsMargins(2, 2, 2, 2)
        for box in self.day_boxes.values():
            days_line.addWidget(box)
        days_line.addSpacing(12)
        self.preset_buttons: dict[str, QWidget] = {}
        for label, days in PRESETS:
            preset = QLabel(f'<a href="{days}">{label}</a>')
            preset.setToolTip(f"{label}に印を付けます")
            preset.linkActivated.connect(self._check_days)
            days_line.addWidget(preset)
            self.preset_buttons[label] = preset
        days_line.addStretch()
        self.closed_days = QLineEdit()
        self.closed_days.setPlaceholderText("年末年始（12月29日〜1月3日）、祝日")
        self.hours = QLineEdit()
        self.hours.setPlaceholderText("上で言えないこと（例: 毎月第3水曜日は21:00まで）")
        self.notes = text_box("職員向けのメモ（オープンデータには出ません）", 64)
        self.preview = QLabel()
        self.preview.setObjectName("hoursPreview")
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("color: #444;")

        form = form_column()
        form.setContentsMargins(0, 0, 0, 0)
        add = self.errors.add_row
        add(form, "郵便番号", self.postal_code, "postal_code", narrow=True)
        add(form, "住所 *", self.address, "address")
        add(form, "建物", self.building, "building")
        add(form, "電話番号", self.phone, "phone")
        add(form, "E-mail", self.email, "email")
        add(form, "ホームページ", self.website, "website")
        add(form, "Facebook", self.facebook, "facebook")
        add(form, "開館時間", hours_line, "opens_at", "closes_at", focus=self.opens_at,
            frames={"opens_at": self.opens_at, "closes_at": self.closes_at})
        add(form, "利用可能曜日", self.days_frame, "open_days",
            focus=self.day_boxes[WEEKDAYS[0]], frames={"open_days": self.days_frame})
        add(form, "休館日", self.closed_days, "closed_days")
        add(form, "開館時間の補足", self.hours, "hours")
        form.addRow("印刷物での表示", self.preview)
        add(form, "備考", self.notes, "notes")
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.heading)
        right.addLayout(form)
        right.addStretch()
        row = QHBoxLayout(self.content)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.facility_list)
        row.addLayout(right, 1)
        self.cancel_button.setText("閉じる")
        self._lay_out()
        fit_to_screen(self, 960, 640)

        self._connect()
        self.content.setEnabled(False)  # until the list is read: nothing to edit yet
        self.save_button.setEnabled(False)
        self.reload()

    def _connect(self) -> None:
        changed = self._changed
        for line in (self.postal_code, self.address, self.building, self.phone, self.email,
                     self.website, self.facebook, self.closed_days, self.hours):
            line.textChanged.connect(changed)
        fill_address_from_postal_code(self.postal_code, self.address)
        self.notes.textChanged.connect(changed)
        for box in (self.opens_at, self.closes_at):
            box.timeChanged.connect(changed)
            box.timeChanged.connect(self._show_preview)
        for check in self.day_boxes.values():
            check.toggled.connect(changed)
            check.toggled.connect(self._show_preview)
        for line in (self.closed_days, self.hours):
            line.textChanged.connect(self._show_preview)
        self.facility_list.currentRowChanged.connect(self._row_changed)

    # --- the list -----------------------------------------------------------------------
    def reload(self) -> None:
        db, actor = self.db, self.actor
        ReadOp(self, lambda: svc.list_facilities(db, actor), self._show_list,
               key="facilities").run()

    def _show_list(self, facilities: list[FacilityDetail]) -> None:
        self._switching = True
        try:
            self.facility_list.clear()
            for facility in facilities:
                item = QListWidgetItem(facility.name)
                item.setData(Qt.ItemDataRole.UserRole, facility)
                self.facility_list.addItem(item)
        finally:
            self._switching = False
        if facilities:
            self.content.setEnabled(True)
            self.facility_list.setCurrentRow(0)

    def facility_names(self) -> list[str]:
        return [self.facility_list.item(i).text() for i in range(self.facility_list.count())]

    def _row_of(self, facility_id: int) -> int:
        for i in range(self.facility_list.count()):
            if self.facility_list.item(i).data(Qt.ItemDataRole.UserRole).id == facility_id:
                return i
        return -1

    def _remember(self, detail: FacilityDetail) -> None:
        """The list holds the latest version read of each facility, shown when chosen again."""
        row = self._row_of(detail.id)
        if row >= 0:
            self.facility_list.item(row).setData(Qt.ItemDataRole.UserRole, detail)

    def _row_changed(self, row: int) -> None:
        if self._switching or row < 0:
            return
        chosen: FacilityDetail = self.facility_list.item(row).data(Qt.ItemDataRole.UserRole)
        current = self.record_id
        if current is not None and current != chosen.id and not self._leave_current():
            self._switching = True  # back to the facility being edited, nothing reloaded
            try:
                self.facility_list.setCurrentRow(self._row_of(current))
            finally:
                self._switching = False
            return
        self._open(chosen)

    def _leave_current(self) -> bool:
        """Before showing another facility: what is typed here is kept as a draft, or thrown
        away, or the clerk stays; False to stay."""
        self._draft_timer.stop()
        if not self.is_dirty():
            self.drafts.delete(self.actor.login, self.record_id)
            return True
        self.write_draft()
        assert self.detail is not None
        answer = ask(self, "入力内容の確認",
                     f"「{self.detail.name}」の変更はまだ保存されていません。\n"
                     "下書きを残すと、次にこの施設を選んだときに復元できます。",
                     [("keep", "下書きを残して切り替える"), ("discard", "破棄して切り替える"),
                      ("continue", "入力を続ける")],
                     default="continue", escape="continue")
        if answer == "continue":
            return False
        if answer == "discard":
            self.drafts.delete(self.actor.login, self.record_id)
        return True

    def _open(self, detail: FacilityDetail) -> None:
        self.detail, self.record_id, self._base_version = detail, detail.id, detail.version
        self.heading.setText(detail.name)
        self._show_problems([])
        self._begin(self._state_of(detail))
        if not self.may_change:
            say_on(self.summary, NOT_ADMIN, busy=True)
        self.save_button.setEnabled(self.may_change)

    # --- state in and out -----------------------------------------------------------------
    @staticmethod
    def _state_of(detail: FacilityDetail) -> FacilityFormState:
        return FacilityFormState(detail.as_draft(), detail.version)

    def _restore(self, state: FacilityFormState) -> None:
        d = state.draft
        self._loading = True
        try:
            self.postal_code.setText(d.postal_code)
            self.address.setText(d.address)
            self.building.setText(d.building)
            self.phone.setText(d.phone)
            self.email.setText(d.email)
            self.website.setText(d.website)
            self.facebook.setText(d.facebook)
            self.opens_at.setTime(qtime(d.opens_at) if d.opens_at else NO_TIME)
            self.closes_at.setTime(qtime(d.closes_at) if d.closes_at else NO_TIME)
            for day, box in self.day_boxes.items():
                box.setChecked(day in d.open_days)
            self.closed_days.setText(d.closed_days)
            self.hours.setText(d.hours)
            self.notes.setPlainText(d.notes)
        finally:
            self._loading = False
        self._show_preview()

    def state(self) -> FacilityFormState:
        return FacilityFormState(self.draft(), self._base_version)

    def draft(self) -> FacilityDraft:
        return FacilityDraft(
            postal_code=self.postal_code.text(), address=self.address.text(),
            building=self.building.text(), phone=self.phone.text(), email=self.email.text(),
            website=self.website.text(), facebook=self.facebook.text(),
            opens_at=_time_of(self.opens_at.time()), closes_at=_time_of(self.closes_at.time()),
            open_days="".join(d for d, box in self.day_boxes.items() if box.isChecked()),
            closed_days=self.closed_days.text(), hours=self.hours.text(),
            notes=self.notes.toPlainText(),
        )

    def is_dirty(self) -> bool:
        return self.record_id is not None and super().is_dirty()

    def save(self) -> None:
        if self.record_id is not None:  # Ctrl+Enter before the list is read: nothing to save
            super().save()

    def _set_saving(self, saving: bool, message: str = "保存しています…") -> None:
        super()._set_saving(saving, message)
        if not saving:
            self.save_button.setEnabled(self.may_change)

    def _check_days(self, days: str) -> None:
        for day, box in self.day_boxes.items():
            box.setChecked(day in days)

    def _show_preview(self, *_args: object) -> None:
        d = self.draft()
        text = svc.opening_hours_text(d.opens_at, d.closes_at, d.open_days, d.closed_days,
                                      d.hours)
        self.preview.setText(text or "（開館時間の記載なし: 印刷物は「各施設にお問い合わせください」）")

    # --- saving: the window stays open --------------------------------------------------------
    def _stored(self, detail: FacilityDetail) -> None:
        self._set_saving(False)
        self.waiting_for_server = False
        self._draft_timer.stop()
        self.drafts.delete(self.actor.login, self.record_id)
        self.last_saved = detail
        self._remember(detail)
        self.detail, self.record_id, self._base_version = detail, detail.id, detail.version
        self._restore(self._state_of(detail))  # as stored: 0188885640 shows as 018-888-5640
        self._clean_state = self.state()
        say_on(self.summary, f"「{detail.name}」を保存しました。", busy=True)
        self.save_finished.emit(True)

    def _versions_dialog(self, latest: FacilityDetail) -> FacilityVersionsDialog:
        self._remember(latest)
        return FacilityVersionsDialog(self.draft(), latest, self)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: FacilityDraft) -> FacilityDetail:
        return svc.update_facility(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> FacilityDetail:
        return svc.get_facility(db, actor, record_id)


def _time_of(value: QTime) -> time | None:
    return None if value == NO_TIME else time(value.hour(), value.minute())
