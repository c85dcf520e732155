"""審査 (screening) of one programme: the ranking, and the officers' score entry.

The ranking (順位表) lists every screened case with each reviewer's weighted total, the sum,
the average per reviewer (what ranks: fair when a reviewer missed a case), the amount applied
for and the stage. Officers type each reviewer's score sheet below it: a case in 審査, the
reviewer (one named before is offered), one box per criterion (0 to its highest score, 未入力
until typed) and the live subtotal Σ weight × score; 「保存」 stores the sheet and the ranking
is read again. Advisors see the ranking only.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import FieldProblem, UserError, ValidationError
from kyodo_desk.domain.grants import STAGE_LABELS, Stage, yen
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services.grants import CriterionInfo
from kyodo_desk.services.grants import screening as svc
from kyodo_desk.services.grants.screening import Screening, ScreeningRow
from kyodo_desk.ui.field_errors import summary_line
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.operations import ReadOp, WriteOp
from kyodo_desk.ui.widgets import RowsModel, ctrl_enter, record_list, show_at_fault

NOTHING_TO_SCORE = "「審査」の段階にある案件はありません。"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignCenter


class RankingModel(RowsModel[ScreeningRow]):
    """順位, 団体名, 事業名, one column per reviewer, 合計, 平均, 申請額, 段階."""

    def __init__(self) -> None:
        super().__init__()
        self.reviewers: tuple[str, ...] = ()
        self.columns = self._columns()

    def _columns(self) -> tuple[str, ...]:
        # 「審査員A（学識経験者）」 on two lines: the heading stays as narrow as the numbers.
        return ("順位", "団体名", "事業名",
                *(name.replace("（", "\n（") for name in self.reviewers),
                "合計", "平均", "申請額", "段階")

    def reset(self, screening: Screening) -> None:
        self.beginResetModel()
        self.reviewers = screening.reviewers
        self.columns = self._columns()
        self._rows = list(screening.rows)
        self.endResetModel()

    def text(self, row: ScreeningRow, column: int) -> str:
        scored = bool(row.by_reviewer)
        reviewer = column - 3
        if column == 0:
            return str(row.rank) if row.rank else "—"
        if column == 1:
            return row.group_name
        if column == 2:
            return row.title
        if 0 <= reviewer < len(self.reviewers):
            total = row.by_reviewer.get(self.reviewers[reviewer])
            return "—" if total is None else str(total)
        after = column - 3 - len(self.reviewers)
        if after == 0:
            return str(row.total) if scored else "—"
        if after == 1:
            return f"{row.average:g}" if scored else "—"
        if after == 2:
            return yen(row.requested) if row.requested else "—"
        return STAGE_LABELS[row.stage]

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.entry(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == 0:
                return _CENTRE
            if column >= 3 and column != len(self.columns) - 1:
                return _RIGHT
        if role == Qt.ItemDataRole.FontRole and column in (0, len(self.columns) - 3):
            bold = QFont()  # the rank and the average: what the committee reads first
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.ToolTipRole and column in (1, 2):
            return self.text(row, column)
        return None


class ScoreBox(NumberBox):
    """One criterion's score as typed: 0 to its highest score, empty (未入力) until typed; a
    score it cannot take is refused with the criterion named, as the service would."""

    def __init__(self, criterion: CriterionInfo) -> None:
        super().__init__("scores", f"「{criterion.name}」の点数", lowest=0,
                         highest=criterion.max_score, unit="点", optional=True,
                         empty_text="未入力")
        self.criterion = criterion
        self.setObjectName("scoreBox")
        self.setToolTip(f"0～{criterion.max_score}点（重み×{criterion.weight}）")


class ScreeningDialog(QDialog):
    """The ranking of programme *programme_id*, with score entry for those who may change
    cases. `shown` after every reading of the ranking; `save_finished` tells each save's
    outcome (True: stored)."""

    shown = Signal()
    save_finished = Signal(bool)

    def __init__(self, db: Database, actor: Actor, programme_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.programme_id = db, actor, programme_id
        self.screening: Screening | None = None
        self.may_score = actor.may(Action.CHANGE, Resource.GRANT_CASES)
        self.score_boxes: dict[int, ScoreBox] = {}  # criterion id → its box
        self._weighted: dict[int, QLabel] = {}
        self._criteria: tuple[CriterionInfo, ...] = ()
        self._loading = False
        self._touched = False  # the boxes hold what was typed, not a stored sheet
        self._saving = False
        self.setWindowTitle("審査・順位")
        self.setMinimumSize(1120, 680 if self.may_score else 520)

        self.heading = QLabel("読み込んでいます…")
        self.heading.setObjectName("screeningHeading")
        self.heading.setWordWrap(True)
        self.model = RankingModel()
        self.table = record_list(self.model, "rankingTable")
        self.table.horizontalHeader().setDefaultAlignment(_CENTRE)
        self.table.clicked.connect(self._row_clicked)
        self.close_button = QPushButton("閉じる")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        if self.may_score:
            layout.addWidget(self._entry_area())
        else:
            note = QLabel("採点の入力は、市民協働担当のアカウントで行います。")
            note.setStyleSheet("color: #555;")
            layout.addWidget(note)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.refresh()

    # --- the entry area ---------------------------------------------------------------
    def _entry_area(self) -> QGroupBox:
        self.case = QComboBox()
        self.case.setObjectName("scoreCase")
        self.case.setMinimumWidth(380)
        self.case.view().setMinimumWidth(520)  # the whole name of group and project
        self.case.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reviewer = QComboBox()
        self.reviewer.setObjectName("scoreReviewer")
        self.reviewer.setEditable(True)
        self.reviewer.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        typed = self.reviewer.lineEdit()
        assert typed is not None  # an editable combo box has its line edit
        typed.setPlaceholderText("審査員の名前（例: 審査員A）")
        self.reviewer.setMinimumWidth(240)
        self._criteria_grid = QGridLayout()
        self._criteria_grid.setHorizontalSpacing(10)
        self._criteria_grid.setVerticalSpacing(4)
        self.subtotal = QLabel()
        self.subtotal.setObjectName("scoreSubtotal")
        big = self.subtotal.font()
        big.setPointSizeF(big.pointSizeF() * 1.3)
        big.setBold(True)
        self.subtotal.setFont(big)
        self.subtotal_note = QLabel()
        self.subtotal_note.setStyleSheet("color: #555;")
        self.save_button = QPushButton("保存")
        self.save_button.setObjectName("saveScores")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip("この審査員の、この案件の採点を保存します（前の採点は置き換え）")
        self.entry_error = summary_line("scoreError")
        self.entry_status = QLabel()
        self.entry_status.setObjectName("scoreStatus")
        self.entry_status.setWordWrap(True)
        self.entry_status.setStyleSheet("color: #1f7a4d;")

        who = QFormLayout()
        who.addRow("案件（審査中）", self.case)
        who.addRow("審査員", self.reviewer)
        who.addRow("", self.entry_status)
        total = QVBoxLayout()
        total.addWidget(QLabel("小計（Σ 重み×点数）"))
        total.addWidget(self.subtotal)
        total.addWidget(self.subtotal_note)
        total.addStretch()
        total.addWidget(self.save_button)
        row = QHBoxLayout()
        row.addLayout(who, 4)
        row.addSpacing(16)
        row.addLayout(self._criteria_grid, 3)
        row.addSpacing(16)
        row.addLayout(total, 1)
        box = QGroupBox("採点の入力")
        box.setObjectName("scoreEntry")
        inner = QVBoxLayout(box)
        inner.addLayout(row)
        inner.addWidget(self.entry_error)

        self.case.currentIndexChanged.connect(self._case_changed)
        self.reviewer.currentTextChanged.connect(self._reviewer_changed)
        self.save_button.clicked.connect(self.save)
        ctrl_enter(self, self.save)
        self.save_button.setText("保存（Ctrl+Enter）")
        return box

    def _build_score_boxes(self, criteria: tuple[CriterionInfo, ...]) -> None:
        """One line per criterion: name, box, highest score and weight, weighted points."""
        while self._criteria_grid.count():
            item = self._criteria_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.score_boxes, self._weighted, self._criteria = {}, {}, criteria
        for column, text in enumerate(("審査の観点", "点数", "", "配点")):
            heading = QLabel(text)
            heading.setStyleSheet("color: #555;")
            self._criteria_grid.addWidget(heading, 0, column)
            heading.show()
        for row, criterion in enumerate(criteria, start=1):
            spin = ScoreBox(criterion)
            spin.textChanged.connect(self._score_changed)
            weight = QLabel(f"/ {criterion.max_score}点　×{criterion.weight}")
            weight.setStyleSheet("color: #555;")
            points = QLabel()
            points.setAlignment(_RIGHT)
            points.setMinimumWidth(44)
            for column, widget in enumerate((QLabel(criterion.name), spin, weight, points)):
                self._criteria_grid.addWidget(widget, row, column)
                widget.show()  # now, not on the next turn of the loop: Tab goes there
            self.score_boxes[criterion.id] = spin
            self._weighted[criterion.id] = points
        self._criteria_grid.setColumnStretch(4, 1)
        # Tab: case → reviewer → each score in turn → 保存, as the paper sheet reads.
        order = [self.case, self.reviewer, *self.score_boxes.values(), self.save_button]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        self._show_subtotal()

    def scores(self) -> dict[int, int]:
        """The scores typed, by criterion id (未入力 left out: the service names them)."""
        return {cid: score for cid, box in self.score_boxes.items()
                if (score := box.value()) is not None}

    def subtotal_points(self) -> int:
        return sum(box.criterion.weight * score for box in self.score_boxes.values()
                   if (score := box.value()) is not None)

    def _show_subtotal(self) -> None:
        for cid, box in self.score_boxes.items():
            value = box.value()
            self._weighted[cid].setText("" if value is None
                                        else f"{box.criterion.weight * value}点")
        full = sum(c.weight * c.max_score for c in self._criteria)
        self.subtotal.setText(f"{self.subtotal_points()}点 / {full}点")
        boxes = self.score_boxes.values()
        missing = sum(1 for box in boxes if not box.text().strip())
        refused = sum(1 for box in boxes if box.problem() is not None)
        notes = [f"未入力 {missing}項目" if missing else "",
                 f"点数にならない入力 {refused}項目" if refused else ""]
        self.subtotal_note.setText("・".join(n for n in notes if n) or "すべて入力済み")

    def _score_changed(self, _text: str) -> None:
        if not self._loading:
            self._touched = True
            self.entry_status.clear()
        self._show_subtotal()

    def _set_scores(self, given: dict[int, int] | None) -> None:
        """Show a stored sheet (or empty boxes) without counting it as typed."""
        self._loading = True
        try:
            for cid, box in self.score_boxes.items():
                box.setValue(None if given is None else given.get(cid))
        finally:
            self._loading = False
        self._touched = False
        self._show_subtotal()

    def _stored_sheet(self) -> dict[int, int] | None:
        if self.screening is None:
            return None
        return self.screening.scores.get((self.case.currentData(), self._reviewer_name()))

    def _reviewer_name(self) -> str:
        return " ".join(self.reviewer.currentText().split())

    def _case_changed(self, _index: int) -> None:
        """Another case: its stored sheet for this reviewer, or empty boxes."""
        if not self._loading:
            self._set_scores(self._stored_sheet())
            self._clear_problems()

    def _reviewer_changed(self, _text: str) -> None:
        """A reviewer with a stored sheet for this case shows it; what was typed for a
        reviewer not scored yet stays (the name is often typed last)."""
        if self._loading:
            return
        sheet = self._stored_sheet()
        if sheet is not None or not self._touched:
            self._set_scores(sheet)
        show_at_fault(self.reviewer, False)

    # --- reading the ranking ----------------------------------------------------------
    def refresh(self) -> None:
        db, actor, programme_id = self.db, self.actor, self.programme_id
        # Read again after each sheet: the last reading is the one shown.
        ReadOp(self, lambda: svc.screening(db, actor, programme_id), self._show, key="ranking",
               failed=self._failed).run()

    def _failed(self, exc: Exception) -> None:
        self.heading.setText(f"読み込めませんでした: {exc}" if isinstance(exc, UserError)
                             else "読み込めませんでした。")
        if not isinstance(exc, UserError):
            show_error(self, exc)
        self.shown.emit()

    def _show(self, screening: Screening) -> None:
        self.screening = screening
        self.setWindowTitle(f"審査・順位 — {fiscal_year_label(screening.fiscal_year)} "
                            f"{screening.programme_name}")
        criteria = html.escape("、".join(f"{c.name}（×{c.weight}・{c.max_score}点満点）"
                                         for c in screening.criteria))
        name = html.escape(f"{fiscal_year_label(screening.fiscal_year)} {screening.programme_name}")
        scored = sum(1 for r in screening.rows if r.by_reviewer)
        self.heading.setText(
            f"<b>{name}</b>　"
            f"対象 {len(screening.rows)}件（採点済み {scored}件）・審査員 "
            f"{len(screening.reviewers)}人・1人あたりの満点 {screening.full_marks}点<br>"
            f"<span style='color:#555'>審査の観点: {criteria}。"
            "順位は審査員の合計点の平均で決まります。</span>")
        self.model.reset(screening)
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):  # the project's name takes the rest
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 2
                                        else QHeaderView.ResizeMode.ResizeToContents)
        if self.may_score:
            self._fill_entry(screening)
        self.shown.emit()

    def _fill_entry(self, screening: Screening) -> None:
        """The cases in 審査 and the reviewers named so far; the choices stay where they were."""
        self._loading = True
        try:
            case_id, reviewer = self.case.currentData(), self.reviewer.currentText()
            with QSignalBlocker(self.case):
                self.case.clear()
                for row in screening.rows:
                    if row.stage is Stage.SCREENING:
                        self.case.addItem(f"{row.group_name}　{row.title}", row.case_id)
                self.case.setCurrentIndex(max(0, self.case.findData(case_id)))
            with QSignalBlocker(self.reviewer):
                self.reviewer.clear()
                self.reviewer.addItems(list(screening.reviewers))
                self.reviewer.setCurrentText(reviewer)
            if screening.criteria != self._criteria:
                self._build_score_boxes(screening.criteria)
        finally:
            self._loading = False
        if self.case.count() == 0:
            self.entry_status.setText(NOTHING_TO_SCORE)
        elif self.entry_status.text() == NOTHING_TO_SCORE:
            self.entry_status.clear()
        if not self._touched:
            self._set_scores(self._stored_sheet())

    def _row_clicked(self, index: QModelIndex) -> None:
        """A case in 審査 clicked in the ranking is chosen for entry."""
        row = self.model.entry(index.row())
        if self.may_score and row is not None and row.stage is Stage.SCREENING:
            self.case.setCurrentIndex(self.case.findData(row.case_id))

    # --- saving -----------------------------------------------------------------------
    def save(self) -> None:
        if self._saving:
            return
        self._clear_problems()
        # A box holding what is not a score it may take is refused as typed, before the
        # service (which would only see the scores that read).
        refused = [problem for box in self.score_boxes.values()
                   if (problem := box.problem()) is not None]
        if refused:
            self._show_score_problems(refused)
            self.save_finished.emit(False)
            return
        case_id, reviewer, scores = self.case.currentData(), self._reviewer_name(), self.scores()
        if case_id is None:
            self._show_problem("採点する案件を選んでください（「審査」の段階の案件だけを選べます）。")
            self.save_finished.emit(False)
            return
        self._saving = True
        db, actor = self.db, self.actor
        title = self.case.currentText()
        WriteOp(self, lambda: svc.record_scores(db, actor, case_id, reviewer, scores),
                lambda _case: self._stored(title, reviewer), failed=self._refused,
                busy=(self.save_button,)).run()

    def _stored(self, title: str, reviewer: str) -> None:
        self._saving = False
        self._touched = False
        self.entry_status.setText(f"保存しました: {reviewer}「{title.split('　')[-1]}」"
                                  f" {self.subtotal_points()}点")
        self.save_finished.emit(True)
        self.refresh()

    def _refused(self, exc: Exception) -> None:
        self._saving = False
        if isinstance(exc, ValidationError):
            self._show_score_problems(exc.problems)
        elif isinstance(exc, UserError):  # not in 審査 any more, removed, no connection
            self._show_problem(exc.message)
            self.refresh()
        else:
            show_error(self, exc)
        self.save_finished.emit(False)

    def _show_score_problems(self, problems: Sequence[FieldProblem]) -> None:
        """The messages under the score entry; the reviewer or each criterion named framed,
        the first focused."""
        self._show_problem("\n".join(p.message for p in problems))
        fields = {p.field for p in problems}
        show_at_fault(self.reviewer, "reviewer" in fields)
        if "scores" in fields:
            for box in self.score_boxes.values():
                show_at_fault(box, any(f"「{box.criterion.name}」" in p.message
                                       for p in problems))
        focus = self.reviewer if "reviewer" in fields else next(
            (b for b in self.score_boxes.values() if b.styleSheet()), None)
        if focus is not None:
            focus.setFocus()

    def _show_problem(self, text: str) -> None:
        self.entry_status.clear()
        self.entry_error.setText(text)
        self.entry_error.show()

    def _clear_problems(self) -> None:
        self.entry_error.hide()
        show_at_fault(self.reviewer, False)
        for box in self.score_boxes.values():
            show_at_fault(box, False)


def open_screening(parent: QWidget | None, db: Database, actor: Actor,
                   programme_id: int) -> None:
    """The screening of programme *programme_id*, modal, until closed."""
    dialog = ScreeningDialog(db, actor, programme_id, parent)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
