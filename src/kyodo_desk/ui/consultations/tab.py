"""相談記録 tab: the list of consultations with its filters and search, follow-ups, statistics.

Keyboard first: Ctrl+N records a new consultation, Ctrl+F goes to the search box, ↓ into the
list, Enter opens the selected record (each opening is audited), Esc clears the search.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain import dates
from kyodo_desk.domain.permissions import Action, Actor, Resource, Scope
from kyodo_desk.services import consultations as svc
from kyodo_desk.services.consultations import listing
from kyodo_desk.services.consultations.listing import (
    ConsultationFilter,
    ConsultationPage,
    ConsultationSort,
    FollowUpCounts,
)
from kyodo_desk.services.contacts import list_facilities
from kyodo_desk.ui.consultations.model import (
    ASKED_COLUMN,
    CHANNEL_COLUMN,
    DATE_COLUMN,
    DUE_COLUMN,
    FACILITY_COLUMN,
    STATUS_COLUMN,
    TIME_COLUMN,
    ConsultationListModel,
)
from kyodo_desk.ui.date_inputs import date_edit, day_of
from kyodo_desk.ui.operations import ReadOp, show_failure, touches
from kyodo_desk.ui.widgets import (
    SearchListKeys,
    fill_choices_later,
    filter_combo,
    record_list,
    single_shot,
    text_width,
)
from kyodo_desk.ui.windowed import PageKey

if TYPE_CHECKING:
    from kyodo_desk.ui.consultations.form import ConsultationForm
    from kyodo_desk.ui.consultations.stats_view import ConsultationStatsView

SEARCH_DELAY_MS = 120
LIVE_REFRESH_DELAY_MS = 300
WATCHED_TABLES = {"consultations", "consultation_topics", "contacts", "topics"}

# 期間
ALL_TIME, THIS_MONTH, LAST_MONTH, THIS_FISCAL_YEAR, LAST_FISCAL_YEAR, CUSTOM = range(6)
PERIODS = ("すべての期間", "今月", "先月", "今年度", "昨年度", "期間を指定")
# 状況 (the last two narrow to follow-ups)
STATUS_CHOICES = (("すべての状況", None), ("対応中", svc.ConsultationStatus.IN_PROGRESS),
                  ("完了", svc.ConsultationStatus.DONE), ("フォロー要", "follow_up"),
                  ("期限切れ", "overdue"))


@dataclass(frozen=True)
class ListRequest:
    where: ConsultationFilter
    sort: ConsultationSort


class ConsultationsTab(QWidget):
    status_message = Signal(str)
    follow_ups_changed = Signal(object)  # FollowUpCounts, for the badge on the tab
    list_shown = Signal()  # the list answers what the filters and the box now say

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None,
                 *, today: date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.today = today or date.today()
        self.sort = ConsultationSort.NEWEST
        self._shown: ListRequest | None = None  # what the list on show answers
        self._keep_id: int | None = None
        self.masked = actor.scope(Action.READ, Resource.CONSULTATIONS) is Scope.COUNT_ONLY

        self.search = QLineEdit()
        self.search.setObjectName("consultationSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            "相談内容・回答・紹介先・相談者で検索（2文字の語も、全角半角・かなカナも区別しません）")
        self.search.setEnabled(not self.masked)
        if self.masked:
            self.search.setPlaceholderText("件数のみの権限では内容を検索できません")
        self.mine = QPushButton("自分のフォローアップ")
        self.mine.setObjectName("myFollowUps")
        self.mine.setCheckable(True)
        self.mine.setVisible(actor.account_id is not None and not self.masked)
        self.new_button = QPushButton("相談を記録…")
        self.new_button.setObjectName("newConsultation")
        self.new_button.setToolTip("新しい相談を記録します（Ctrl+N）")
        self.new_button.setEnabled(self._may_create())
        self.new_button.setVisible(actor.scope(Action.CREATE, Resource.CONSULTATIONS)
                                   is not Scope.NONE)
        self.count = QLabel()
        self.count.setObjectName("consultationCount")
        self.count.setMinimumWidth(90)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.mine)
        top.addWidget(self.count)
        top.addWidget(self.new_button)

        self.period = filter_combo("period", [(label, i) for i, label in enumerate(PERIODS)])
        self.date_from, self.date_to = date_edit(), date_edit()
        for edit in (self.date_from, self.date_to):
            edit.setDate(QDate(self.today.year, self.today.month, 1))
            edit.setVisible(False)
        self.date_to.setDate(QDate(self.today.year, self.today.month, self.today.day))
        own_facility = self.actor.scope(Action.READ, Resource.CONSULTATIONS) is Scope.OWN_FACILITY
        self.facility = filter_combo("facility", [("所属施設", actor.facility_id)] if own_facility
                                     else [("すべての施設", None)])
        fill_choices_later(self.facility, self._facility_choices)
        self.topic = filter_combo("topic", [("すべての分野", None)])
        fill_choices_later(self.topic, lambda: [("すべての分野", None)] + [
            (t.name, t.id) for t in svc.list_topics(db, actor, include_inactive=True)])
        self.channel = filter_combo("channel", [("すべての方法", None)] + [
            (label, channel) for channel, label in svc.CHANNEL_LABELS.items()])
        self.status = filter_combo("status", list(STATUS_CHOICES))
        self._range_label = QLabel("〜")
        self._range_label.setVisible(False)
        filters = QHBoxLayout()
        for widget in (self.period, self.date_from, self._range_label, self.date_to,
                       self.facility, self.topic, self.channel, self.status):
            filters.addWidget(widget)
        filters.addStretch(1)

        self.model = ConsultationListModel(self._fetch_block, self.today)
        self.table = record_list(self.model, "consultationList")
        header = self.table.horizontalHeader()
        for column, width in enumerate(self._column_widths()):
            header.resizeSection(column, width)
        header.setSectionResizeMode(ASKED_COLUMN, QHeaderView.ResizeMode.Stretch)
        # One facility only (自施設): its name in every row would say nothing.
        self.table.setColumnHidden(FACILITY_COLUMN, own_facility)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(DATE_COLUMN, Qt.SortOrder.DescendingOrder)
        header.sectionClicked.connect(self._header_clicked)
        self.table.doubleClicked.connect(lambda _index: self.open_current())

        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addLayout(top)
        list_layout.addLayout(filters)
        list_layout.addWidget(self.table, 1)
        self.stats: ConsultationStatsView | None = None  # made when first shown (QtCharts)
        self.pages = QTabWidget()
        self.pages.setObjectName("consultationPages")
        self.pages.addTab(list_page, "一覧")
        self.pages.addTab(QWidget(), "統計")
        self.pages.currentChanged.connect(self._page_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        self._timer = single_shot(self, SEARCH_DELAY_MS, self.refresh)
        self._live_timer = single_shot(self, LIVE_REFRESH_DELAY_MS,
                                        lambda: self.refresh(in_place=True))
        self.search.textChanged.connect(lambda _text: self._timer.start())
        for combo in (self.facility, self.topic, self.channel, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.period.currentIndexChanged.connect(self._period_changed)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self.refresh())
        self.mine.toggled.connect(self._mine_toggled)
        self.new_button.clicked.connect(self.open_new)
        self.keys = SearchListKeys(self.search, self.table, open_current=self.open_current,
                                   typing_done=self._timer.stop, enter_opens=False)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(self.open_new)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self.clear_search)

    def _column_widths(self) -> tuple[int, ...]:
        """Every column in view at 1280 pixels, 相談内容 with the most room (a wider screen gives
        it what it adds too). The date, time, channel and status columns are as wide as their
        longest text (a date of the app's style at its longest, 令和20年12月28日) or heading;
        names and topics get a fixed share, whole in their tooltips; the follow-up plan keeps
        room to read."""
        def fit(column: int, *texts: str) -> int:
            return text_width(self.table, column, *texts)

        day = dates.full_date(date(2038, 12, 28))
        return (fit(DATE_COLUMN, day), fit(TIME_COLUMN, "00:00"), 136, 96, 100, 110,
                fit(CHANNEL_COLUMN, *svc.CHANNEL_LABELS.values()), 0,
                fit(STATUS_COLUMN, *svc.STATUS_LABELS.values()), fit(DUE_COLUMN, day), 184)

    # --- choices ----------------------------------------------------------------------
    def _facility_choices(self) -> list[tuple[str, object]]:
        """Read on a worker thread."""
        facilities = list_facilities(self.db, self.actor)
        if self.actor.scope(Action.READ, Resource.CONSULTATIONS) is Scope.OWN_FACILITY:
            return [(f.name, f.id) for f in facilities if f.id == self.actor.facility_id]
        return [("すべての施設", None)] + [(f.name, f.id) for f in facilities]

    def _may_create(self) -> bool:
        return not self.db.read_only and self.actor.may(Action.CREATE, Resource.CONSULTATIONS)

    def current_request(self) -> ListRequest:
        """What the filters, the box and the sort order ask for now."""
        start, end = self._period_range()
        status = self.status.currentData()
        where = ConsultationFilter(
            text=self.search.text(), date_from=start, date_to=end,
            facility_id=self.facility.currentData(), topic_id=self.topic.currentData(),
            channel=self.channel.currentData(),
            status=status if isinstance(status, svc.ConsultationStatus) else None,
            follow_up_only=status == "follow_up",
            overdue_on=self.today if status == "overdue" else None,
        )
        if self.mine.isChecked():
            mine = listing.my_follow_ups_filter(self.actor)
            where = replace(where, staff_account_id=mine.staff_account_id,
                            follow_up_only=True)
        return ListRequest(where, self.sort)

    def _period_range(self) -> tuple[date | None, date | None]:
        choice = self.period.currentData()
        if choice == THIS_MONTH:
            return dates.month_range(self.today)
        if choice == LAST_MONTH:
            return dates.previous_month_range(self.today)
        if choice in (THIS_FISCAL_YEAR, LAST_FISCAL_YEAR):
            year = dates.fiscal_year_of(self.today) - (choice == LAST_FISCAL_YEAR)
            return dates.fiscal_year_range(year)
        if choice == CUSTOM:
            return day_of(self.date_from.date()), day_of(self.date_to.date())
        return None, None

    def _period_changed(self) -> None:
        custom = self.period.currentData() == CUSTOM
        for widget in (self.date_from, self._range_label, self.date_to):
            widget.setVisible(custom)
        self.refresh()

    def _mine_toggled(self, checked: bool) -> None:
        """Own open follow-ups, overdue first; unticked, back to the newest first."""
        header = self.table.horizontalHeader()
        if checked:
            self.sort = ConsultationSort.FOLLOW_UP
            header.setSortIndicator(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        else:
            self.sort = ConsultationSort.NEWEST
            header.setSortIndicator(DATE_COLUMN, Qt.SortOrder.DescendingOrder)
        self.refresh()

    def _header_clicked(self, column: int) -> None:
        header = self.table.horizontalHeader()
        if column == DATE_COLUMN:
            self.sort = (ConsultationSort.OLDEST if self.sort is ConsultationSort.NEWEST
                         else ConsultationSort.NEWEST)
            order = (Qt.SortOrder.AscendingOrder if self.sort is ConsultationSort.OLDEST
                     else Qt.SortOrder.DescendingOrder)
        elif column == FACILITY_COLUMN:
            self.sort, order = ConsultationSort.FACILITY, Qt.SortOrder.AscendingOrder
        elif column == DUE_COLUMN:
            self.sort, order = ConsultationSort.FOLLOW_UP, Qt.SortOrder.AscendingOrder
        else:  # sorting happens in SQL, on the columns an index serves
            self.status_message.emit("並べ替えは「相談日」「施設」「期限」の見出しでできます。")
            column = {ConsultationSort.FACILITY: FACILITY_COLUMN,
                      ConsultationSort.FOLLOW_UP: DUE_COLUMN}.get(self.sort, DATE_COLUMN)
            order = (Qt.SortOrder.AscendingOrder if self.sort is not ConsultationSort.NEWEST
                     else Qt.SortOrder.DescendingOrder)
            header.setSortIndicator(column, order)
            return
        header.setSortIndicator(column, order)
        self.refresh()

    def _page_changed(self, index: int) -> None:
        if index != 1 or self.stats is not None:
            return
        from kyodo_desk.ui.consultations.stats_view import ConsultationStatsView

        self.stats = ConsultationStatsView(self.db, self.actor)
        self.stats.status_message.connect(self.status_message)
        self.pages.blockSignals(True)  # replacing the page would call this again
        self.pages.removeTab(1)
        self.pages.insertTab(1, self.stats, "統計")
        self.pages.setCurrentIndex(1)
        self.pages.blockSignals(False)

    # --- keyboard ---------------------------------------------------------------------
    def focus_search(self) -> None:
        self.pages.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.search.setFocus()

    # --- listing ----------------------------------------------------------------------
    def refresh(self, keep_id: int | None = None, *, in_place: bool = False) -> None:
        """Ask again for what the filters say; *in_place* keeps the scroll position."""
        self._timer.stop()
        request = self.current_request()
        current = self.current_row()
        self._keep_id = keep_id or (current.id if current else None)
        scroll = self.table.verticalScrollBar().value() if in_place else None
        db, actor, size, today = self.db, self.actor, self.model.block_size, self.today

        def work() -> tuple[ConsultationPage, FollowUpCounts]:
            page = listing.list_consultations(db, actor, request.where, sort=request.sort,
                                              limit=size)
            return page, listing.follow_up_counts(db, actor, today)

        # A newer refresh (the filters changed meanwhile) drops this one's answer.
        ReadOp(self, work, lambda result: self._show(request, *result, scroll=scroll),
               key="list").run()

    def _show(self, request: ListRequest, page: ConsultationPage,
              follow_ups: FollowUpCounts, *, scroll: int | None) -> None:
        self._shown = request
        self.model.reset(page.rows, page.next_key)
        self.follow_ups_changed.emit(follow_ups)
        self._update_count(exact=page.next_key is None)
        if page.next_key is not None:
            self._count_all(request)
        row = self.model.row_where(lambda r: r.id == self._keep_id) if self._keep_id else -1
        if row >= 0:
            self.table.selectRow(row)
        if scroll is not None:
            self.table.verticalScrollBar().setValue(scroll)
        self.list_shown.emit()

    def _count_all(self, request: ListRequest) -> None:
        db, actor = self.db, self.actor

        def show(total: int) -> None:
            # Not the count of a list shown since (which counted itself, or needed no count).
            if request is self._shown:
                self.model.set_total(total)
                self._update_count(exact=True)

        ReadOp(self, lambda: listing.count_consultations(db, actor, request.where), show).run()

    def _fetch_block(self, block: int, after: PageKey | None, offset: int) -> None:
        """A further block of the list on show (as it scrolls)."""
        request = self._shown
        if request is None:
            return
        db, actor, size = self.db, self.actor, self.model.block_size

        def work() -> ConsultationPage:
            return listing.list_consultations(
                db, actor, request.where, sort=request.sort, after=after,
                offset=0 if after is not None else offset, limit=size, position=block * size)

        def show(page: ConsultationPage) -> None:
            if request is self._shown:  # blocks of a list replaced since belong to no row
                self.model.block_arrived(block, page.rows, page.next_key)

        def failed(exc: Exception) -> None:
            self.model.block_failed(block)  # asked again when scrolled to again
            show_failure(self, exc, reading=True)

        ReadOp(self, work, show, failed=failed).run()

    def _update_count(self, *, exact: bool) -> None:
        self.count.setText(f"{self.model.total:,} 件" + ("" if exact else "以上"))

    # --- other counters ---------------------------------------------------------------
    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if touches(tables, *WATCHED_TABLES):
            self._live_timer.start()
        if self.stats is not None:
            self.stats.on_data_changed(tables)

    def on_connection(self, connected: bool) -> None:
        """The database is back: save what a form could not, and catch up with the list."""
        if not connected:
            return
        from kyodo_desk.ui.consultations.form import ConsultationForm

        for form in self.findChildren(ConsultationForm):
            form.retry_when_connected()
        self._live_timer.start()

    # --- records ----------------------------------------------------------------------
    def current_row(self) -> listing.ConsultationRow | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row(), fetch=False) if index.isValid() else None

    def open_current(self) -> None:
        """Open the selected record in the form (the opening is written to the audit log)."""
        row = self.current_row()
        if row is None:
            return
        if row.masked:
            self.status_message.emit("件数のみの権限では、相談記録の内容は開けません。")
            return
        db, actor = self.db, self.actor
        # Enter pressed again on another row meanwhile: only the last choice opens.
        def show(detail: svc.ConsultationDetail) -> None:
            self._open_form(detail)

        ReadOp(self, lambda: svc.get_consultation(db, actor, row.id), show, key="open").run()

    def open_new(self) -> ConsultationForm | None:
        if not self._may_create():
            if self.db.read_only:
                self.status_message.emit(self.db.read_only_reason)
            return None
        return self._open_form(None)

    def _open_form(self, detail: svc.ConsultationDetail | None) -> ConsultationForm:
        from kyodo_desk.ui.consultations.form import ConsultationForm  # loaded when first used

        form = ConsultationForm(self.db, self.actor, detail=detail, parent=self)
        # Deleted on the GUI thread when closed, never by a collection on a worker thread.
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.setModal(True)
        form.accepted.connect(lambda: self._saved(form))
        form.show()
        return form

    def _saved(self, form: ConsultationForm) -> None:
        saved = form.saved
        if saved is None:
            return
        self.status_message.emit(f"{dates.full_date(saved.held_on)}の相談記録を保存しました。")
        self.refresh(keep_id=saved.id)
