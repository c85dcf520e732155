"""The parts of the case panel: the stage strip, the documents checklist, the money, the
deadlines. Each shows a CaseDetail and says by signal what the officer asked for; the panel
does the writing."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.dates import fiscal_year_label, full_date, short_date
from kyodo_desk.domain.grants import HOLDS_DECISION, MAIN_LINE, STAGE_LABELS, Stage, yen
from kyodo_desk.services.grants.cases import CaseDetail, DocumentInfo
from kyodo_desk.ui.grants.model import OVERDUE_TEXT, STAGE_COLOURS, day_text, due_text

MUTED = "color: #666;"
PASSED = "background: #e3efe8; color: #1f4e3d; border: 1px solid #b9d6c4;"
AHEAD = "background: #f4f4f4; color: #8a8a8a; border: 1px solid #dddddd;"


def small_button(text: str, name: str, slot: Callable[..., object], tip: str = "") -> QPushButton:
    """*slot* may take `clicked`'s checked flag: a lambda in a loop takes it in a first
    argument before the ones it binds (`lambda _=False, i=d.id: ...`)."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button


class CaseHeader(QFrame):
    """The group, the project, its programme and department, and the stage in large type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseHeader")
        self.setStyleSheet("QFrame#caseHeader { background: #f5f8f6; border: 1px solid #d5e2da;"
                           " border-radius: 4px; }")
        self.group = QLabel()
        self.group.setObjectName("caseGroupName")
        self.group.setStyleSheet("color: #444; font-size: 10pt;")
        self.title = QLabel()
        self.title.setObjectName("caseTitleLabel")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("caseSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: #555;")
        self.stage = QLabel()
        self.stage.setObjectName("caseStage")
        self.stage.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stage.setMinimumWidth(110)
        self.edit_button = QPushButton("案件の編集…")
        self.edit_button.setObjectName("editCase")
        self.edit_button.setToolTip("事業名・担当課・概要・申請額・実績・評価を変更します")
        self.edit_button.setAutoDefault(False)
        names = QVBoxLayout()
        names.setSpacing(1)
        for label in (self.group, self.title, self.subtitle):
            names.addWidget(label)
        right = QVBoxLayout()
        right.addWidget(self.stage)
        right.addWidget(self.edit_button)
        right.addStretch(1)
        line = QHBoxLayout(self)
        line.setContentsMargins(10, 6, 10, 6)
        line.addLayout(names, 1)
        line.addLayout(right)

    def show_case(self, detail: CaseDetail) -> None:
        self.group.setText(detail.group_name)
        self.title.setText(detail.title)
        self.title.setToolTip(detail.summary)
        self.subtitle.setText("　".join(p for p in (
            f"{fiscal_year_label(detail.fiscal_year)} {detail.programme_name}",
            f"協働担当課: {detail.department}" if detail.department else "") if p))
        colour = STAGE_COLOURS[detail.stage]
        self.stage.setText(STAGE_LABELS[detail.stage])
        self.stage.setStyleSheet(f"background: {colour}; color: white; font-size: 15pt;"
                                 " font-weight: bold; border-radius: 6px; padding: 4px 14px;")


class StageStrip(QWidget):
    """相談 › 申請 › … › 公表 with the case's stage filled in its colour; 不採択 takes 採択's
    place and 取下げ comes at the end, where a case left the line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageStrip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.chips: dict[Stage, QLabel] = {}
        for n, stage in enumerate((*MAIN_LINE, Stage.WITHDRAWN)):
            if n:
                arrow = QLabel("›")
                arrow.setStyleSheet("color: #999;")
                layout.addWidget(arrow)
                if stage is Stage.WITHDRAWN:
                    self._withdrawn_arrow = arrow
            chip = QLabel(STAGE_LABELS[stage])
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.chips[stage] = chip
            layout.addWidget(chip)
        layout.addStretch(1)
        self._current = self.chips[Stage.CONSULTATION]

    def show_stage(self, stage: Stage) -> None:
        on_line = stage if stage in MAIN_LINE else (
            Stage.ADOPTED if stage is Stage.REJECTED else None)
        here = MAIN_LINE.index(on_line) if on_line is not None else -1
        for n, line_stage in enumerate(MAIN_LINE):
            chip = self.chips[line_stage]
            chip.setText(STAGE_LABELS[Stage.REJECTED if n == here and stage is Stage.REJECTED
                                      else line_stage])
            look = (_current(stage) if n == here else PASSED if n < here else AHEAD)
            chip.setStyleSheet(f"QLabel {{ {look} border-radius: 9px; padding: 2px 7px; }}")
        withdrawn = stage is Stage.WITHDRAWN
        self.chips[Stage.WITHDRAWN].setVisible(withdrawn)
        self._withdrawn_arrow.setVisible(withdrawn)
        self.chips[Stage.WITHDRAWN].setStyleSheet(
            f"QLabel {{ {_current(stage)} border-radius: 9px; padding: 2px 7px; }}")
        self._current = self.chips[Stage.WITHDRAWN if withdrawn else MAIN_LINE[here]]

    def current_text(self) -> str:
        """The highlighted chip's words."""
        return self._current.text()


