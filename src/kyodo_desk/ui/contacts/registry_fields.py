"""The contact form's group registry (団体の登録情報) and its 地域 box.

`RegistryPage` is the form's second tab, for a group: 法人格, 代表者 (a person, with the
contact picker), 活動分野 (three boxes, the main one first), 活動地域, 構成員数, 設立年月,
web/SNS, what the group agreed to publish, and 「内容を確認した」. `DistrictBox` is the 地域
box every contact has: it follows what the address suggests as the clerk types, until the
clerk picks one by hand, and says what the address suggests beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.labels import LEGAL_FORMS, PUBLIC_FIELDS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.registry_text import NEVER_CONFIRMED
from kyodo_desk.services import districts
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind
from kyodo_desk.services.contacts.registry import (
    MAX_ACTIVITY_FIELDS,
    ActivityFieldRef,
    list_activity_fields,
)
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.date_inputs import JAPANESE, DateEdit, day_of, qdate
from kyodo_desk.ui.district_choice import choose_district, district_combo
from kyodo_desk.ui.field_errors import FieldErrors
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.widgets import single_shot

SUGGEST_DELAY_MS = 400  # the address is read once the typing pauses
RETIRED = "（使用停止）"
_NO_MONTH = QDate(1867, 12, 1)  # the month box's 未入力: the month before its first (明治元年)

# The registry's fields in the form's order (problems listed and focused in it).
REGISTRY_FIELDS = ("legal_form", "representative", "activity_fields", "activity_area",
                   "member_count", "founded_on", "sns", "listed_publicly", "public_fields",
                   "confirmed_on")


class DistrictBox(QWidget):
    """地域: （未設定）, the seven districts or 市外; suggested from the address."""

    changed = Signal()

    def __init__(self, db: Database, actor: Actor, address: QLineEdit,
                 postal_code: QLineEdit) -> None:
        super().__init__()
        self.db, self.actor = db, actor
        self._address, self._postal = address, postal_code
        self.combo = district_combo()
        self.hint = QLabel()
        self.hint.setObjectName("districtHint")
        self.hint.setStyleSheet("color: #555;")
        self.by_hand = False  # the clerk picked one: no suggestion replaces it
        self.suggested = ""
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.combo)
        line.addWidget(self.hint, 1)
        self.setFocusProxy(self.combo)
        self._timer = single_shot(self, SUGGEST_DELAY_MS, self.suggest_now)
        self.combo.activated.connect(self._picked)  # the clerk's own choice only
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        address.textChanged.connect(lambda _t: self._timer.start())
        postal_code.textChanged.connect(lambda _t: self._timer.start())

    def value(self) -> str:
        return str(self.combo.currentData() or "")

    def restore(self, district: str) -> None:
        """Show *district* as stored or drafted: a record with one keeps it (as chosen)."""
        self._timer.stop()
        self.by_hand = bool(district)
        choose_district(self.combo, district)
        self.hint.setText("")
        self.suggested = ""

    def stop(self) -> None:
        self._timer.stop()

    def _picked(self, _index: int) -> None:
        self.by_hand = True

    def suggest_now(self) -> None:
        """What the address and 〒 suggest, read off the GUI thread (the town table)."""
        self._timer.stop()
        db, actor = self.db, self.actor
        address, postal = self._address.text(), self._postal.text()
        if not address.strip() and not postal.strip():
            self._show("")
            return
        ReadOp(self, lambda: districts.suggest(db, actor, address, postal), self._show,
               key="suggest", failed=lambda _exc: None).run()

    def _show(self, district: str) -> None:
        self.suggested = district
        self.hint.setText(f"住所から: {district}" if district else "")
        if district and not self.by_hand:
            self.combo.setCurrentIndex(max(0, self.combo.findData(district)))


class RegistryPage(QWidget):
    """団体の登録情報: the registry fields of a group, with their error lines in *errors*."""

    changed = Signal()

    def __init__(self, db: Database, actor: Actor, errors: FieldErrors) -> None:
        super().__init__()
        self.db, self.actor = db, actor
        self.legal_form = QComboBox()
        self.legal_form.setObjectName("legal_form")
        self.legal_form.addItem("（不明）", "")
        for legal_form in LEGAL_FORMS:
            self.legal_form.addItem(legal_form, legal_form)
        self.representative = ContactPicker(db, actor, role="代表者", kinds=[ContactKind.PERSON])
        self.representative.search.setPlaceholderText("代表者: 氏名・よみ・電話番号の一部で検索　↓で候補へ")
        self.field_boxes = [QComboBox() for _ in range(MAX_ACTIVITY_FIELDS)]
        fields_line = QHBoxLayout()
        for n, box in enumerate(self.field_boxes):
            box.setObjectName(f"activity_field_{n}")
            box.setToolTip("主な分野" if n == 0 else f"{n + 1}つ目の分野")
            box.setMinimumContentsLength(9)
            fields_line.addWidget(box, 1)
        self._field_list: list[ActivityFieldRef] = []
        self.activity_area = QLineEdit()
        self.activity_area.setPlaceholderText("市内全域、河辺地域 など")
        self.member_count = NumberBox.for_column("contacts", "member_count", unit="人",
                                                 optional=True)
        self.founded_on = DateEdit()
        self.founded_on.setObjectName("founded_on")
        self.founded_on.setLocale(JAPANESE)
        self.founded_on.setDisplayFormat("yyyy年M月")
        self.founded_on.setMinimumDate(_NO_MONTH)
        self.founded_on.setSpecialValueText("（未入力）")
        self.founded_on.setCurrentSection(QDateEdit.Section.YearSection)
        self.founded_on.setMinimumWidth(130)
        self.sns = QPlainTextEdit()
        self.sns.setObjectName("sns")
        self.sns.setPlaceholderText("https://www.facebook.com/…（1行に1つ）")
        self.sns.setFixedHeight(48)
        self.sns.setTabChangesFocus(True)
        self.listed = QCheckBox("団体一覧（公開用）に掲載する")
        self.listed.setObjectName("listed_publicly")
        self.public_boxes = {key: QCheckBox(label) for key, label in PUBLIC_FIELDS.items()}
        public = QGridLayout()
        public.setContentsMargins(18, 0, 0, 0)
        public.setVerticalSpacing(2)
        for n, check in enumerate(self.public_boxes.values()):
            public.addWidget(check, n // 5, n % 5)
        publish = QVBoxLayout()
        publish.setSpacing(2)
        publish.addWidget(self.listed)
        note = QLabel("掲載するときに、団体名のほかに公開してよい項目:")
        note.setStyleSheet("color: #555;")
        publish.addWidget(note)
        publish.addLayout(public)
        self.confirmed = QCheckBox("内容を確認した（保存すると、今日が最終確認日になります）")
        self.confirmed.setObjectName("confirmed")
        self.confirmed_on = QLabel()
        self.confirmed_on.setObjectName("confirmedOn")
        confirm = QVBoxLayout()
        confirm.setSpacing(2)
        confirm.addWidget(self.confirmed_on)
        confirm.addWidget(self.confirmed)

        # The rows at their own height, the page's spare room below them (the 基本 page is
        # the taller one and sets the form's height).
        page = QVBoxLayout(self)
        form = QFormLayout()
        page.addLayout(form)
        page.addStretch(1)
        rows: list[tuple[str, str, QWidget | QLayout]] = [
            ("legal_form", "法人格", self.legal_form),
            ("representative", "代表者", self.representative),
            ("activity_fields", "活動分野（主なものから3つまで）", fields_line),
            ("activity_area", "活動地域", self.activity_area),
            ("member_count", "構成員数", self.member_count),
            ("founded_on", "設立年月", self.founded_on),
            ("sns", "SNS", self.sns),
        ]
        for field, label, widget in rows:
            errors.add_row(form, label, widget, field,
                           focus=self.field_boxes[0] if field == "activity_fields"
                           else self.representative.search if field == "representative"
                           else None,
                           narrow=widget in (self.legal_form, self.member_count,
                                             self.founded_on))
        errors.add_row(form, "公開", publish, "listed_publicly", "public_fields",
                       focus=self.listed)
        errors.add_row(form, "最終確認", confirm, "confirmed_on", focus=self.confirmed)
        self._connect()

    def _connect(self) -> None:
        def changed(*_args: object) -> None:
            self.changed.emit()

        self.legal_form.currentIndexChanged.connect(changed)
        self.representative.chosen_changed.connect(changed)
        for field_box in self.field_boxes:
            field_box.currentIndexChanged.connect(changed)
        self.activity_area.textChanged.connect(changed)
        self.member_count.textChanged.connect(changed)
        self.founded_on.dateChanged.connect(changed)
        self.sns.textChanged.connect(changed)
        self.listed.toggled.connect(changed)
        self.listed.toggled.connect(self._listed_changed)
        for box in self.public_boxes.values():
            box.toggled.connect(changed)
        self.confirmed.toggled.connect(changed)

    def load_choices(self) -> None:
        """The administrator's 活動分野, read once as the form opens (retired ones too: a
        group may hold one; it is offered only to the group that has it)."""
        db, actor = self.db, self.actor
        ReadOp(self, lambda: list_activity_fields(db, actor, include_inactive=True),
               self._choices_read, key="fields").run()

    def _choices_read(self, choices: list[ActivityFieldRef]) -> None:
        held = self.activity_fields()
        self._field_list = choices
        self._put_fields(held)

    def _put_fields(self, held: Sequence[ActivityFieldRef]) -> None:
        known = {f.id: f for f in self._field_list}
        held_ids = {f.id for f in held}
        offered = [f for f in self._field_list if f.active or f.id in held_ids]
        offered += [f for f in held if f.id not in known]  # before the list is read
        for n, box in enumerate(self.field_boxes):
            with QSignalBlocker(box):
                box.clear()
                box.addItem("（なし）", None)
                for f in offered:
                    box.addItem(f.name if f.active else f"{f.name}{RETIRED}",
                                known.get(f.id, f))
                wanted = held[n] if n < len(held) else None
                box.setCurrentIndex(0 if wanted is None else next(
                    (i for i in range(box.count())
                     if (data := box.itemData(i)) is not None and data.id == wanted.id), 0))

    def activity_fields(self) -> tuple[ActivityFieldRef, ...]:
        return tuple(data for box in self.field_boxes
                     if (data := box.currentData()) is not None)

    def _listed_changed(self, listed: bool) -> None:
        for box in self.public_boxes.values():
            box.setEnabled(listed)

    # --- state in and out -------------------------------------------------------------
    def restore(self, d: ContactDraft, confirmed_on: date | None, typed_count: str) -> None:
        self.legal_form.setCurrentIndex(max(0, self.legal_form.findData(d.legal_form)))
        rep = d.representative
        self.representative.restore(rep.name if rep else "", rep.contact_id if rep else None)
        self._put_fields(d.activity_fields)
        self.activity_area.setText(d.activity_area)
        self.member_count.setValue(typed_count or d.member_count)
        self.founded_on.setDate(qdate(d.founded_on) if d.founded_on else _NO_MONTH)
        self.sns.setPlainText(d.sns)
        self.listed.setChecked(d.listed_publicly)
        self._listed_changed(d.listed_publicly)
        for key, box in self.public_boxes.items():
            box.setChecked(key in d.public_fields)
        self.confirmed.setChecked(d.confirmed)
        self.confirmed_on.setText(
            f"最終確認日: {full_date(confirmed_on) if confirmed_on else NEVER_CONFIRMED}")

    def fields(self) -> dict[str, object]:
        """The registry's part of the form's draft (ContactDraft's fields)."""
        chosen = self.representative.chosen
        founded = self.founded_on.date()
        return {
            "legal_form": str(self.legal_form.currentData() or ""),
            "representative": (Affiliation(chosen.ref.id, chosen.name)
                               if chosen is not None else None),
            "activity_fields": self.activity_fields(),
            "activity_area": self.activity_area.text(),
            "member_count": self.member_count.value(),
            "founded_on": None if founded == _NO_MONTH else day_of(founded).replace(day=1),
            "sns": self.sns.toPlainText(),
            "listed_publicly": self.listed.isChecked(),
            "public_fields": tuple(k for k, box in self.public_boxes.items() if box.isChecked()),
            "confirmed": self.confirmed.isChecked(),
        }

    def typed_count(self) -> str:
        """構成員数 as typed when it is not a number that can be stored (kept in the draft)."""
        return self.member_count.text() if self.member_count.problem() is not None else ""
