"""The year panel (年度の実施状況) of the plan window: for one fiscal year of the plan's period,
the stage in the cycle, each action's 実施状況 with its figure against the target and what it
achieved, the 評価 and 改善 notes and the day the year was published (公表日).

The panel only shows and holds; the plan window reads and saves the year (and keeps what is
typed in its draft), so the plan and its year are never lost apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import FieldProblem
from kyodo_desk.domain.plans import (
    ACTION_CARRIER_LABELS,
    ACTION_STATUS_LABELS,
    PLAN_STAGE_LABELS,
    PLAN_STAGE_MEANINGS,
    PLAN_STAGE_WORDS,
    ActionStatus,
    PlanStage,
)
from kyodo_desk.services.plans import ActionView, PlanYearDetail, ProgressDraft, YearDraft
from kyodo_desk.ui.date_inputs import date_edit, day_of, qdate
from kyodo_desk.ui.field_errors import FieldErrors, form_column, text_box
from kyodo_desk.ui.line_grid import LineGrid
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.plans.actions_editor import HIGHEST_TARGET
from kyodo_desk.ui.plans.board import STAGE_COLOURS, cycle_text
from kyodo_desk.ui.widgets import show_at_fault

NOT_REPORTED = "未報告"


@dataclass(frozen=True)
class ProgressTexts:
    """One action's line as typed: its status ("" 未報告), figure as text, and result."""

    action_id: int
    status: str = ""
    figure: str = ""
    result: str = ""


@dataclass(frozen=True)
class YearFormState:
    """The year as the panel shows it; *version* is the stored year's (0: not recorded)."""

    fiscal_year: int
    stage: str = PlanStage.PLAN.value
    evaluation: str = ""
    improvement: str = ""
    published_on: date | None = None
    progress: tuple[ProgressTexts, ...] = ()
    version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, year: PlanYearDetail) -> YearFormState:
        return cls(year.fiscal_year, year.stage.value, year.evaluation, year.improvement,
                   year.published_on,
                   tuple(ProgressTexts(p.action_id, p.status.value if p.status else "",
                                       "" if p.figure is None else str(p.figure), p.result)
                         for p in year.progress), year.version)


class ProgressLine:
    """One action in the year: its name and carrier, status, figure / target, result."""

    def __init__(self, action: ActionView) -> None:
        self.action_id = action.id
        self.title = QLabel(f"{action.position}. {action.title}")
        self.title.setObjectName("progressTitle")
        self.title.setToolTip(action.detail or action.title)
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(160)
        self.carrier = QLabel(ACTION_CARRIER_LABELS[action.carrier])
        self.status = QComboBox()
        self.status.setObjectName("progressStatus")
        self.status.addItem(NOT_REPORTED, "")
        for status in ActionStatus:
            self.status.addItem(ACTION_STATUS_LABELS[status], status.value)
        self.figure = NumberBox(f"progress.{action.id}.figure", f"「{action.title}」の実績値",
                                lowest=0, highest=HIGHEST_TARGET, optional=True)
        self.figure.setObjectName("progressFigure")
        self.figure.setFixedWidth(self.figure.fontMetrics().horizontalAdvance("0" * 9) + 16)
        unit = action.unit
        self.target = QLabel(
            f"{action.indicator + ' ' if action.indicator else ''}"
            f"目標 {action.target:,}{unit}" if action.target is not None else
            (f"{action.indicator}（目標なし）" if action.indicator else "目標なし"))
        self.target.setObjectName("progressTarget")
        self.target.setStyleSheet("color: #555;")
        self.unit = QLabel(unit)
        self.result = QLineEdit()
        self.result.setObjectName("progressResult")
        self.result.setPlaceholderText("実績・成果（例: 3回開催、延べ120人）")
        self.result.setMinimumWidth(200)

    def widgets(self) -> list[QWidget]:
        return [self.title, self.carrier, self.status, self.figure, self.unit, self.target,
                self.result]

    def texts(self) -> ProgressTexts:
        return ProgressTexts(self.action_id, str(self.status.currentData()),
                             self.figure.text(), self.result.text())

    def set_texts(self, t: ProgressTexts) -> None:
        self.status.setCurrentIndex(max(self.status.findData(t.status), 0))
        self.figure.setText(t.figure)
        self.result.setText(t.result)
        self.result.setCursorPosition(0)
        self.result.setToolTip(t.result)

    def draft(self) -> ProgressDraft:
        t = self.texts()
        return ProgressDraft(self.action_id, ActionStatus(t.status) if t.status else None,
                             t.result, self.figure.value())


