"""The grant programme form (交付金の登録・編集): one call of one fiscal year.

種類, 年度, 名称, 目的, 対象, 募集期間, 予算額 and 1件あたりの上限額 (typed as text,
「3,000,000」, read by the service), 申込方法, 問い合わせ先, the screening criteria (審査の観点:
name, weight, highest score; added, removed and reordered line by line) and the documents each
step requires (必要書類: one line of names per stage). Like the event form it keeps a draft,
saves off the GUI thread, writes each refused field's problem on a red line under it, and
shows both versions when another counter saved first (DraftedForm).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of, full_date
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.grants import (
    GRANT_KIND_LABELS,
    MAIN_LINE,
    STAGE_LABELS,
    STANDARD_CRITERIA,
    Criterion,
    GrantKind,
    Stage,
    parse_yen,
    yen,
)
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants as svc
from kyodo_desk.services.grants import ProgrammeDetail, ProgrammeDraft, RequiredDocument
from kyodo_desk.ui.conflict import VersionsDialog, differences
from kyodo_desk.ui.date_inputs import day_of, qdate
from kyodo_desk.ui.draft_files import DraftFiles
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.events.sessions_editor import short_date_edit
from kyodo_desk.ui.field_errors import form_column, text_box, with_unit
from kyodo_desk.ui.line_grid import LineGrid, LineList
from kyodo_desk.ui.number_box import NumberBox, typed_texts
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.widgets import yen_box

FORMAT = 1
# The steps a document may be required for: everything after 相談 on the main line.
DOCUMENT_STAGES: tuple[Stage, ...] = MAIN_LINE[1:]
_NAME_SEPARATORS = re.compile(r"[、，,\n]+")
_QUOTED = re.compile(r"「([^」]*)」")

# Field → label, in form order: the order problems are listed and the first one is focused.
FIELD_LABELS = {
    "kind": "種類", "fiscal_year": "年度", "name": "名称", "purpose": "目的",
    "eligibility": "対象", "call_opens_on": "募集開始日", "call_closes_on": "募集締切日",
    "budget": "予算額", "ceiling": "1件あたりの上限額", "how_to_apply": "申込方法",
    "contact_name": "問い合わせ先", "contact_phone": "問い合わせ先の電話",
    "criteria": "審査の観点", "documents": "必要書類",
}


# --- drafts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgrammeFormState:
    """What the form holds; amounts stay as typed (「3,000,000」) until the service reads them."""

    draft: ProgrammeDraft
    # The version the edits started from: a restored draft still meets a later save as a
    # conflict instead of overwriting it.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)
    # 年度 and the criteria's 重み and 満点 holding what cannot be stored yet, as typed (key
    # `_number_key` → text): the draft has 0 for them (ui/number_box.py, typed_texts).
    numbers_typed: dict[str, str] = field(default_factory=dict, hash=False)


class ProgrammeDraftStore(DraftFiles[ProgrammeFormState]):
    """The programme form's drafts: grant-programme-<login>-<id or new>.json."""

    kind = "grant-programme"

    def encode(self, state: ProgrammeFormState) -> dict[str, Any]:
        def plain(value: object) -> object:
            if isinstance(value, date):
                return value.isoformat()
            raise TypeError(f"cannot keep {type(value).__name__} in a draft")

        return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
                "base_version": state.base_version, "numbers_typed": state.numbers_typed,
                "draft": json.loads(json.dumps(asdict(state.draft), default=plain))}

    def decode(self, data: dict[str, Any]) -> ProgrammeFormState:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown draft format {data.get('format')!r}")
        d = dict(data["draft"])
        typed = {str(key): str(text) for key, text in data.get("numbers_typed", {}).items()}
        d["kind"] = GrantKind(d["kind"])
        d["fiscal_year"] = _number(d["fiscal_year"], "fiscal_year", typed)
        for name in ("call_opens_on", "call_closes_on"):
            d[name] = date.fromisoformat(d[name])
        d["criteria"] = tuple(
            Criterion(str(c["name"]), *(_number(c[part], _number_key(row, part), typed)
                                        for part in ("weight", "max_score")))
            for row, c in enumerate(d["criteria"]))
        d["documents"] = tuple(RequiredDocument(Stage(x["stage"]), str(x["name"]))
                               for x in d["documents"])
        saved_at, version = data.get("saved_at"), data.get("base_version")
        return ProgrammeFormState(ProgrammeDraft(**d), None if version is None else int(version),
                                  datetime.fromisoformat(saved_at) if saved_at else None, typed)