def _current(stage: Stage) -> str:
    colour = STAGE_COLOURS[stage]
    return f"background: {colour}; color: white; font-weight: bold; border: 1px solid {colour};"


class RowsBox(QGroupBox):
    """A box of rows rebuilt for each case, with an 追加 button under them."""

    add_clicked = Signal()

    def __init__(self, title: str, name: str, add_text: str, add_name: str, tip: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(name)
        self._layout = QVBoxLayout(self)
        self._rows = QWidget()
        self._layout.addWidget(self._rows)
        self.add_button = small_button(add_text, add_name, self.add_clicked.emit, tip)
        line = QHBoxLayout()
        line.addWidget(self.add_button)
        line.addStretch(1)
        self._layout.addLayout(line)

    def _fresh_grid(self, *, horizontal: int, vertical: int) -> QGridLayout:
        """A new, empty grid in place of the last case's rows."""
        self._layout.removeWidget(self._rows)
        self._rows.deleteLater()
        self._rows = QWidget()
        self._layout.insertWidget(0, self._rows)
        self._rows.show()  # at once: a layout would show it only when the event loop runs
        grid = QGridLayout(self._rows)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(horizontal)
        grid.setVerticalSpacing(vertical)
        return grid


class DocumentsBox(RowsBox):
    """書類: one tick per required document, by the stage that needs it; ticking records it
    as received today, unticking takes the receipt back. Those the next step needs and that
    are missing are marked; a stage's documents all received fold into one line."""

    toggled = Signal(str, bool)  # document name, received

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("書類", "documentsBox", "書類を追加…", "addDocument",
                         "一覧にない書類や、今日以外の日に受理した書類を記録します", parent)
        self.checks: dict[str, QCheckBox] = {}
        self.folds: dict[str, QToolButton] = {}  # group title → its fold button
        self._turned: set[str] = set()  # groups folded or opened by a click
        self._case_id: int | None = None

    def show_case(self, detail: CaseDetail, *, writable: bool) -> None:
        if detail.id != self._case_id:
            self._turned = set()
            self._case_id = detail.id
        grid = self._fresh_grid(horizontal=10, vertical=2)
        grid.setColumnStretch(1, 1)
        self.checks, self.folds = {}, {}
        upcoming = next((s for s in detail.next_moves if s is not Stage.WITHDRAWN), None)
        groups: list[tuple[str, list[DocumentInfo]]] = []
        for stage in (*MAIN_LINE, None):
            infos = [d for d in detail.documents if d.required_for is stage]
            if infos:
                title = "その他の書類" if stage is None else f"{STAGE_LABELS[stage]}に必要な書類"
                groups.append((title, infos))
        if not groups:
            grid.addWidget(_muted("この交付金には必要書類が設定されていません。"), 0, 0, 1, 2)
        row = 0
        for title, infos in groups:
            received = sum(1 for d in infos if d.received_on is not None)
            stage = infos[0].required_for
            # Open: what the next step needs, and what is missing from a step passed;
            # folded: what is all in, and what only a later step needs.
            later = stage is not None and (upcoming not in MAIN_LINE or (
                MAIN_LINE.index(stage) > MAIN_LINE.index(upcoming)))
            folded = received == len(infos) or later
            rows: list[QWidget] = []
            fold = QToolButton()
            fold.setObjectName(f"fold_{title}")
            fold.setAutoRaise(True)
            fold.setStyleSheet("QToolButton { color: #1f4e3d; font-weight: bold; border: none;"
                               " padding: 0; }")
            grid.addWidget(fold, row, 0, 1, 2)
            self.folds[title] = fold
            row += 1
            for info in infos:
                check = QCheckBox(info.name)
                check.setObjectName(f"document_{info.name}")
                check.setChecked(info.received_on is not None)
                check.setEnabled(writable)
                check.toggled.connect(lambda on, name=info.name: self.toggled.emit(name, on))
                self.checks[info.name] = check
                state = self._state(info, upcoming)
                grid.addWidget(check, row, 0)
                grid.addWidget(state, row, 1)
                rows += [check, state]
                row += 1
            counted = f"　{received}/{len(infos)} 受理" if infos[0].required_for else ""
            self._fold(title, fold, rows, counted, folded)
        self.add_button.setVisible(writable)

    def _fold(self, title: str, button: QToolButton, rows: list[QWidget], counted: str,
              folded_at_first: bool) -> None:
        """A group shows as one line or with its documents; a click turns it over (and it
        stays so while the case is shown)."""
        def show() -> None:
            folded = folded_at_first != (title in self._turned)
            button.setText(f"{'▸' if folded else '▾'} {title}{counted}")
            button.setToolTip("クリックで一覧を開きます" if folded else "クリックで閉じます")
            for widget in rows:
                widget.setVisible(not folded)

        def clicked() -> None:
            self._turned ^= {title}
            show()

        button.clicked.connect(clicked)
        show()

    @staticmethod
    def _state(info: DocumentInfo, upcoming: Stage | None) -> QLabel:
        if info.received_on is not None:
            who = f"・{info.recorded_by}" if info.recorded_by else ""
            label = _muted(f"{short_date(info.received_on, with_weekday=False)} 受理{who}")
            label.setToolTip(f"{full_date(info.received_on)} 受理{who}"
                             + (f"\n{info.note}" if info.note else ""))
            return label
        if info.required_for is not None and info.required_for is upcoming:
            label = QLabel("未受理・次に必要")
            label.setToolTip(f"「{STAGE_LABELS[upcoming]}」に進むには、この書類の受理が必要です")
            label.setStyleSheet("color: #7a4f01; font-weight: bold;")
            return label
        return _muted("未受理")


class MoneyBox(QGroupBox):
    """お金: 申請額, 交付決定額, 支払済, 返還 and what is left to pay, with 支払・返還."""

    pay_clicked = Signal()
    refund_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("お金", parent)
        self.setObjectName("moneyBox")
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate((
                ("requested", "申請額"), ("decided", "交付決定額"), ("paid", "支払済"),
                ("returned", "返還"), ("unpaid", "残り（未払い）"))):
            grid.addWidget(QLabel(caption), row, 0)
            value = QLabel()
            value.setObjectName(f"money_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(value, row, 1)
            self.values[key] = value
        grid.setColumnStretch(2, 1)
        self.pay_button = small_button("支払を記録…", "recordPayment", self.pay_clicked.emit)
        self.refund_button = small_button("返還を記録…", "recordRefund", self.refund_clicked.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pay_button)
        buttons.addWidget(self.refund_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(buttons)

    def show_case(self, detail: CaseDetail, *, writable: bool) -> None:
        m = detail.money
        unpaid = max(m.decided - m.net_paid, 0) if m.stage in HOLDS_DECISION else 0
        texts = {"requested": yen(m.requested), "decided": yen(m.decided) if m.decided else "—",
                 "paid": yen(m.paid), "returned": yen(m.returned), "unpaid": yen(unpaid)}
        for key, text in texts.items():
            self.values[key].setText(text)
        self.values["decided"].setStyleSheet("font-weight: bold;")
        self.values["unpaid"].setStyleSheet("font-weight: bold; color: #7a4f01;" if unpaid
                                            else "")
        for button in (self.pay_button, self.refund_button):
            button.setVisible(writable)
        may_pay = m.stage in HOLDS_DECISION and m.decided > 0 and unpaid > 0
        self.pay_button.setEnabled(may_pay)
        self.pay_button.setToolTip("支払った額と日付を記録します" if may_pay
                                   else "交付決定額をすべて支払済みです" if m.decided
                                   else "交付決定の後に記録できます")
        self.refund_button.setEnabled(m.net_paid > 0)
        self.refund_button.setToolTip("返還された額と日付を記録します" if m.net_paid > 0
                                      else "支払の記録がありません")


class DeadlinesBox(RowsBox):
    """期限: each deadline with how near it is (overdue in red), 完了 for the open ones."""

    complete_clicked = Signal(int)  # deadline id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("期限", "deadlinesBox", "期限を追加…", "addDeadline",
                         "提出物などの期限を追加します（期限の一覧にも出ます）", parent)
        self.complete_buttons: dict[int, QPushButton] = {}

    def show_case(self, detail: CaseDetail, *, writable: bool, today: date) -> None:
        grid = self._fresh_grid(horizontal=8, vertical=4)
        grid.setColumnStretch(0, 1)
        self.complete_buttons = {}
        if not detail.deadlines:
            grid.addWidget(_muted("期限はありません。"), 0, 0, 1, 2)
        for n, d in enumerate(detail.deadlines):
            if d.done_on is not None:
                state, colour = f"{short_date(d.done_on, with_weekday=False)} 完了", "#8a8a8a"
            else:
                state = due_text(d.due_on, today)
                colour = OVERDUE_TEXT.name() if d.due_on < today else "#7a4f01"
            grey = d.done_on is not None
            when = QLabel(f"<b>{day_text(d.due_on)}</b>　<span style='color:{colour}'>"
                          f"{'' if grey else '<b>'}{state}{'' if grey else '</b>'}</span>")
            when.setObjectName(f"deadline_{d.id}")
            when.setContentsMargins(0, 6 if n else 0, 0, 0)  # a little air between deadlines
            if grey:
                when.setStyleSheet(MUTED)
            label = QLabel(d.label)
            label.setWordWrap(True)
            label.setStyleSheet(MUTED if grey else "")
            if d.closes_with is not None:
                label.setToolTip(f"「{STAGE_LABELS[d.closes_with]}」に進むと自動で完了します")
            grid.addWidget(when, 2 * n, 0, 1, 2)
            grid.addWidget(label, 2 * n + 1, 0)
            if writable and d.done_on is None:
                done = small_button("完了", f"completeDeadline_{d.id}",
                                    lambda _=False, i=d.id: self.complete_clicked.emit(i),
                                    "済んだ期限を完了にします（今日の日付）")
                done.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
                self.complete_buttons[d.id] = done
                grid.addWidget(done, 2 * n + 1, 1, Qt.AlignmentFlag.AlignTop)
        self.add_button.setVisible(writable)


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(MUTED)
    return label


def contents_html(detail: CaseDetail) -> str:
    """事業の概要・実績・評価, as far as they are written."""
    parts = [(label, text) for label, text in (("事業の概要", detail.summary),
                                               ("実績", detail.result),
                                               ("評価", detail.evaluation)) if text]
    return "".join(f"<p><b style='color:#1f4e3d'>{label}</b><br>"
                   f"{html.escape(text).replace(chr(10), '<br>')}</p>" for label, text in parts)
