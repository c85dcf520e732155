"""地域計画 tab: the board of every district's plan in a fiscal year (services.plans.board),
and the plan window opened from it.

Keyboard first: ↑↓ choose a district, Enter (or a double-click) opens its plan — or, on a
district without one, a new plan for it; Ctrl+N a new plan. The board follows every change
at once, made here or at another counter. 「公表・集計 ▾」 publishes the board's year and
counts the five directions (ui/plans/publish.py).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import plans as svc
from kyodo_desk.services.plans import BoardRow, PlanDetail
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.plans.board import (
    CYCLE,
    DISTRICT,
    EDITION,
    ORGANISATION,
    PERIOD,
    PUBLISHED,
    TITLE,
    BoardModel,
    published_text,
    widest_cycle_text,
    year_choices,
)
from kyodo_desk.ui.plans.form import PlanWindow
from kyodo_desk.ui.plans.publish import PublishMenu
from kyodo_desk.ui.widgets import filter_combo, record_list, single_shot, text_width

LIVE_REFRESH_DELAY_MS = 300
WATCHED_TABLES = frozenset({"district_plans", "plan_actions", "plan_years", "action_progress",
                            "plan_workshops", "plan_action_cases", "contacts"})


class PlansTab(QWidget):
    status_message = Signal(str)
    board_shown = Signal()  # the board answers the fiscal year chosen

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None,
                 *, today: date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self._fixed_today = today
        self._loaded = False
        self.window_open: PlanWindow | None = None
        self.may_write = not db.read_only and actor.may(Action.CREATE, Resource.PLANS)
        this_year = fiscal_year_of(self.today)

        self.year = filter_combo("planYear", year_choices(this_year))  # type: ignore[arg-type]
        self.year.setCurrentIndex(self.year.findData(this_year))
        self.year.setToolTip("一覧に表示する年度（はじめは今年度）")
        self.new_button = QPushButton("新しい計画…")
        self.new_button.setObjectName("newPlan")
        self.new_button.setAutoDefault(False)
        self.new_button.setToolTip("選んだ地域の地域まちづくり計画を登録します（Ctrl+N）")
        self.new_button.clicked.connect(lambda: self.open_new())
        self.new_button.setVisible(self.may_write)
        self.open_button = QPushButton("計画を開く")
        self.open_button.setObjectName("openPlan")
        self.open_button.setAutoDefault(False)
        self.open_button.setToolTip("選んだ地域の計画を開きます（Enter・ダブルクリック）")
        self.open_button.clicked.connect(self.open_current)
        # 公表・集計: the board's year published and counted (any account may: public papers).
        self.publish = PublishMenu(db, actor, self.fiscal_year, self)
        self.publish.status_message.connect(self.status_message)

        self.model = BoardModel()
        self.table = record_list(self.model, "planBoard")
        self.table.setWordWrap(False)
        self._fit_columns()
        # Enter and a double-click (Qt activates an item on either).
        self.table.activated.connect(lambda _index: self.open_current())
        self.table.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons())
        self.legend = QLabel("サイクル: 計画（PLAN）→ 実行（DO）→ 評価（CHECK）→ 改善（ACT）。"
                             "▶【 】が選んだ年度の段階です。")
        self.legend.setObjectName("cycleLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #555;")
        self.summary = QLabel()
        self.summary.setObjectName("boardSummary")

        top = QHBoxLayout()
        caption = QLabel("年度")
        caption.setStyleSheet("font-weight: bold;")
        top.addWidget(caption)
        top.addWidget(self.year)
        top.addSpacing(12)
        top.addWidget(self.summary, 1)
        top.addWidget(self.publish.button)
        top.addSpacing(12)
        top.addWidget(self.open_button)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)

        self._live_timer = single_shot(self, LIVE_REFRESH_DELAY_MS, self._catch_up)
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(lambda: self.open_new())
        self._update_buttons()

    def _fit_columns(self) -> None:
        """Every column but the plan's name as wide as the longest text it can hold; the
        name and the organisation share what is left (cut, their tooltip has them whole)."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        fixed = {DISTRICT: ("河辺", "雄和", "中央"), EDITION: ("第10版",),
                 PERIOD: ("平成30〜令和4年度", "令和10〜14年度"), CYCLE: (widest_cycle_text(),),
                 PUBLISHED: (published_text(date(2030, 12, 28)), "未公表")}
        for column, texts in fixed.items():
            bold = column in (DISTRICT, CYCLE)
            width = text_width(self.table, column, *texts)
            header.resizeSection(column, width + (width // 8 if bold else 0))
        for column in range(6, 10):
            header.resizeSection(column, text_width(self.table, column, "999"))
        for column in (TITLE, ORGANISATION):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    @property
    def today(self) -> date:
        return self._fixed_today or date.today()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:  # read when first shown, not while the window opens
            self._loaded = True
            self.refresh()

    def focus_search(self) -> None:
        """Ctrl+F: the board has no search box; the year chooser is its one filter."""
        self.year.setFocus()

    # --- the board ------------------------------------------------------------------------
    def fiscal_year(self) -> int:
        return int(self.year.currentData())

    def refresh(self, keep_plan: int | None = None) -> None:
        year, db, actor = self.fiscal_year(), self.db, self.actor
        current = self.current_row()
        keep = (keep_plan, None) if keep_plan is not None else (
            (current.plan_id, current.district) if current is not None else (None, None))
        ReadOp(self, lambda: svc.board(db, actor, year),
               lambda rows: self._show(year, rows, keep), key="board").run()

    def _show(self, year: int, rows: list[BoardRow], keep: tuple[int | None, str | None]) -> None:
        self.model.reset(year, rows)
        row = self.model.row_of(*keep) if keep != (None, None) else -1
        self.table.selectRow(max(row, 0))
        with_plan = sum(1 for r in rows if r.plan_id is not None)
        self.summary.setText(f"{fiscal_year_label(year)}: 計画のある地域 {with_plan} / "
                             f"{len({r.district for r in rows})}")
        self._update_buttons()
        self.board_shown.emit()

    def current_row(self) -> BoardRow | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    def board_rows(self) -> list[BoardRow]:
        return [r for n in range(self.model.rowCount()) if (r := self.model.entry(n))]

    def _update_buttons(self) -> None:
        current = self.current_row()
        self.open_button.setEnabled(current is not None and current.plan_id is not None)

    # --- live refresh ---------------------------------------------------------------------
    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if tables is None or tables & WATCHED_TABLES:
            self._live_timer.start()

    def _catch_up(self) -> None:
        if self._loaded:
            self.refresh()

    def on_connection(self, connected: bool) -> None:
        if not connected:
            return
        for form in self.findChildren(PlanWindow):
            form.retry_when_connected()
        self._live_timer.start()

    # --- the plan window ------------------------------------------------------------------
    def open_current(self) -> None:
        current = self.current_row()
        if current is None:
            return
        if current.plan_id is None:
            self.open_new(current.district)
        else:
            self.open_plan(current.plan_id)

    def open_new(self, district: str = "") -> PlanWindow | None:
        if not self.may_write:
            if self.db.read_only:
                self.status_message.emit(self.db.read_only_reason)
            return None
        if not district:
            current = self.current_row()
            district = current.district if current is not None and current.plan_id is None \
                else ""
        return self._show_window(PlanWindow(self.db, self.actor, None, parent=self,
                                            district=district,
                                            first_year=self.fiscal_year()))

    def open_plan(self, plan_id: int, fiscal_year: int | None = None) -> None:
        """Read the plan, then open its window on *fiscal_year* (default: the board's)."""
        db, actor = self.db, self.actor
        year = fiscal_year if fiscal_year is not None else self.fiscal_year()

        def show(detail: PlanDetail) -> None:
            self._show_window(PlanWindow(db, actor, detail, parent=self, fiscal_year=year))

        ReadOp(self, lambda: svc.get_plan(db, actor, plan_id), show, key="plan").run()

    def _show_window(self, window: PlanWindow) -> PlanWindow:
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # deleted on the GUI thread
        window.setModal(True)
        window.plan_saved.connect(self._plan_saved)
        window.open_requested.connect(self._switch_edition)
        self.window_open = window
        window.finished.connect(lambda _r: self._closed(window))
        window.show()
        return window

    def _closed(self, window: PlanWindow) -> None:
        if self.window_open is window:
            self.window_open = None

    def _plan_saved(self, detail: PlanDetail) -> None:
        self.status_message.emit(f"「{detail.title}」（{detail.district}・第{detail.edition}版）"
                                 "を保存しました。")
        self.refresh(keep_plan=detail.id)

    def _switch_edition(self, plan_id: int, fiscal_year: int) -> None:
        """Another edition asked for from a plan window (which has closed itself)."""
        self.open_plan(plan_id, fiscal_year)

    def select_district(self, district: str) -> None:
        row = self.model.row_of(None, district)
        if row >= 0:
            self.table.selectRow(row)

    def index_of(self, district: str) -> QModelIndex:
        return self.model.index(self.model.row_of(None, district), 0)