def _number(value: int | str, key: str, typed: dict[str, str]) -> int:
    """A number a draft kept. A draft written before numbers_typed kept a box's text in the
    number's own place: it goes to *typed*, and the draft has 0 there."""
    if isinstance(value, str):
        typed.setdefault(key, value)
        return 0
    return int(value)


def _number_key(row: int, part: str) -> str:
    """The key of a criterion's 重み (*part* "weight") or 満点 ("max_score") in numbers_typed."""
    return f"criteria.{row}.{part}"


# --- 審査の観点 ----------------------------------------------------------------------------------

class CriterionLine:
    """One criterion's widgets: name, weight, highest score, its full marks, ↑ ↓ ✕."""

    def __init__(self, criterion: Criterion) -> None:
        self.name = QLineEdit(criterion.name)
        self.name.setObjectName("criterionName")
        self.name.setPlaceholderText("観点の名前（例: 公益性）")
        # Their problems are the service's "criteria" problems: said under 審査の観点.
        self.weight = NumberBox.for_column("grant_criteria", "weight", field="criteria")
        self.weight.setObjectName("criterionWeight")
        self.weight.setToolTip(f"点数に掛ける重み（{self.weight.lowest}～{self.weight.highest}）")
        self.max_score = NumberBox.for_column("grant_criteria", "max_score", unit="点",
                                              field="criteria")
        self.max_score.setObjectName("criterionMax")
        self.max_score.setToolTip(
            f"審査員がつけられる最高点（{self.max_score.lowest}～{self.max_score.highest}点）")
        self.weight.setValue(criterion.weight)
        self.max_score.setValue(criterion.max_score)
        # The units beside the boxes, as a grid cell each.
        self._weight_cell = _cell(self.weight, before="×")
        self._max_cell = _cell(self.max_score, after="点")
        self.full = QLabel()
        self.full.setObjectName("criterionFull")
        self.full.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.full.setMinimumWidth(48)
        self.up, self.down, self.remove = (_tool("↑", "この観点を上へ"),
                                           _tool("↓", "この観点を下へ"),
                                           _tool("✕", "この観点を削除します"))
        self.name.textChanged.connect(self._name_the_boxes)
        self._name_the_boxes()
        self.show_full()

    def widgets(self) -> list[QWidget]:
        return [self.name, self._weight_cell, self._max_cell, self.full, self.up, self.down,
                self.remove]

    def value(self) -> Criterion:
        """The criterion for the draft: 0 where a box holds what cannot be stored."""
        return Criterion(self.name.text(), self.weight.value() or 0,
                         self.max_score.value() or 0)

    def set_value(self, c: Criterion) -> None:
        self.name.setText(c.name)
        self.weight.setValue(c.weight)
        self.max_score.setValue(c.max_score)

    def number_boxes(self, row: int) -> dict[str, NumberBox]:
        return {_number_key(row, "weight"): self.weight,
                _number_key(row, "max_score"): self.max_score}

    def texts(self) -> tuple[str, str, str]:
        """Name, 重み and 満点 as typed."""
        return self.name.text(), self.weight.text(), self.max_score.text()

    def set_texts(self, texts: tuple[str, str, str]) -> None:
        self.name.setText(texts[0])
        self.weight.setText(texts[1])
        self.max_score.setText(texts[2])

    def full_marks(self) -> int | None:
        """重み×満点, or None while either is not a number that can be stored."""
        weight, max_score = self.weight.value(), self.max_score.value()
        return None if weight is None or max_score is None else weight * max_score

    def show_full(self) -> None:
        full = self.full_marks()
        self.full.setText("—" if full is None else f"{full}点")

    def _name_the_boxes(self) -> None:
        """A refused 重み or 満点 names its criterion, as the service would (「公益性」の重み)."""
        name = self.name.text().strip()
        self.weight.label = f"「{name}」の重み" if name else "重み"
        self.max_score.label = f"「{name}」の満点" if name else "満点"