class YearPanel(QWidget):
    """Shows one year of a plan; `changed` on every edit, `year_chosen` when the clerk picks
    another year (the window reads it)."""

    changed = Signal()
    year_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("yearPanel")
        self.lines: list[ProgressLine] = []
        self.version = 0
        self.loaded_year: int | None = None
        self._actions: tuple[ActionView, ...] = ()
        self._editable = True
        self.errors = FieldErrors()

        self.year = QComboBox()
        self.year.setObjectName("yearChooser")
        self.year.setToolTip("記録する年度（計画期間の中から）")
        self.stage = QComboBox()
        self.stage.setObjectName("yearStage")
        for stage in PlanStage:
            self.stage.addItem(f"{PLAN_STAGE_LABELS[stage]}（{PLAN_STAGE_WORDS[stage]}）",
                               stage.value)
        self.cycle = QLabel()
        self.cycle.setObjectName("yearCycle")
        self.meaning = QLabel()
        self.meaning.setObjectName("stageMeaning")
        self.meaning.setStyleSheet("color: #555;")
        self.note = QLabel()
        self.note.setObjectName("yearNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.counts = QLabel()
        self.counts.setObjectName("yearCounts")
        self._grid = LineGrid(("取組", "主体", "実施状況", "実績値", "", "指標・目標", "実績・成果"),
                              stretch_column=6)
        self._grid.setColumnStretch(0, 2)
        self._grid.setColumnStretch(6, 3)
        self.evaluation = text_box("この年度の取組全体の振り返り（評価）", 64, "yearEvaluation")
        self.improvement = text_box("見えてきた課題と計画の見直し（改善）", 64, "yearImprovement")
        self.published = QCheckBox("公表した")
        self.published.setObjectName("yearPublished")
        self.published.setToolTip("実施状況をホームページなどで公表した日")
        self.published_on = date_edit()
        self.published_on.setObjectName("yearPublishedOn")
        self.print_button = QPushButton("実施状況を印刷…")
        self.print_button.setObjectName("printYear")
        self.print_button.setAutoDefault(False)
        self.print_button.setToolTip("この版の、選んだ年度の実施状況（公表用のA4）を表示して、"
                                     "保存・印刷します（保存した内容で作ります）")
        self.revise_button = QPushButton("改善を次の版へ…")
        self.revise_button.setObjectName("revisePlan")
        self.revise_button.setAutoDefault(False)
        self.revise_button.setToolTip("改善の内容を反映した計画の新しい版をつくります"
                                      "（いまの版は記録として残ります）")

        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year)
        top.addSpacing(12)
        top.addWidget(QLabel("段階"))
        top.addWidget(self.stage)
        top.addSpacing(12)
        top.addWidget(self.cycle)
        top.addStretch(1)
        top.addWidget(self.print_button)
        top.addWidget(self.revise_button)
        grid_box = QWidget()
        grid_layout = QVBoxLayout(grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addLayout(self._grid)
        grid_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("progressScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_box)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        published = QHBoxLayout()
        published.addWidget(self.published)
        published.addWidget(self.published_on)
        published.addStretch(1)
        notes = form_column()
        notes.setContentsMargins(0, 0, 0, 0)
        self.errors.add_row(notes, "評価", self.evaluation, "evaluation")
        self.errors.add_row(notes, "改善", self.improvement, "improvement")
        self.errors.add_row(notes, "公表日", published, "published_on", focus=self.published_on)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.meaning)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.counts)
        layout.addLayout(notes)

        self.year.currentIndexChanged.connect(self._year_picked)
        self.stage.currentIndexChanged.connect(self._edited)
        self.stage.currentIndexChanged.connect(lambda _i: self._show_stage())
        self.evaluation.textChanged.connect(self._edited)
        self.improvement.textChanged.connect(self._edited)
        self.published.toggled.connect(self._edited)
        self.published.toggled.connect(self.published_on.setEnabled)
        self.published_on.dateChanged.connect(self._edited)
        self.published_on.setEnabled(False)
        self._show_stage()

    # --- the plan and its years ---------------------------------------------------------
    def set_plan(self, actions: Sequence[ActionView], years: Sequence[int], chosen: int,
                 *, editable: bool, note: str = "") -> None:
        """The plan's actions (one line each, typed values kept by action) and the years it
        may record; *chosen* shown in the chooser (no `year_chosen`)."""
        kept = {line.action_id: line.texts() for line in self.lines}
        while self.lines:
            line = self.lines.pop()
            self._grid.remove(line.widgets(), [])
        self._actions = tuple(actions)
        for n, action in enumerate(self._actions, start=1):
            line = ProgressLine(action)
            self._grid.place(n, line.widgets())
            if action.id in kept:
                line.set_texts(kept[action.id])
            line.status.currentIndexChanged.connect(self._edited)
            line.figure.textChanged.connect(self._edited)
            line.result.textChanged.connect(self._edited)
            self.lines.append(line)
        self.year.blockSignals(True)
        self.year.clear()
        for year in years:
            self.year.addItem(f"{fiscal_year_label(year)}（{year}）", year)
        self.year.setCurrentIndex(max(self.year.findData(chosen), 0))
        self.year.blockSignals(False)
        self.note.setText(note or ("取組がまだありません。「計画」のページで取組を入力して保存すると、"
                                   "ここで実施状況を記録できます。" if not self._actions else ""))
        self.note.setVisible(bool(self.note.text()))
        self.set_editable(editable)
        self._show_counts()

    def chosen_year(self) -> int | None:
        data = self.year.currentData()
        return int(data) if data is not None else None

    def choose_year(self, year: int) -> None:
        """Show *year* in the chooser without asking for it (a draft restored)."""
        self.year.blockSignals(True)
        self.year.setCurrentIndex(max(self.year.findData(year), 0))
        self.year.blockSignals(False)

    def _year_picked(self, _index: int) -> None:
        year = self.chosen_year()
        if year is not None:
            self.year_chosen.emit(year)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for widget in (self.stage, self.published, *(line.status for line in self.lines)):
            widget.setEnabled(editable)
        self.published_on.setEnabled(editable and self.published.isChecked())
        for edit in (self.evaluation, self.improvement):
            edit.setReadOnly(not editable)
        for line in self.lines:
            line.figure.setReadOnly(not editable)
            line.result.setReadOnly(not editable)

    # --- state in and out ---------------------------------------------------------------
    def state(self) -> YearFormState | None:
        year = self.loaded_year
        if year is None:
            return None
        return YearFormState(
            year, str(self.stage.currentData()), self.evaluation.toPlainText(),
            self.improvement.toPlainText(),
            day_of(self.published_on.date()) if self.published.isChecked() else None,
            tuple(line.texts() for line in self.lines), self.version)

    def restore(self, state: YearFormState) -> None:
        self.loaded_year, self.version = state.fiscal_year, state.version
        self.choose_year(state.fiscal_year)
        self.stage.setCurrentIndex(max(self.stage.findData(state.stage), 0))
        self.evaluation.setPlainText(state.evaluation)
        self.improvement.setPlainText(state.improvement)
        self.published.setChecked(state.published_on is not None)
        if state.published_on is not None:
            self.published_on.setDate(qdate(state.published_on))
        else:
            self.published_on.setDate(QDate.currentDate())
        texts = {t.action_id: t for t in state.progress}
        for line in self.lines:
            line.set_texts(texts.get(line.action_id, ProgressTexts(line.action_id)))
        self.published_on.setEnabled(self._editable and self.published.isChecked())
        self._show_stage()
        self._show_counts()

    def draft(self) -> YearDraft:
        return YearDraft(PlanStage(str(self.stage.currentData())), self.evaluation.toPlainText(),
                         self.improvement.toPlainText(),
                         day_of(self.published_on.date()) if self.published.isChecked() else None,
                         tuple(line.draft() for line in self.lines))

    def number_problems(self) -> list[FieldProblem]:
        return [p for line in self.lines if (p := line.figure.problem()) is not None]

    def show_problems(self, problems: Sequence[FieldProblem]) -> list[FieldProblem]:
        """Each problem under its note, a line's on the line's input; returns those about
        the lines (said on the window's summary line)."""
        by_action = {line.action_id: line for line in self.lines}
        on_lines: list[FieldProblem] = []
        framed: list[QWidget] = []
        for problem in problems:
            parts = problem.field.split(".")
            if parts[0] == "progress" and len(parts) == 3 and parts[1].isdigit():
                line = by_action.get(int(parts[1]))
                if line is not None:
                    framed.append(line.figure if parts[2] == "figure" else line.status)
                on_lines.append(problem)
        rest = [p for p in problems if p not in on_lines]
        elsewhere = self.errors.show(rest)
        for line in self.lines:
            for widget in (line.figure, line.status):
                show_at_fault(widget, widget in framed)
        if framed and not rest:
            framed[0].setFocus()
        return on_lines + elsewhere

    # --- what it shows ------------------------------------------------------------------
    def _edited(self, *_args: object) -> None:
        self._show_counts()
        self.changed.emit()

    def _show_stage(self) -> None:
        stage = PlanStage(str(self.stage.currentData()))
        self.cycle.setText(cycle_text(stage))
        self.cycle.setStyleSheet(f"color: {STAGE_COLOURS[stage]}; font-weight: bold;")
        self.meaning.setText(f"{PLAN_STAGE_LABELS[stage]}（{PLAN_STAGE_WORDS[stage]}）: "
                             f"{PLAN_STAGE_MEANINGS[stage]}")

    def _show_counts(self) -> None:
        statuses = [str(line.status.currentData()) for line in self.lines]
        parts = [f"{ACTION_STATUS_LABELS[s]} {statuses.count(s.value)}" for s in ActionStatus]
        parts.append(f"{NOT_REPORTED} {statuses.count('')}")
        self.counts.setText("この年度の実施状況: " + "・".join(parts) if self.lines else "")

    def focus_first(self) -> None:
        (self.lines[0].status if self.lines else self.stage).setFocus()

