"""イベント tab: the event list with its month calendar, the chosen event's sign-ups below.

Keyboard first: Ctrl+F (the window's 検索) goes to the search box (search as you type), ↓ into the list, Enter
opens the selected event (officers: the form; everyone else: its sign-ups), Ctrl+N registers
a new event, Esc clears the search and the chosen day. Clicking a day on the calendar (or
Enter on it) lists that day's events.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk import leaflets
from kyodo_desk.database import Database
from kyodo_desk.domain import dates
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.holidays import ClosedDays
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.exports.participants import export_participants
from kyodo_desk.services import districts
from kyodo_desk.services import events as svc
from kyodo_desk.services.contacts import list_facilities
from kyodo_desk.services.events import EventSummary
from kyodo_desk.ui.date_inputs import day_of, qdate
from kyodo_desk.ui.district_choice import district_filter
from kyodo_desk.ui.events.calendar_view import EventCalendar
from kyodo_desk.ui.events.model import (
    DISTRICT_COLUMN,
    HOST_COLUMN,
    KIND_COLUMN,
    SEATS_COLUMN,
    TITLE_COLUMN,
    EventListModel,
)
from kyodo_desk.ui.events.prints import event_leaflets, unavailable
from kyodo_desk.ui.events.registrations_panel import RegistrationsPanel
from kyodo_desk.ui.operations import ReadOp, WriteOp
from kyodo_desk.ui.pdf_preview import PdfPreview
from kyodo_desk.ui.widgets import (
    SearchListKeys,
    fill_choices_later,
    filter_combo,
    record_list,
    single_shot,
)

if TYPE_CHECKING:
    from kyodo_desk.services.events import EventDetail, EventDraft
    from kyodo_desk.ui.events.form import EventForm

    FormData = tuple[list[tuple[str, int]], EventDetail | None, EventDraft | None,
                     dict[int, str], dict[str, str], dict[int, ClosedDays]]

SEARCH_DELAY_MS = 120
LIVE_REFRESH_DELAY_MS = 300
WATCHED_TABLES = frozenset({"events", "event_sessions", "registrations", "facilities"})
UPCOMING, THIS_MONTH, PAST, ALL_TIME = range(4)
PERIODS = ("今後", "今月", "過去", "すべて")


class EventsTab(QWidget):
    status_message = Signal(str)
    list_shown = Signal()  # the list answers what the filters, the box and the day now say
    calendar_shown = Signal()  # the calendar marks the sessions of the month on show

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None,
                 *, today: date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.today = today or date.today()
        self.day: date | None = None  # the calendar day the list is narrowed to
        self._loaded = False
        self.preview: PdfPreview | None = None  # the last paper made, while it is open

        self.search = QLineEdit()
        self.search.setObjectName("eventSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("イベント名・よみ・説明・会場で検索（全角半角・かなカナは区別しません）")
        self.period = filter_combo("period", [(label, i) for i, label in enumerate(PERIODS)])
        self.facility = filter_combo("facility", [("すべての施設", None)])
        fill_choices_later(self.facility, lambda: [("すべての施設", None)] + [
            (f.name, f.id) for f in list_facilities(db, actor)])
        self.district = district_filter()
        self.count = QLabel()
        self.count.setObjectName("eventCount")
        self.count.setMinimumWidth(70)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.period)
        top.addWidget(self.facility)
        top.addWidget(self.district)
        top.addWidget(self.count)

        self.model = EventListModel()
        self.table = record_list(self.model, "eventList")
        header = self.table.horizontalHeader()
        # A short list (a year holds some dozens of events): the date fits its text; kind,
        # host and seats are cut short (the tooltip has them whole), the title takes the rest.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column, width in ((KIND_COLUMN, 110), (HOST_COLUMN, 140), (SEATS_COLUMN, 170),
                              (DISTRICT_COLUMN, 56)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._current_changed())
        self.table.doubleClicked.connect(lambda _index: self.open_current())

        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addLayout(top)
        list_layout.addWidget(self.table, 1)
        list_layout.addLayout(self._build_actions())
        upper = QSplitter()
        upper.setObjectName("eventListSplitter")
        upper.addWidget(list_box)
        upper.addWidget(self._build_calendar())
        upper.setStretchFactor(0, 1)
        upper.setSizes([960, 300])

        # A change made in the panel reaches this list as every write does: through
        # on_data_changed (ui/operations.py).
        self.registrations = RegistrationsPanel(db, actor)
        self.registrations.status_message.connect(self.status_message)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("eventSplitter")
        splitter.addWidget(upper)
        splitter.addWidget(self.registrations)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([420, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = single_shot(self, SEARCH_DELAY_MS, self.refresh)
        self._live_timer = single_shot(self, LIVE_REFRESH_DELAY_MS, self._catch_up)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.period.currentIndexChanged.connect(lambda _i: self.choose_day(None))
        self.facility.currentIndexChanged.connect(lambda _i: self.refresh())
        self.district.currentIndexChanged.connect(lambda _i: self.refresh())
        self.keys = SearchListKeys(self.search, self.table, open_current=self.open_current,
                                   typing_done=self._timer.stop, enter_opens=False)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(self.open_new)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self.clear_search)
        self._show_day()
        self._update_buttons()

    _button = staticmethod(RegistrationsPanel._button)  # one way to make a tipped button

    def _build_calendar(self) -> QWidget:
        """The month calendar, the chosen day under it and how to use it."""
        self.calendar = EventCalendar()
        self.calendar.setMinimumSize(300, 250)
        self.calendar.day_chosen.connect(self.choose_day)
        self.calendar.month_shown.connect(lambda *_: self.refresh_calendar())
        self.day_label = QLabel()
        self.day_label.setObjectName("dayFilter")
        self.day_label.setStyleSheet("font-weight: bold; color: #1f6f4a;")
        self.clear_day_button = QPushButton("日付の絞り込みを解除")
        self.clear_day_button.setObjectName("clearDay")
        self.clear_day_button.clicked.connect(lambda: self.choose_day(None))
        today_button = QPushButton("今月")
        today_button.setToolTip("カレンダーを今月に戻します")
        today_button.clicked.connect(self.calendar.showToday)
        box = QWidget()
        calendar_layout = QVBoxLayout(box)
        calendar_layout.setContentsMargins(0, 0, 0, 0)
        calendar_layout.addWidget(self.calendar, 1)
        day_line = QHBoxLayout()
        day_line.addWidget(self.day_label, 1)
        day_line.addWidget(self.clear_day_button)
        calendar_layout.addLayout(day_line)
        hint = QLabel("● の日にイベントがあります。日付をクリック（またはEnter）で、その日のイベントを一覧に表示します。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        calendar_layout.addWidget(hint)
        calendar_layout.addWidget(today_button, 0, Qt.AlignmentFlag.AlignLeft)
        return box

    def _build_actions(self) -> QHBoxLayout:
        """The buttons acting on the chosen event; 新規・編集・コピー for those who may."""
        self.new_button = self._button("新規…", "newEvent", self.open_new,
                                       "新しいイベントを登録します（Ctrl+N）")
        self.edit_button = self._button("編集…", "editEvent", self.open_current,
                                        "選んだイベントを編集します（Enter・ダブルクリック）")
        self.copy_button = self._button("来年度用にコピー…", "copyEvent", self.copy_current,
                                        "同じ内容で、日付を52週後（同じ曜日）にした新しいイベントを"
                                        "作ります。保存するまで登録されません")
        self.check_in_button = self._button("出席確認…", "checkInButton", self.open_check_in,
                                            "当日、会場の入口で出席にします"
                                            "（受付票のQRコード読み取り・名前で検索・当日参加）")
        self.print_button = QToolButton()
        self.print_button.setObjectName("eventPrints")
        self.print_button.setText("印刷物 ▾")
        self.print_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.print_button.setToolTip("選んだイベントのチラシ・名簿・出席簿・名札を作ります")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.print_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        prints = QMenu(self.print_button)
        self.print_actions: dict[str, QAction] = {}
        for info in event_leaflets():
            action = prints.addAction(f"{info.title}…")
            action.setToolTip(info.description)
            action.triggered.connect(lambda _=False, name=info.name: self.print_event(name))
            self.print_actions[info.name] = action
        prints.setToolTipsVisible(True)  # a disabled entry (抽選結果) says why
        self.print_button.setMenu(prints)
        self.export_button = self._button("参加者一覧（Excel）…", "exportParticipants",
                                          self.ask_and_export,
                                          "選んだイベントの申込を Excel に書き出します")
        self.graduates_button = self._button("修了者…", "graduatesButton", self.open_graduates,
                                             "つむぎすと講座の修了者（出席回数・修了証）と、"
                                             "全講座の修了者名簿（期生ごと）")
        self.graduates_button.setVisible(False)  # shown for a つむぎすと講座
        editor = self.actor.may(Action.CREATE, Resource.EVENTS)
        for button in (self.new_button, self.edit_button, self.copy_button):
            button.setVisible(editor)  # counter staff and advisors read events only
        actions = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.copy_button):
            actions.addWidget(button)
        if editor:
            actions.addSpacing(12)
        for widget in (self.check_in_button, self.print_button, self.export_button,
                       self.graduates_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        return actions

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:  # read when first shown, not while the window opens
            self._loaded = True
            self.refresh()
            self.refresh_calendar()

    # --- keyboard ---------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.choose_day(None)
        self.search.setFocus()

    # --- the list ---------------------------------------------------------------------
    def _period_range(self) -> tuple[date | None, date | None]:
        if self.day is not None:
            return self.day, self.day
        choice = self.period.currentData()
        if choice == UPCOMING:
            return self.today, None
        if choice == THIS_MONTH:
            return dates.month_range(self.today)
        if choice == PAST:
            return None, self.today - timedelta(days=1)
        return None, None

    def refresh(self, keep_id: int | None = None, *, in_place: bool = False) -> None:
        """Ask again for what the box, the filters and the chosen day say; only the last
        question asked is answered on screen."""
        self._timer.stop()
        (start, end), day = self._period_range(), self.day
        query, facility_id = self.search.text(), self.facility.currentData()
        district = self.district.currentData()
        past = self.day is None and self.period.currentData() == PAST
        current = self.current_event()
        keep = keep_id or (current.id if current else None)
        scroll = self.table.verticalScrollBar().value() if in_place else None
        db, actor = self.db, self.actor

        def work() -> list[EventSummary]:
            rows = svc.list_events(db, actor, query=query, start=start, end=end,
                                   facility_id=facility_id, meeting_on=day, district=district)
            return rows[::-1] if past else rows  # the past: the most recent first

        ReadOp(self, work, lambda rows: self._show(rows, keep, scroll), key="list").run()

    def _show(self, rows: list[EventSummary], keep_id: int | None, scroll: int | None) -> None:
        self.model.reset(rows)
        self.count.setText(f"{len(rows):,} 件")
        row = self.model.row_of(keep_id) if keep_id is not None else -1
        if row < 0 and rows:
            row = 0  # the soonest (or the chosen day's first): most often the one wanted
        if row >= 0:
            self.table.selectRow(row)
        if scroll is not None:
            self.table.verticalScrollBar().setValue(scroll)
        self._current_changed()
        self.list_shown.emit()

    def current_event(self) -> EventSummary | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    def select_event(self, event_id: int) -> bool:
        row = self.model.row_of(event_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def _current_changed(self) -> None:
        current = self.current_event()
        new_id = current.id if current else None
        if new_id != self.registrations.event_id:
            self.registrations.show_event(new_id)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.current_event() is not None
        writable = not self.db.read_only
        self.new_button.setEnabled(writable)
        for button in (self.edit_button, self.copy_button):
            button.setEnabled(chosen and writable)
        for widget in (self.check_in_button, self.print_button, self.export_button):
            widget.setEnabled(chosen)
        current = self.current_event()
        for info in event_leaflets():
            why = unavailable(info.name, current)
            self.print_actions[info.name].setEnabled(not why)
            self.print_actions[info.name].setToolTip(why or info.description)
        self.graduates_button.setVisible(
            current is not None and current.kind is EventKind.TSUMUGIST
            and self.actor.may(Action.READ, Resource.REGISTRATIONS))

    # --- the calendar -----------------------------------------------------------------
    def refresh_calendar(self) -> None:
        """Mark the month on show; paging quickly through months marks only the last one."""
        year, month = self.calendar.shown_month()
        db, actor = self.db, self.actor

        def show(entries: list[svc.CalendarEntry]) -> None:
            self.calendar.set_entries(year, month, entries)
            self.calendar_shown.emit()

        ReadOp(self, lambda: svc.calendar_month(db, actor, year, month), show,
               key="calendar").run()

    def choose_day(self, day: date | None) -> None:
        """Narrow the list to the events meeting on *day* (None: back to the period)."""
        self.day = day
        if day is not None and day_of(self.calendar.selectedDate()) != day:
            self.calendar.setSelectedDate(qdate(day))  # its month is shown and marked
        self._show_day()
        self.refresh(keep_id=None)

    def _show_day(self) -> None:
        self.day_label.setText(f"{dates.date_with_weekday(self.day)}の開催" if self.day
                               else f"期間: {self.period.currentText()}")
        self.clear_day_button.setVisible(self.day is not None)

    # --- live refresh -----------------------------------------------------------------
    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if tables is None or tables & WATCHED_TABLES:
            self._live_timer.start()
        self.registrations.on_data_changed(tables)

    def _catch_up(self) -> None:
        if self._loaded:
            self.refresh(in_place=True)
            self.refresh_calendar()

    def on_connection(self, connected: bool) -> None:
        """The database is back: save what a form could not, and catch up."""
        if not connected:
            return
        from kyodo_desk.ui.events.form import EventForm

        for form in self.findChildren(EventForm):
            form.retry_when_connected()
        self._live_timer.start()

    # --- the event form ---------------------------------------------------------------
    def _may_edit(self) -> bool:
        return not self.db.read_only and self.actor.may(Action.CREATE, Resource.EVENTS)

    def open_new(self) -> None:
        if not self._may_edit():
            if self.db.read_only:
                self.status_message.emit(self.db.read_only_reason)
            return
        self._open_form()

    def open_current(self) -> None:
        """Enter on an event: officers edit it; the counter goes to its sign-ups."""
        current = self.current_event()
        if current is None:
            return
        if not self._may_edit():
            self.registrations.table.setFocus()
            return
        self._open_form(event_id=current.id)

    def copy_current(self) -> None:
        """Next year's event as a draft in the form; nothing is stored until 保存."""
        current = self.current_event()
        if current is None or not self._may_edit():
            return
        self._open_form(event_id=current.id, copy=True)

    def _open_form(self, *, event_id: int | None = None, copy: bool = False) -> None:
        """Read what the form shows (the facilities; the event to edit, or its copy), then
        open it. Asked twice before the first answer (Enter, then Ctrl+N), only the last
        request opens a form."""
        db, actor = self.db, self.actor

        def read() -> FormData:
            details = list_facilities(db, actor)
            facilities = [(f.name, f.id) for f in details]
            # What suggests the 地域 from the venue: a few hundred towns, read in a millisecond;
            # and each venue's 休館日, greyed in the sessions' calendars.
            hints = (districts.facility_districts(db, actor), districts.towns(db, actor),
                     {f.id: ClosedDays.of(f.open_days, f.closed_days) for f in details})
            if event_id is None:
                return facilities, None, None, *hints
            if copy:
                return facilities, None, svc.copy_for_next_year(db, actor, event_id), *hints
            return facilities, svc.get_event(db, actor, event_id), None, *hints

        ReadOp(self, read, self._show_form, key="form").run()

    def _show_form(self, data: FormData) -> None:
        from kyodo_desk.ui.events.form import EventForm  # loaded when first used

        facilities, detail, initial, venue_districts, towns, closed_days = data
        form = EventForm(self.db, self.actor, facilities=facilities, detail=detail,
                         initial=initial, parent=self, venue_districts=venue_districts,
                         towns=towns, closed_days=closed_days)
        # Deleted on the GUI thread when closed, never by a collection on a worker thread.
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.setModal(True)
        form.accepted.connect(lambda: self._saved(form))
        form.show()

    def _saved(self, form: EventForm) -> None:
        saved = form.saved
        if saved is None:
            return
        self.status_message.emit(f"「{saved.title}」を保存しました。")
        if self.district.currentData() not in (None, saved.district):
            self.district.blockSignals(True)  # a saved event must be in the list to be seen
            self.district.setCurrentIndex(0)
            self.district.blockSignals(False)
        if self.model.row_of(saved.id) < 0 and self.day is None:
            self.period.blockSignals(True)  # a saved event must be in the list to be seen
            self.period.setCurrentIndex(ALL_TIME if saved.last_day < self.today else UPCOMING)
            self.period.blockSignals(False)
            self._show_day()
        self.refresh(keep_id=saved.id)
        self.refresh_calendar()

    # --- the day itself ---------------------------------------------------------------
    def open_check_in(self) -> QWidget | None:
        current = self.current_event()
        if current is None:
            return None
        from kyodo_desk.ui.events.checkin_dialog import CheckInDialog

        # What is checked in at the door reaches the list and the panel through
        # on_data_changed, as every write does.
        dialog = CheckInDialog(self.db, self.actor, current.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def open_graduates(self) -> QWidget | None:
        """The chosen course's completers and the 修了者名簿 (ui/events/graduates_dialog.py)."""
        current = self.current_event()
        if current is None:
            return None
        from kyodo_desk.ui.events.graduates_dialog import GraduatesDialog

        dialog = GraduatesDialog(self.db, self.actor, current.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.status_message.connect(self.status_message)
        dialog.show()
        return dialog

    # --- prints and the participant list -----------------------------------------------
    def print_event(self, name: str) -> None:
        """Make one of the event's papers off the GUI thread, then preview it."""
        current = self.current_event()
        info = next((i for i in event_leaflets() if i.name == name), None)
        if current is None or info is None or unavailable(name, current):
            return
        db, actor, event_id = self.db, self.actor, current.id
        self.status_message.emit(f"「{info.title}」を作成しています…")

        def show(pdf: bytes) -> None:
            preview = PdfPreview(f"{info.title} — {current.title}",
                                 f"{info.title}_{_file_safe(current.title)}.pdf", pdf, self)
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.setModal(True)
            preview.status_message.connect(self.status_message)
            self.preview = preview
            preview.show()

        ReadOp(self, lambda: leaflets.render(name, db, actor, event_id=event_id), show).run()

    def ask_and_export(self) -> None:
        current = self.current_event()
        if current is None:
            return
        suggested = Path.home() / f"参加者一覧_{_file_safe(current.title)}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, "参加者一覧を保存", str(suggested),
                                              "Excel ブック (*.xlsx)")
        if path:
            self.export_participants(Path(path) if path.lower().endswith(".xlsx")
                                     else Path(path + ".xlsx"))

    def export_participants(self, path: Path) -> None:
        """Write the chosen event's sign-ups to *path* off the GUI thread (a write: the export
        of personal data is recorded in the audit log)."""
        current = self.current_event()
        if current is None:
            return
        db, actor, event_id = self.db, self.actor, current.id

        def done(count: int) -> None:
            self.status_message.emit(f"{count} 件の申込を「{path}」に書き出しました。")

        WriteOp(self, lambda: export_participants(db, actor, event_id, "xlsx", path), done,
                busy=(self.export_button,)).run()


def _file_safe(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "イベント"