class CriteriaEditor(LineList[CriterionLine], QWidget):
    """審査の観点, one line each, in the order reviewers score them; `changed` on every edit,
    `lines_changed` when a line comes or goes."""

    changed = Signal()
    lines_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("criteriaEditor")
        self.lines: list[CriterionLine] = []
        self._grid = LineGrid(("名前", "重み", "満点", "配点"), stretch_column=0)
        self.add_button = QPushButton("＋ 観点を追加")
        self.add_button.setObjectName("addCriterion")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_line)
        self.total = QLabel()
        self.total.setObjectName("criteriaTotal")
        self.total.setStyleSheet("color: #555;")
        below = QHBoxLayout()
        below.addWidget(self.add_button)
        below.addStretch()
        below.addWidget(self.total)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        layout.addLayout(below)

    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(line.value() for line in self.lines)

    def number_boxes(self) -> dict[str, NumberBox]:
        """Every 重み and 満点, by its key in numbers_typed."""
        return {key: box for row, line in enumerate(self.lines)
                for key, box in line.number_boxes(row).items()}

    def set_criteria(self, criteria: Sequence[Criterion]) -> None:
        while len(self.lines) > len(criteria):
            self._drop(self.lines[-1])
        while len(self.lines) < len(criteria):
            self._append(Criterion(""))
        for line, criterion in zip(self.lines, criteria, strict=True):
            line.set_value(criterion)
        self._lines_changed()

    def focus_widgets(self) -> list[QWidget]:
        return [w for line in self.lines for w in (line.name, line.weight, line.max_score)]

    def _new_line(self) -> CriterionLine:
        return self._append(Criterion(""))

    def _first_input(self, line: CriterionLine) -> QWidget:
        return line.name

    def _append(self, criterion: Criterion) -> CriterionLine:
        line = self._place(CriterionLine(criterion))
        for signal in (line.name.textChanged, line.weight.textChanged,
                       line.max_score.textChanged):
            signal.connect(self._edited)
        return line

    def _edited(self, *_args: object) -> None:
        for line in self.lines:
            line.show_full()
        self._show_total()
        self.changed.emit()

    def _show_total(self) -> None:
        fulls = [line.full_marks() for line in self.lines]
        total = "—" if None in fulls else f"{sum(f for f in fulls if f is not None)}点"
        self.total.setText(f"審査員1人の満点: {total}（重み×満点の合計）")

    def _lines_changed(self) -> None:
        self._number_the_buttons()
        for line in self.lines:
            line.show_full()
        self._show_total()
        self.lines_changed.emit()

    def lines_at_fault(self, message: str) -> list[QWidget]:
        """The inputs a criteria problem is about: the number boxes refusing what they hold
        with this message, else the name box it names, or the empty ones."""
        refusing: list[QWidget] = [
            box for line in self.lines for box in (line.weight, line.max_score)
            if (problem := box.problem()) is not None and problem.message == message]
        if refusing:
            return refusing
        quoted = set(_QUOTED.findall(message))
        named: list[QWidget] = [line.name for line in self.lines
                                if line.name.text().strip() in quoted]
        if named:
            return named
        return [line.name for line in self.lines if not line.name.text().strip()]


# --- 必要書類 ----------------------------------------------------------------------------------

