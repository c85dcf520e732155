"""交付金 tab: the programme and its budget at the top, its cases on the left, the chosen
case on the right (CasePanel).

Keyboard first: Ctrl+F (the window's 検索) goes to the search box (search as you type over
project, group and department), ↓ into the list, Ctrl+N opens a new case, Esc clears the
search and the stage filter. The budget strip follows every change at once, made here or at
another counter.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.grants import STAGE_LABELS, Stage
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import grants as svc
from kyodo_desk.services.grants import ProgrammeDetail, ProgrammeSummary
from kyodo_desk.services.grants import cases as case_svc
from kyodo_desk.services.grants.cases import CaseSummary
from kyodo_desk.ui.district_choice import district_filter
from kyodo_desk.ui.grants.budget_strip import BudgetStrip
from kyodo_desk.ui.grants.case_panel import CasePanel
from kyodo_desk.ui.grants.case_sections import small_button
from kyodo_desk.ui.grants.model import GROUP_COLUMN, TITLE_COLUMN, CaseListModel
from kyodo_desk.ui.grants.prints import ProgrammePrints
from kyodo_desk.ui.grants.programme_actions import ProgrammeActions
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.widgets import SearchListKeys, filter_combo, record_list, single_shot

if TYPE_CHECKING:
    from kyodo_desk.ui.grants.case_dialog import CaseDialog

SEARCH_DELAY_MS = 120
LIVE_REFRESH_DELAY_MS = 300
WATCHED_TABLES = frozenset({"grant_programmes", "grant_cases", "grant_case_moves",
                            "grant_case_documents", "grant_payments", "grant_deadlines",
                            "grant_required_documents", "grant_scores", "contacts"})


def programme_label(p: ProgrammeSummary | ProgrammeDetail) -> str:
    """'令和8年度（2026）秋田市協働サポート交付金'."""
    return f"{fiscal_year_label(p.fiscal_year)}（{p.fiscal_year}）{p.name}"


class GrantsTab(QWidget):
    status_message = Signal(str)
    programme_shown = Signal()  # the chooser and the budget strip answer the database now
    list_shown = Signal()  # the list answers what the programme, filter and box now say

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None,
                 *, today: date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self._fixed_today = today  # tests fix the day; the app follows the calendar
        self.programme: ProgrammeDetail | None = None
        self._keep_id: int | None = None
        self._loaded = False
        self.may_write = not db.read_only and actor.may(Action.CHANGE, Resource.GRANT_CASES)

        self.chooser = QComboBox()
        self.chooser.setObjectName("programmeChooser")
        self.chooser.setMinimumWidth(360)
        self.chooser.setToolTip("年度と交付金を選びます（新しい年度が上）")
        self.budget = BudgetStrip()
        self.prints = ProgrammePrints(db, actor, lambda: self.programme, self)
        self.prints.status_message.connect(self.status_message)

        self.search = QLineEdit()
        self.search.setObjectName("grantSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("事業名・団体名・担当課で検索")
        self.stage_filter = filter_combo("stage", [("すべての段階", None)] + [
            (STAGE_LABELS[s], s) for s in Stage])
        self.district_filter = district_filter()
        self.count = QLabel()
        self.count.setObjectName("caseCount")
        self.count.setMinimumWidth(50)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.model = CaseListModel(self.today)
        self.table = record_list(self.model, "caseList")
        header = self.table.horizontalHeader()
        # 段階, the amounts and the deadline as wide as their longest text (a programme has tens
        # of cases, so measuring them all is cheap); 団体名 and 事業名 share the rest, and a name
        # still cut shows whole in its tooltip.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (GROUP_COLUMN, TITLE_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._current_changed())
        self.new_case_button = small_button("新しい案件…", "newCase", self.open_new_case,
                                            "選んだ交付金に、相談の段階から案件を登録します（Ctrl+N）")
        self.new_case_button.setVisible(self.may_write)
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: #666;")

        self.panel = CasePanel(db, actor, today=today)
        self.panel.changed.connect(lambda _detail: self._case_changed())
        self.panel.status_message.connect(self.status_message)
        self._build_layout()

        self._timer = single_shot(self, SEARCH_DELAY_MS, self.refresh)
        self._live_timer = single_shot(self, LIVE_REFRESH_DELAY_MS, self._catch_up)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.stage_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.district_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.chooser.currentIndexChanged.connect(lambda _i: self._programme_chosen())
        self.keys = SearchListKeys(self.search, self.table, open_current=self.table.setFocus,
                                   typing_done=self._timer.stop, enter_opens=False)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(self.open_new_case)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self.clear_search)
        self._update_buttons()

    def _build_layout(self) -> None:
        actions = self.programme_actions = ProgrammeActions(
            self.db, self.actor, lambda: self.programme, self, may_write=self.may_write)
        actions.saved.connect(lambda programme_id: self.refresh_programmes(keep_id=programme_id))
        actions.screened.connect(self._screened)
        actions.case_chosen.connect(self.go_to_case)
        actions.status_message.connect(self.status_message)
        self.new_programme_button = actions.new_button
        self.edit_programme_button = actions.edit_button
        self.copy_programme_button = actions.copy_button
        self.screening_button = actions.screening_button
        self.deadlines_button = actions.deadlines_button
        chooser_line = QHBoxLayout()
        caption = QLabel("交付金")
        caption.setStyleSheet("font-weight: bold;")
        chooser_line.addWidget(caption)
        chooser_line.addWidget(self.chooser)
        for widget in (self.new_programme_button, self.edit_programme_button,
                       self.copy_programme_button):
            chooser_line.addWidget(widget)
        chooser_line.addSpacing(16)
        for opener in (self.screening_button, self.deadlines_button, self.prints.button):
            chooser_line.addWidget(opener)
        chooser_line.addStretch(1)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.stage_filter)
        filters.addWidget(self.district_filter)
        filters.addWidget(self.count)
        below = QHBoxLayout()
        below.addWidget(self.new_case_button)
        below.addWidget(self.empty_hint, 1)
        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addLayout(filters)
        list_layout.addWidget(self.table, 1)
        list_layout.addLayout(below)

        splitter = QSplitter()
        splitter.setObjectName("grantSplitter")
        splitter.addWidget(list_box)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([600, 760])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(chooser_line)
        layout.addWidget(self.budget)
        layout.addWidget(splitter, 1)

    @property
    def today(self) -> date:
        """Today, read again at each use: a window left open overnight counts the new day."""
        return self._fixed_today or date.today()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:  # read when first shown, not while the window opens
            self._loaded = True
            self.refresh_programmes()

    # --- keyboard -------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.stage_filter.setCurrentIndex(0)
        self.district_filter.setCurrentIndex(0)
        self.search.setFocus()

    # --- the programme --------------------------------------------------------------------
    def programme_id(self) -> int | None:
        data = self.chooser.currentData()
        return int(data) if data is not None else None

    def refresh_programmes(self, keep_id: int | None = None, *, in_place: bool = False) -> None:
        """Read the programmes again, keeping *keep_id* (or the chosen one) chosen."""
        keep = keep_id or self.programme_id()
        db, actor = self.db, self.actor

        def show(rows: list[ProgrammeSummary]) -> None:
            labels = [(programme_label(p), p.id) for p in rows]
            same = labels == [(self.chooser.itemText(i), self.chooser.itemData(i))
                              for i in range(self.chooser.count())]
            if not same:
                self.chooser.blockSignals(True)
                self.chooser.clear()
                for label, programme_id in labels:
                    self.chooser.addItem(label, programme_id)
                self.chooser.blockSignals(False)
            index = self.chooser.findData(keep) if keep is not None else -1
            self.chooser.blockSignals(True)
            self.chooser.setCurrentIndex(index if index >= 0 else 0 if rows else -1)
            self.chooser.blockSignals(False)
            self._programme_chosen(in_place=in_place and same and index >= 0)

        ReadOp(self, lambda: svc.list_programmes(db, actor), show, key="programmes").run()

    def _programme_chosen(self, *, in_place: bool = False) -> None:
        self.load_programme()
        self.refresh(in_place=in_place)

    def load_programme(self) -> None:
        """The chosen programme's budget as it now stands."""
        programme_id, db, actor = self.programme_id(), self.db, self.actor

        def read() -> ProgrammeDetail | None:
            return None if programme_id is None else svc.get_programme(db, actor, programme_id)

        # No programme is an answer too, through the same key: a programme still being read
        # must not come back over it.
        ReadOp(self, read, self._show_programme, key="programme").run()

    def _show_programme(self, detail: ProgrammeDetail | None) -> None:
        self.programme = detail
        self.budget.show_programme(detail, self.today)
        self.panel.set_programme(detail)
        self._update_buttons()
        self.programme_shown.emit()

    # --- the list -------------------------------------------------------------------------
    def refresh(self, keep_id: int | None = None, *, in_place: bool = False) -> None:
        """Ask again for the cases the programme, the stage filter and the box say."""
        self._timer.stop()
        programme_id = self.programme_id()
        query, stage = self.search.text(), self.stage_filter.currentData()
        district = self.district_filter.currentData()
        current = self.current_case()
        self._keep_id = keep_id or (current.id if current else None)
        scroll = self.table.verticalScrollBar().value() if in_place else None
        db, actor = self.db, self.actor

        def read() -> list[CaseSummary]:
            if programme_id is None:
                return []
            return case_svc.list_cases(db, actor, programme_id=programme_id, stage=stage,
                                       query=query, district=district)

        # Only the last search shows: the box, the filter or the programme changed since an
        # older one was asked.
        ReadOp(self, read, lambda rows: self._show(rows, scroll), key="cases").run()

    def _show(self, rows: list[CaseSummary], scroll: int | None) -> None:
        self.model.today = self.today
        self.model.reset(rows)
        self.count.setText(f"{len(rows):,} 件")
        row = self.model.row_of(self._keep_id) if self._keep_id is not None else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        if scroll is not None:
            self.table.verticalScrollBar().setValue(scroll)
        self._show_hint(rows)
        self._current_changed()
        self.list_shown.emit()

    def _show_hint(self, rows: list[CaseSummary]) -> None:
        if self.chooser.count() == 0:
            text = ("交付金が登録されていません。「交付金の登録…」から登録してください。"
                    if self.may_write else "交付金が登録されていません。")
        elif not rows and (self.search.text().strip() or self.stage_filter.currentData()
                           or self.district_filter.currentData() is not None):
            text = "条件に合う案件はありません。"
        elif not rows:
            text = "この交付金の案件はまだありません。"
        else:
            text = ""
        self.empty_hint.setText(text)

    def current_case(self) -> CaseSummary | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    def select_case(self, case_id: int) -> bool:
        row = self.model.row_of(case_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def _current_changed(self) -> None:
        current = self.current_case()
        case_id = current.id if current else None
        if case_id != self.panel.case_id or case_id is None:
            self.panel.show_case(case_id)

    def _update_buttons(self) -> None:
        chosen = self.programme is not None
        for widget in (self.edit_programme_button, self.copy_programme_button,
                       self.screening_button, self.new_case_button, self.prints.button):
            widget.setEnabled(chosen)

    def _case_changed(self) -> None:
        """A change on the panel: the list's row and the budget follow at once."""
        self.refresh(in_place=True)
        self.load_programme()

    def _screened(self) -> None:
        """The screening closed: stages may have moved, and scores are the case's own rows,
        so the case shown has a new version (a move from the old one would be refused)."""
        self.refresh_programmes(in_place=True)
        self.panel.refresh()

    # --- live refresh ---------------------------------------------------------------------
    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if tables is None or tables & WATCHED_TABLES:
            self._live_timer.start()
        self.panel.on_data_changed(tables)

    def _catch_up(self) -> None:
        if self._loaded:
            self.refresh_programmes(in_place=True)

    def on_connection(self, connected: bool) -> None:
        """The database is back: save what a form could not, and catch up."""
        if not connected:
            return
        from kyodo_desk.ui.grants.case_dialog import CaseDialog

        for form in self.findChildren(CaseDialog):
            form.retry_when_connected()
        self._live_timer.start()

    # --- cases ----------------------------------------------------------------------------
    def open_new_case(self) -> CaseDialog | None:
        if not self.may_write or self.programme is None:
            return None
        from kyodo_desk.ui.grants.case_dialog import CaseDialog

        form = CaseDialog(self.db, self.actor, programme_id=self.programme.id,
                          programme_label=programme_label(self.programme), parent=self)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # deleted on the GUI thread
        form.setModal(True)
        form.accepted.connect(lambda: self._case_saved(form))
        form.show()
        return form

    def _case_saved(self, form: CaseDialog) -> None:
        saved = form.saved
        if saved is None:
            return
        self.status_message.emit(f"「{saved.title}」を相談の段階で登録しました。")
        if self.stage_filter.currentData() not in (None, saved.stage):
            self.stage_filter.blockSignals(True)  # the new case must be in the list to be seen
            self.stage_filter.setCurrentIndex(0)
            self.stage_filter.blockSignals(False)
        if self.district_filter.currentData() not in (None, saved.district):
            self.district_filter.blockSignals(True)
            self.district_filter.setCurrentIndex(0)
            self.district_filter.blockSignals(False)
        self.refresh(keep_id=saved.id)
        self.load_programme()

    def go_to_case(self, case_id: int) -> None:
        """Show the case *case_id*, whichever programme it belongs to (期限の一覧)."""
        db, actor = self.db, self.actor

        def show(detail: case_svc.CaseDetail) -> None:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            for combo in (self.stage_filter, self.district_filter):
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)
            index = self.chooser.findData(detail.programme_id)
            if index >= 0 and index != self.chooser.currentIndex():
                self.chooser.blockSignals(True)
                self.chooser.setCurrentIndex(index)
                self.chooser.blockSignals(False)
                self.load_programme()
            self.refresh(keep_id=detail.id)

        ReadOp(self, lambda: case_svc.get_case(db, actor, case_id), show).run()
