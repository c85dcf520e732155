"""取り込み (ファイル › 取り込み…): a clerk brings a register in alone, in three steps.

1. ファイル — what to import (連絡先, 相談記録, an event's 申込者), the file and its sheet.
2. 列の対応 — each column of the file with its first value and the field it goes to: guessed
   from the heading, or from a saved 取り込み設定, changed by hand, saved for next time.
3. 確認 — every row checked and matched (services/imports: the plan) with a progress bar and
   中止: the counts, the first rows exactly as they will be stored, the rows that need a
   decision (the same as an existing record, or a new one?), and every refusal with its row,
   column, value and reason, which 「Excel に保存…」 writes for correcting in Excel.

「取り込む」 stores all rows or none (one transaction) and says the counts. Reading and
checking run off the GUI thread (ReadOp), the import itself as a WriteOp.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.imports.headers import HeaderLayout, find_header
from kyodo_desk.imports.mapping import (
    FIELD_LABELS,
    MappingPreset,
    apply_preset,
    guess_mapping,
    missing_required,
)
from kyodo_desk.imports.tables import SheetTable, read_table, sheet_names
from kyodo_desk.services import imports
from kyodo_desk.services.imports import OUTCOME_LABELS, ImportPlan, ImportResult, Outcome
from kyodo_desk.services.imports import presets as preset_svc
from kyodo_desk.services.imports.rows import shown
from kyodo_desk.ui.operations import ReadOp, WriteOp

FILE_FILTER = "表のファイル (*.xlsx *.xlsm *.xls *.ods *.csv *.tsv *.txt)"
NOT_IMPORTED = "（取り込まない）"
PREVIEW_ROWS = 200  # rows of the plan listed; the counts cover them all
NEW_RECORD = "新規として登録"


class _Progress(QObject):
    """Progress told from the worker thread (a queued signal) and 中止 asked from the GUI."""

    moved = Signal(int, int)

    def __init__(self) -> None:
        super().__init__()
        self.stop = threading.Event()

    def callback(self) -> Callable[[int, int], bool]:
        def told(done: int, total: int) -> bool:
            self.moved.emit(done, total)
            return not self.stop.is_set()
        return told


class ImportWizard(QDialog):
    imported = Signal(object)  # the ImportResult

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("取り込み")
        self.resize(1100, 700)
        self.table: SheetTable | None = None
        self.layout_: HeaderLayout | None = None
        self.plan: ImportPlan | None = None
        self.progress = _Progress()

        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._check_page())

        self.back_button = QPushButton("戻る")
        self.next_button = QPushButton("次へ")
        self.import_button = QPushButton("取り込む")
        self.import_button.setObjectName("importButton")
        close = QPushButton("閉じる")
        self.back_button.clicked.connect(self._back)
        self.next_button.clicked.connect(self._next)
        self.import_button.clicked.connect(self._run)
        close.clicked.connect(self.reject)
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.back_button, self.next_button, self.import_button, close):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.progress.moved.connect(self._moved)
        self._show_page(0)

    # --- step 1: the file -------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        self.targets = QButtonGroup(page)
        row = QHBoxLayout()
        for number, (name, label) in enumerate(imports.TARGET_LABELS.items()):
            button = QRadioButton(label)
            button.setProperty("target", name)
            button.setChecked(number == 0)
            self.targets.addButton(button, number)
            row.addWidget(button)
        row.addStretch(1)
        self.targets.idToggled.connect(lambda *_: self._target_changed())
        self.event_choice = QComboBox()
        self.event_choice.setObjectName("importEvent")
        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText("取り込むファイル（Excel・CSV）")
        self.path.editingFinished.connect(self._read_sheets)
        choose = QPushButton("選ぶ…")
        choose.setAutoDefault(False)
        choose.clicked.connect(self._choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(choose)
        self.sheet = QComboBox()
        self.sheet.setObjectName("importSheet")
        form = QFormLayout()
        form.addRow("取り込み先", row)
        form.addRow("イベント", self.event_choice)
        form.addRow("ファイル", file_row)
        form.addRow("シート", self.sheet)
        note = QLabel("Excel（.xlsx・.xls）、LibreOffice（.ods）、CSV（UTF-8 または Shift_JIS、"
                      "カンマ区切り・タブ区切り）を読みます。表の上のタイトル行、結合した見出し、"
                      "空の行、最後の合計行はそのままで構いません。取り込みは、すべての行を取り"
                      "込めるときだけ、まとめて登録します。")
        note.setWordWrap(True)
        box = QVBoxLayout(page)
        box.addLayout(form)
        box.addWidget(note)
        box.addStretch(1)
        self._event_row = form
        self._target_changed()
        return page

    @property
    def target(self) -> str:
        button = self.targets.checkedButton()
        return str(button.property("target")) if button is not None else "contacts"

    def _target_changed(self) -> None:
        applicants = self.target == "applicants"
        self._event_row.setRowVisible(self.event_choice, applicants)
        if applicants and self.event_choice.count() == 0:
            from kyodo_desk.services import events as event_svc

            ReadOp(self, lambda: event_svc.list_events(self.db, self.actor),
                   self._events_read).run()

    def _events_read(self, events: list[Any]) -> None:
        self.event_choice.clear()
        for e in events:
            if not getattr(e, "cancelled", False):
                self.event_choice.addItem(e.title, e.id)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "取り込むファイル", self.path.text(),
                                              FILE_FILTER)
        if path:
            self.path.setText(path)
            self._read_sheets()

    def _read_sheets(self) -> None:
        text = self.path.text().strip()
        if not text:
            return
        path = Path(text)
        self.sheet.clear()
        ReadOp(self, lambda: sheet_names(path), self._sheets_read, failed=self._failed,
               key="sheets").run()

    def _sheets_read(self, names: list[str]) -> None:
        self.sheet.clear()
        for name in names:
            self.sheet.addItem(name or "（CSV）", name or None)
        self.status.setText("")

    # --- step 2: the columns ----------------------------------------------------------------

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        self.columns = QTableWidget(0, 3)
        self.columns.setObjectName("importColumns")
        self.columns.setHorizontalHeaderLabels(["ファイルの見出し", "最初の行の値", "取り込む項目"])
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(2, 260)
        self.columns.verticalHeader().setVisible(False)
        self.preset = QComboBox()
        self.preset.setObjectName("importPreset")
        self.preset.activated.connect(self._preset_chosen)
        save = QPushButton("この対応を保存…")
        save.setAutoDefault(False)
        save.clicked.connect(self._save_preset)
        top = QHBoxLayout()
        top.addWidget(QLabel("取り込み設定"))
        top.addWidget(self.preset, 1)
        top.addWidget(save)
        self.missing = QLabel()
        self.missing.setObjectName("importMissing")
        self.missing.setStyleSheet("color: #b00020;")
        box = QVBoxLayout(page)
        box.addLayout(top)
        box.addWidget(self.columns, 1)
        box.addWidget(self.missing)
        return page

    def _read_file(self) -> None:
        path, sheet = Path(self.path.text().strip()), self.sheet.currentData()

        def work() -> tuple[SheetTable, HeaderLayout, list[str]]:
            table = read_table(path, sheet)
            return table, find_header(table), preset_svc.preset_names(self.db, self.actor,
                                                                      self.target)

        self.status.setText("ファイルを読んでいます…")
        self.next_button.setEnabled(False)
        ReadOp(self, work, self._file_read, failed=self._failed, key="file").run()

    def _file_read(self, value: tuple[SheetTable, HeaderLayout, list[str]]) -> None:
        self.table, self.layout_, names = value
        self.preset.clear()
        self.preset.addItem("（見出しから推定）", None)
        for name in names:
            self.preset.addItem(name, name)
        self._show_page(1)  # before the mapping, which says whether 次へ may be pressed
        self._show_mapping(guess_mapping(self.target, self.layout_.headings))
        self.status.setText(f"データの行: {len(self.layout_.data_rows):,}行")

    def _show_mapping(self, mapping: dict[int, str]) -> None:
        assert self.table is not None and self.layout_ is not None
        labels = FIELD_LABELS[self.target]
        first = (self.table.rows[self.layout_.data_rows[0]] if self.layout_.data_rows else [])
        self.columns.setRowCount(len(self.layout_.headings))
        for col, heading in enumerate(self.layout_.headings):
            self.columns.setItem(col, 0, _item(heading))
            self.columns.setItem(col, 1, _item(shown(first[col] if col < len(first) else None)))
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, None)
            for name, label in labels.items():
                combo.addItem(label, name)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(col))))
            combo.currentIndexChanged.connect(lambda *_: self._mapping_changed())
            self.columns.setCellWidget(col, 2, combo)
        self._mapping_changed()

    def mapping(self) -> dict[int, str]:
        """Column → field as the combos say."""
        chosen = {}
        for col in range(self.columns.rowCount()):
            combo = self.columns.cellWidget(col, 2)
            if isinstance(combo, QComboBox) and combo.currentData() is not None:
                chosen[col] = str(combo.currentData())
        return chosen

    def _mapping_changed(self) -> None:
        mapping = self.mapping()
        twice = sorted(FIELD_LABELS[self.target][f]
                       for f, n in Counter(mapping.values()).items() if n > 1)
        missing = missing_required(self.target, mapping)
        faults = [f"必須の列がありません: {'、'.join(missing)}" if missing else "",
                  f"同じ項目が二つの列にあります: {'、'.join(twice)}" if twice else ""]
        self.missing.setText("　".join(f for f in faults if f))
        self.next_button.setEnabled(not missing and not twice)

    def _preset_chosen(self) -> None:
        name = self.preset.currentData()
        if self.layout_ is None:
            return
        if name is None:
            self._show_mapping(guess_mapping(self.target, self.layout_.headings))
            return
        headings = self.layout_.headings
        ReadOp(self, lambda: preset_svc.load_preset(self.db, self.actor, self.target, name),
               lambda preset: self._show_mapping(apply_preset(preset, headings)),
               key="preset").run()

    def _save_preset(self) -> None:
        if self.layout_ is None:
            return
        name, ok = QInputDialog.getText(self, "取り込み設定を保存", "名前（例: 団体名簿）",
                                        text=self.preset.currentData() or "")
        if not ok or not name.strip():
            return
        preset = MappingPreset.from_mapping(name.strip(), self.target, self.layout_.headings,
                                            self.mapping())
        WriteOp(self, lambda: preset_svc.save_preset(self.db, self.actor, preset),
                lambda _none: self._preset_saved(preset.name)).run()

    def _preset_saved(self, name: str) -> None:
        if self.preset.findData(name) < 0:
            self.preset.addItem(name, name)
        self.preset.setCurrentIndex(self.preset.findData(name))
        self.status.setText(f"取り込み設定「{name}」を保存しました。")

    # --- step 3: the check ------------------------------------------------------------------

    def _check_page(self) -> QWidget:
        page = QWidget()
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.cancel_button = QPushButton("中止")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.progress.stop.set)
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.bar, 1)
        bar_row.addWidget(self.cancel_button)
        self.counts = QLabel()
        self.counts.setObjectName("importCounts")
        self.rows = QTableWidget(0, 0)
        self.rows.setObjectName("importRows")
        self.rows.verticalHeader().setVisible(False)
        self.problems = QTableWidget(0, 4)
        self.problems.setObjectName("importProblems")
        self.problems.setHorizontalHeaderLabels(["行", "列", "値", "取り込めない理由"])
        self.problems.verticalHeader().setVisible(False)
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.report_button = QPushButton("取り込めない行を Excel に保存…")
        self.report_button.setAutoDefault(False)
        self.report_button.clicked.connect(self._save_report)
        problems_row = QHBoxLayout()
        problems_row.addWidget(QLabel("取り込めない行（直してから、もう一度取り込んでください）"), 1)
        problems_row.addWidget(self.report_button)
        box = QVBoxLayout(page)
        box.addLayout(bar_row)
        box.addWidget(self.counts)
        box.addWidget(self.rows, 3)
        box.addLayout(problems_row)
        box.addWidget(self.problems, 2)
        return page

    def _source(self) -> imports.ImportSource:
        return imports.ImportSource(
            Path(self.path.text().strip()), self.sheet.currentData(), self.mapping(),
            self.event_choice.currentData() if self.target == "applicants" else None)

    def _check(self) -> None:
        source, target = self._source(), imports.target(self.target)
        told = self._start_progress()
        self._show_page(2)
        self.status.setText("すべての行を確かめています…")
        ReadOp(self, lambda: target.plan(self.db, self.actor, source, progress=told),
               self._planned, failed=self._stopped, key="plan").run()

    def _planned(self, plan: ImportPlan) -> None:
        self.plan = plan
        self._end_progress()
        counts = plan.counts
        self.counts.setText("　".join(f"{OUTCOME_LABELS[o]} {counts[o]:,}行"
                                     for o in Outcome if counts[o]))
        self._show_rows(plan)
        self._show_problems(plan)
        asked = counts[Outcome.ASK]
        self.status.setText(
            f"取り込めない行が {len(plan.problems):,} 件あります。何も登録できません。"
            if plan.problems else
            f"確認が必要な行が {asked:,} 行あります。「どうする」を選んでください。" if asked else
            "すべての行を取り込めます。")
        self._update_buttons()

    def _show_rows(self, plan: ImportPlan) -> None:
        fields = list(dict.fromkeys(k for r in plan.rows[:PREVIEW_ROWS] for k in r.values))
        self.rows.clear()
        self.rows.setColumnCount(3 + len(fields))
        self.rows.setHorizontalHeaderLabels(["行", "結果", "どうする", *fields])
        shown = plan.rows[:PREVIEW_ROWS]
        self.rows.setRowCount(len(shown))
        for n, row in enumerate(shown):
            self.rows.setItem(n, 0, _item(str(row.row)))
            self.rows.setItem(n, 1, _item(OUTCOME_LABELS[row.outcome], row.note))
            if row.outcome is Outcome.ASK:
                combo = QComboBox()
                combo.addItem("（選んでください）", "undecided")
                combo.addItem(NEW_RECORD, None)
                for existing in row.existing:
                    combo.addItem(f"番号 {existing} の記録に追記", existing)
                combo.setProperty("row", row.row)
                combo.currentIndexChanged.connect(lambda *_: self._update_buttons())
                self.rows.setCellWidget(n, 2, combo)
            for c, name in enumerate(fields, start=3):
                self.rows.setItem(n, c, _item(row.values.get(name, "")))
        self.rows.setColumnHidden(2, not any(r.outcome is Outcome.ASK for r in shown))
        self.rows.resizeColumnsToContents()

    def _show_problems(self, plan: ImportPlan) -> None:
        self.problems.setRowCount(len(plan.problems))
        for n, p in enumerate(plan.problems):
            for c, text in enumerate((str(p.row), p.column, p.value, p.reason)):
                self.problems.setItem(n, c, _item(text))
        self.problems.resizeColumnsToContents()
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.report_button.setEnabled(bool(plan.problems))

    def decisions(self) -> dict[int, int | None] | None:
        """Row → the record chosen for each ASK row (None: a new one); None while one is
        undecided."""
        chosen: dict[int, int | None] = {}
        for n in range(self.rows.rowCount()):
            combo = self.rows.cellWidget(n, 2)
            if isinstance(combo, QComboBox):
                if combo.currentData() == "undecided":
                    return None
                chosen[int(combo.property("row"))] = combo.currentData()
        return chosen

    def _save_report(self) -> None:
        if self.plan is None:
            return
        from kyodo_desk.exports.import_report import write_refused_rows

        suggested = Path(self.path.text()).with_name(
            Path(self.path.text()).stem + "_取り込めない行.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "取り込めない行を保存", str(suggested),
                                              "Excel (*.xlsx)")
        if path:
            plan = self.plan
            ReadOp(self, lambda: write_refused_rows(plan, Path(path)),
                   lambda n: self.status.setText(f"{n:,}行を {path} に保存しました。")).run()

    # --- the import -------------------------------------------------------------------------

    def _run(self) -> None:
        plan, decisions = self.plan, self.decisions()
        if plan is None or decisions is None:
            return
        target = imports.target(self.target)
        told = self._start_progress()
        self.status.setText("取り込んでいます…")
        WriteOp(self, lambda: target.run(self.db, self.actor, plan, decisions=decisions,
                                         progress=told),
                self._done, failed=self._stopped,
                busy=(self.import_button, self.back_button)).run()

    def _done(self, result: ImportResult) -> None:
        self._end_progress()
        self.imported.emit(result)
        QMessageBox.information(self, "取り込み",
                                f"{result.source} を取り込みました。\n{result.summary}")
        self.accept()

    # --- shared -------------------------------------------------------------------------------

    def _start_progress(self) -> Callable[[int, int], bool]:
        self.progress.stop.clear()
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.import_button.setEnabled(False)
        return self.progress.callback()

    def _end_progress(self) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.cancel_button.setEnabled(False)

    def _moved(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _stopped(self, exc: Exception) -> None:
        self._end_progress()
        self._failed(exc)
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(getattr(exc, "message", None) or str(exc))
        self.next_button.setEnabled(self.pages.currentIndex() < 2)

    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index < 2)
        self.next_button.setEnabled(True)
        self.import_button.setVisible(index == 2)
        self._update_buttons()

    def _update_buttons(self) -> None:
        plan = self.plan
        self.import_button.setEnabled(
            self.pages.currentIndex() == 2 and plan is not None and plan.ready
            and self.decisions() is not None and not self.cancel_button.isEnabled())

    def _back(self) -> None:
        self.plan = None
        self._show_page(max(0, self.pages.currentIndex() - 1))

    def _next(self) -> None:
        if self.pages.currentIndex() == 0:
            if not self.path.text().strip():
                self.status.setText("取り込むファイルを選んでください。")
                return
            self._read_file()
        elif self.pages.currentIndex() == 1:
            self._check()


def _item(text: str, tooltip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(tooltip or text)
    return item