class DocumentsEditor(QWidget):
    """必要書類: for each step after 相談, one line of document names separated by 「、」."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsEditor")
        self.lines: dict[Stage, QLineEdit] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        for row, stage in enumerate(DOCUMENT_STAGES):
            label = QLabel(STAGE_LABELS[stage])
            label.setStyleSheet("color: #555;")
            edit = QLineEdit()
            edit.setObjectName(f"documents_{stage.value}")
            edit.setPlaceholderText("なし（書類名を「、」で区切って入力）")
            edit.setToolTip(f"「{STAGE_LABELS[stage]}」に進む前に受理が必要な書類")
            edit.textChanged.connect(self.changed)
            grid.addWidget(label, row, 0)
            grid.addWidget(edit, row, 1)
            self.lines[stage] = edit
        grid.setColumnStretch(1, 1)

    def documents(self) -> tuple[RequiredDocument, ...]:
        return tuple(RequiredDocument(stage, name) for stage, edit in self.lines.items()
                     for name in _names(edit.text()))

    def set_documents(self, documents: Sequence[RequiredDocument]) -> None:
        for stage, edit in self.lines.items():
            edit.setText("、".join(d.name for d in documents if d.stage is stage))

    def lines_at_fault(self) -> list[QWidget]:
        """The lines naming a document twice (what the service refuses in 必要書類)."""
        return [edit for edit in self.lines.values()
                if len(set(_names(edit.text()))) != len(_names(edit.text()))]


def _names(text: str) -> list[str]:
    return [name.strip() for name in _NAME_SEPARATORS.split(text) if name.strip()]


# --- the form ---------------------------------------------------------------------------------

class ProgrammeForm(DraftedForm):
    """Register a programme (detail None; *initial* e.g. next year's copy) or change one."""

    field_order = tuple(FIELD_LABELS)

    def __init__(self, db: Database, actor: Actor, *, detail: ProgrammeDetail | None = None,
                 initial: ProgrammeDraft | None = None, parent: QWidget | None = None,
                 drafts: ProgrammeDraftStore | None = None) -> None:
        super().__init__(db, actor, detail, drafts or ProgrammeDraftStore(), parent)
        self.setWindowTitle("交付金の編集" if detail else
                            "交付金の登録（来年度用のコピー）" if initial else "交付金の登録")
        self.setMinimumSize(1180, 640)
        self._facility_id: int | None = None  # kept as it was; not edited here
        self._build_widgets()
        self._build_layout()
        self._connect()
        self._begin(self._state_of(detail) if detail is not None
                    else ProgrammeFormState(initial or self._new_draft()))
        self.kind.setFocus()

    # --- widgets --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.kind = QComboBox()
        for kind, label in GRANT_KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.fiscal_year = NumberBox.for_column("grant_programmes", "fiscal_year", unit="年度")
        self.fiscal_year.setObjectName("fiscalYear")
        self.era = QLabel()
        self.era.setObjectName("fiscalYearEra")
        self.era.setStyleSheet("color: #555;")
        self.name = QLineEdit()
        self.name.setObjectName("programmeName")
        self.name.setPlaceholderText("例: 秋田市協働サポート交付金")
        self.purpose = text_box("交付の目的（募集案内に載せる文）", 76)
        self.eligibility = text_box("対象となる団体・事業", 76)
        self.opens_on = short_date_edit()
        self.opens_on.setObjectName("callOpensOn")
        self.closes_on = short_date_edit()
        self.closes_on.setObjectName("callClosesOn")
        self.budget = yen_box("例: 3,000,000")
        self.budget.setObjectName("budget")
        self.ceiling = yen_box("空欄: 上限なし")
        self.ceiling.setObjectName("ceiling")
        self.how_to_apply = text_box("例: 申請書に事業計画書などを添えて、募集期間内に窓口へ", 76)
        self.contact_name = QLineEdit()
        self.contact_name.setPlaceholderText("例: 中央市民サービスセンター 市民協働担当")
        self.contact_phone = QLineEdit()
        self.contact_phone.setObjectName("contactPhone")
        self.contact_phone.setPlaceholderText("018-866-2019")
        self.contact_phone.setFixedWidth(140)
        self.criteria = CriteriaEditor()
        self.documents = DocumentsEditor()

    def _build_layout(self) -> None:
        left, right = form_column(), form_column()
        self.errors.add_row(left, "種類", self.kind, "kind", narrow=True)
        year = QHBoxLayout()
        year.addWidget(self.fiscal_year)
        year.addWidget(QLabel("年度"))
        year.addWidget(self.era)
        year.addStretch()
        self.errors.add_row(left, "年度 *", year, "fiscal_year", focus=self.fiscal_year)
        self.errors.add_row(left, "名称 *", self.name, "name")
        self.errors.add_row(left, "目的", self.purpose, "purpose")
        self.errors.add_row(left, "対象", self.eligibility, "eligibility")
        period = QHBoxLayout()
        period.addWidget(self.opens_on)
        period.addWidget(QLabel("～"))
        period.addWidget(self.closes_on)
        period.addStretch()
        self.errors.add_row(left, "募集期間 *", period, "call_opens_on", "call_closes_on",
                  focus=self.opens_on, frames={"call_closes_on": self.closes_on})
        self.errors.add_row(left, "予算額 *", with_unit(self.budget, "円"), "budget", focus=self.budget)
        self.errors.add_row(left, "1件あたりの上限額", with_unit(self.ceiling, "円（空欄: 上限なし）"),
                  "ceiling", focus=self.ceiling)
        self.errors.add_row(left, "申込方法", self.how_to_apply, "how_to_apply")
        self.errors.add_row(left, "問い合わせ先", self.contact_name, "contact_name")
        self.errors.add_row(left, "電話", self.contact_phone, "contact_phone", narrow=True)

        self.errors.add_row(right, "審査の観点 *", self.criteria, "criteria")
        documents = QVBoxLayout()
        documents.setSpacing(4)
        note = QLabel("各段階に進む前に受理が必要な書類です。")
        note.setStyleSheet("color: #555;")
        documents.addWidget(note)
        documents.addWidget(self.documents)
        self.errors.add_row(right, "必要書類", documents, "documents",
                  focus=self.documents.lines[DOCUMENT_STAGES[0]])

        columns = QHBoxLayout()
        columns.setContentsMargins(0, 0, 0, 0)
        left.setContentsMargins(0, 0, 12, 0)
        right.setContentsMargins(12, 0, 0, 0)
        for column, stretch in ((left, 1), (right, 1)):
            box = QVBoxLayout()  # each column keeps its height; the space goes below
            box.addLayout(column)
            box.addStretch()
            columns.addLayout(box, stretch)
        self.content.setLayout(columns)

        self._lay_out()
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        order: list[QWidget] = [
            self.kind, self.fiscal_year, self.name, self.purpose, self.eligibility,
            self.opens_on, self.closes_on, self.budget, self.ceiling, self.how_to_apply,
            self.contact_name, self.contact_phone, *self.criteria.focus_widgets(),
            self.criteria.add_button, *self.documents.lines.values(), self.save_button,
            self.cancel_button,
        ]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        changed = self._changed
        self.kind.currentIndexChanged.connect(changed)
        self.fiscal_year.textChanged.connect(self._show_era)
        self.fiscal_year.textChanged.connect(changed)
        for line in (self.name, self.budget, self.ceiling, self.contact_name,
                     self.contact_phone):
            line.textChanged.connect(changed)
        for box in (self.purpose, self.eligibility, self.how_to_apply):
            box.textChanged.connect(changed)
        for edit in (self.opens_on, self.closes_on):
            edit.dateChanged.connect(changed)
        self.criteria.changed.connect(changed)
        self.criteria.lines_changed.connect(self._set_tab_order)
        self.documents.changed.connect(changed)

    def _show_era(self, *_args: object) -> None:
        year = self.fiscal_year.value()
        self.era.setText("" if year is None else f"（{fiscal_year_label(year)}）")

    # --- state in and out -----------------------------------------------------------------
    @staticmethod
    def _new_draft() -> ProgrammeDraft:
        year = fiscal_year_of(date.today())
        return ProgrammeDraft(kind=GrantKind.COLLABORATION_SUPPORT, fiscal_year=year, name="",
                              call_opens_on=date(year, 4, 1), call_closes_on=date(year, 5, 31),
                              budget="", ceiling="", criteria=STANDARD_CRITERIA,
                              documents=svc.standard_documents())

    def state(self) -> ProgrammeFormState:
        """What the form holds now (also what a draft keeps)."""
        return ProgrammeFormState(ProgrammeDraft(
            kind=GrantKind(self.kind.currentData()), fiscal_year=self.fiscal_year.value() or 0,
            name=self.name.text(), call_opens_on=day_of(self.opens_on.date()),
            call_closes_on=day_of(self.closes_on.date()), budget=self.budget.text(),
            ceiling=self.ceiling.text().strip() or 0, purpose=self.purpose.toPlainText(),
            eligibility=self.eligibility.toPlainText(),
            how_to_apply=self.how_to_apply.toPlainText(), contact_name=self.contact_name.text(),
            contact_phone=self.contact_phone.text(), facility_id=self._facility_id,
            criteria=self.criteria.criteria(), documents=self.documents.documents(),
        ), base_version=self._base_version, numbers_typed=typed_texts(self._number_boxes()))

    def _number_boxes(self) -> dict[str, NumberBox]:
        return {"fiscal_year": self.fiscal_year, **self.criteria.number_boxes()}

    def _restore(self, state: ProgrammeFormState) -> None:
        d = state.draft
        self._loading = True
        try:
            self.kind.setCurrentIndex(max(0, self.kind.findData(d.kind)))
            self.fiscal_year.setValue(d.fiscal_year)
            self._show_era()
            self.name.setText(d.name)
            self.purpose.setPlainText(d.purpose)
            self.eligibility.setPlainText(d.eligibility)
            self.opens_on.setDate(qdate(d.call_opens_on))
            self.closes_on.setDate(qdate(d.call_closes_on))
            self.budget.setText(_amount_text(d.budget))
            self.ceiling.setText("" if d.ceiling in (0, "0") else _amount_text(d.ceiling))
            self.how_to_apply.setPlainText(d.how_to_apply)
            self.contact_name.setText(d.contact_name)
            self.contact_phone.setText(d.contact_phone)
            for line in (self.name, self.contact_name):
                line.setCursorPosition(0)  # a long name shows its beginning
            self._facility_id = d.facility_id
            self.criteria.set_criteria(d.criteria)
            for key, box in self._number_boxes().items():
                if key in state.numbers_typed:
                    box.setValue(state.numbers_typed[key])
            self.documents.set_documents(d.documents)
        finally:
            self._loading = False

    # --- what DraftedForm asks ------------------------------------------------------------
    @staticmethod
    def _state_of(detail: ProgrammeDetail) -> ProgrammeFormState:
        return ProgrammeFormState(detail.as_draft(), detail.version)

    def _local_problems(self, state: ProgrammeFormState) -> list[FieldProblem]:
        try:
            svc.clean_programme_draft(state.draft)  # what can be said without the database
        except ValidationError as exc:
            return list(exc.problems)
        return []

    def _versions_dialog(self, latest: ProgrammeDetail) -> VersionsDialog:
        return VersionsDialog("この交付金は、この画面で開いた後に他の窓口で保存されました。",
                              differences(_described(self.state().draft),
                                          _described(latest.as_draft()), FIELD_LABELS),
                              self)

    # Looked up when called, not when the class is made: the service module stays the one place.
    @staticmethod
    def _create(db: Database, actor: Actor, draft: ProgrammeDraft) -> ProgrammeDetail:
        return svc.create_programme(db, actor, draft)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: ProgrammeDraft) -> ProgrammeDetail:
        return svc.update_programme(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> ProgrammeDetail:
        return svc.get_programme(db, actor, record_id)

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        self._show_field_problems(problems, inputs_for=self._problem_inputs,
                                  also=[*self.documents.lines.values(),
                                        *(w for line in self.criteria.lines
                                          for w in (line.name, line.weight, line.max_score))])

    def _problem_inputs(self, problem: FieldProblem) -> list[QWidget]:
        """The inputs a problem is about: a criterion's name box, a document line, a field."""
        if problem.field == "criteria":
            lines = self.criteria.lines_at_fault(problem.message)
            if lines:
                return lines
            return [self.criteria.lines[0].name] if self.criteria.lines else [
                self.criteria.add_button]
        if problem.field == "documents":
            return self.documents.lines_at_fault() or [self.errors.inputs["documents"]]
        return [self.errors.inputs[problem.field]]


def open_programme_form(parent: QWidget, db: Database, actor: Actor, *,
                        saved: Callable[[ProgrammeDetail], object],
                        programme_id: int | None = None,
                        draft: ProgrammeDraft | None = None) -> None:
    """The programme form, modal: a new programme (*draft* e.g. next year's copy), or the
    programme *programme_id* to change, read first (removed meanwhile, no right, no server:
    said, and no form opens). *saved* is given what was stored."""
    def show(detail: ProgrammeDetail | None) -> None:
        form = ProgrammeForm(db, actor, detail=detail, initial=draft, parent=parent)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # deleted on the GUI thread
        form.setModal(True)
        form.accepted.connect(lambda: saved(form.saved))
        form.show()

    if programme_id is None:
        show(None)
        return
    ReadOp(parent, lambda: svc.get_programme(db, actor, programme_id), show).run()


# --- helpers ----------------------------------------------------------------------------------

def _amount_text(value: int | str) -> str:
    """An amount as the box shows it: 3000000 → 「3,000,000」; typed text as it was typed."""
    return f"{value:,}" if isinstance(value, int) else value


def _yen_label(value: int | str) -> str:
    """An amount as the versions dialog shows it: 「3,000,000円」, or the text as typed."""
    if value in (0, "0", ""):
        return "なし"
    try:
        return yen(parse_yen(value, "amount", "金額"))
    except ValidationError:
        return str(value)


def _described(d: ProgrammeDraft) -> dict[str, str]:
    """The fields as a person reads them (for the versions dialog)."""
    return {
        "kind": GRANT_KIND_LABELS[d.kind],
        "fiscal_year": f"{d.fiscal_year}年度（{fiscal_year_label(d.fiscal_year)}）",
        "name": d.name, "purpose": d.purpose, "eligibility": d.eligibility,
        "call_opens_on": full_date(d.call_opens_on),
        "call_closes_on": full_date(d.call_closes_on),
        "budget": _yen_label(d.budget), "ceiling": _yen_label(d.ceiling),
        "how_to_apply": d.how_to_apply, "contact_name": d.contact_name,
        "contact_phone": d.contact_phone,
        "criteria": "\n".join(f"{c.name.strip()} ×{c.weight}（{c.max_score}点満点）"
                              for c in d.criteria),
        "documents": "\n".join(
            f"{STAGE_LABELS[stage]}: " + "、".join(x.name for x in d.documents
                                                  if x.stage is stage)
            for stage in DOCUMENT_STAGES if any(x.stage is stage for x in d.documents)),
    }


def _cell(box: QWidget, *, before: str = "", after: str = "") -> QWidget:
    """A grid cell: *box* with its unit beside it."""
    cell = QWidget()
    line = QHBoxLayout(cell)
    line.setContentsMargins(0, 0, 0, 0)
    line.setSpacing(2)
    if before:
        line.addWidget(QLabel(before))
    line.addWidget(box)
    if after:
        line.addWidget(QLabel(after))
    return cell


def _tool(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button

