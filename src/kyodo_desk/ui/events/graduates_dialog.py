"""修了者 (graduates of a つむぎすと講座): who completed the chosen course, with the sessions
each attended, and the 修了者名簿 across every course by 期生, with their 地域, the groups they
went on to join and city staff marked; the course's 修了証 made from here.

Both lists are read off the GUI thread when shown (a read of personal data, logged by the
service), and again when sign-ups, attendance or memberships change.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import SECTOR_LABELS, Sector
from kyodo_desk.services.events.completion import (
    Attendee,
    CourseCompletion,
    Graduate,
    cohort_label,
    cohorts,
    course_completion,
    graduates,
)
from kyodo_desk.ui.operations import ReadOp, data_changes, touches
from kyodo_desk.ui.widgets import RowsModel, fit_to_screen, record_list

_Index = QModelIndex | QPersistentModelIndex
CITY_STAFF = "市職員"
COMPLETED = "修了"
WATCHED = ("registrations", "attendances", "events", "event_sessions", "memberships",
           "contacts")


class AttendeesModel(RowsModel[Attendee]):
    """The course's sign-ups: 修了, name, よみ, 区分, sessions attended, one column a session."""

    FIXED = ("修了", "氏名・団体名", "よみ", "区分", "出席")

    def __init__(self) -> None:
        super().__init__()
        self.columns = self.FIXED
        self._found: CourseCompletion | None = None

    def reset(self, found: CourseCompletion) -> None:
        self.beginResetModel()
        self._found = found
        self._rows = list(found.attendees)
        self.columns = (*self.FIXED, *(s.label or f"第{n}回"
                                       for n, s in enumerate(found.sessions, start=1)))
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        a = self.entry(index.row())
        if a is None or self._found is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column >= len(self.FIXED):
                session = self._found.sessions[column - len(self.FIXED)]
                return "○" if session.id in a.attended_session_ids else ""
            return (COMPLETED if a.completed else "", a.name, a.reading,
                    CITY_STAFF if a.city_staff else _sector_text(a.sector),
                    f"{a.attended}/{len(self._found.sessions)}回")[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and (column in (0, 4)
                                                          or column >= len(self.FIXED)):
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole and column >= len(self.FIXED):
            session = self._found.sessions[column - len(self.FIXED)]
            return full_date(session.held_on)
        return None


class GraduatesModel(RowsModel[Graduate]):
    """The 修了者名簿: 期生, name, よみ, 地域, 市職員, course, finished, groups joined since."""

    columns = ("期生", "氏名・団体名", "よみ", "地域", "区分", "講座", "修了", "出席",
               "その後に加わった団体")

    def reset(self, rows: list[Graduate]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        g = self.entry(index.row())
        if g is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (cohort_label(g.cohort) or "（期なし）", g.name, g.reading,
                    g.district or "未設定", CITY_STAFF if g.city_staff else "",
                    g.course_title, full_date(g.finished_on),
                    f"{g.attended}/{g.session_count}回", "、".join(g.groups_joined))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 8 and g.groups_joined:
            return "\n".join(g.groups_joined)
        return None


def _sector_text(code: str) -> str:
    try:
        return SECTOR_LABELS[Sector(code)]
    except ValueError:
        return ""


class GraduatesDialog(QDialog):
    """The course *event_id*'s completers (tab 修了者) and the registry (tab 修了者名簿)."""

    status_message = Signal(str)
    course_shown = Signal()
    registry_shown = Signal()

    def __init__(self, db: Database, actor: Actor, event_id: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.event_id = db, actor, event_id
        self.setWindowTitle("修了者")
        fit_to_screen(self, 1100, 640)
        self.tabs = QTabWidget()
        self.course_model = AttendeesModel()
        self.course_table = record_list(self.course_model, "courseAttendees")
        self.rule = QLabel()
        self.rule.setObjectName("completionRule")
        self.rule.setWordWrap(True)
        self.certificates_button = QPushButton("修了証を作成…")
        self.certificates_button.setObjectName("makeCertificates")
        self.certificates_button.setToolTip("修了者それぞれに渡す修了証（A4 1人1枚）を作ります")
        self.certificates_button.setEnabled(False)
        self.certificates_button.clicked.connect(self.make_certificates)
        course = QWidget()
        course_layout = QVBoxLayout(course)
        line = QHBoxLayout()
        line.addWidget(self.rule, 1)
        line.addWidget(self.certificates_button)
        course_layout.addLayout(line)
        course_layout.addWidget(self.course_table, 1)
        if event_id is not None:
            self.tabs.addTab(course, "この講座の修了者")

        self.registry_model = GraduatesModel()
        self.registry_table = record_list(self.registry_model, "graduateRegistry")
        self.cohort = QComboBox()
        self.cohort.setObjectName("cohortFilter")
        self.cohort.addItem("すべての期", None)
        self.cohort.currentIndexChanged.connect(lambda _i: self.refresh_registry())
        self.registry_count = QLabel()
        self.registry_count.setObjectName("graduateCount")
        registry = QWidget()
        registry_layout = QVBoxLayout(registry)
        top = QHBoxLayout()
        top.addWidget(QLabel("期生"))
        top.addWidget(self.cohort)
        top.addStretch(1)
        top.addWidget(self.registry_count)
        registry_layout.addLayout(top)
        note = QLabel("つむぎすと講座の修了者を期生ごとに。地域は連絡先の地域、「その後に加わった団体」"
                      "は講座の最終回より後に所属が登録された団体です。区分の「市職員」は行政として参加した方です。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        registry_layout.addWidget(note)
        registry_layout.addWidget(self.registry_table, 1)
        self.tabs.addTab(registry, "修了者名簿（全講座）")
        for table, stretch in ((self.course_table, 1), (self.registry_table, 8)):
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

        close = QPushButton("閉じる")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.found: CourseCompletion | None = None
        self.preview: QWidget | None = None  # the certificates made, while shown
        data_changes().changed.connect(self.on_data_changed)
        self.refresh()

    # --- reading --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.refresh_course()
        self.refresh_registry()
        db, actor = self.db, self.actor
        ReadOp(self, lambda: cohorts(db, actor), self._show_cohorts, key="cohorts").run()

    def refresh_course(self) -> None:
        if self.event_id is None:
            return
        db, actor, event_id = self.db, self.actor, self.event_id
        ReadOp(self, lambda: course_completion(db, actor, event_id), self._show_course,
               key="course").run()

    def refresh_registry(self) -> None:
        db, actor, chosen = self.db, self.actor, self.cohort.currentData()
        ReadOp(self, lambda: graduates(db, actor, cohort=chosen), self._show_registry,
               key="registry").run()

    def _show_course(self, found: CourseCompletion) -> None:
        self.found = found
        self.course_model.reset(found)
        title = found.event.title + (f"（{cohort_label(found.event.cohort)}）"
                                     if found.event.cohort is not None else "")
        completers = len(found.completers)
        self.rule.setText(f"{title}　{found.rule_text()}。修了者 {completers}名"
                          f"（申込 {len(found.attendees)}名）")
        self.certificates_button.setEnabled(found.required is not None and completers > 0)
        self.setWindowTitle(f"修了者 — {found.event.title}")
        self.course_shown.emit()

    def _show_registry(self, rows: list[Graduate]) -> None:
        self.registry_model.reset(rows)
        self.registry_count.setText(f"{len(rows):,} 名")
        self.registry_shown.emit()

    def _show_cohorts(self, numbers: list[int]) -> None:
        chosen = self.cohort.currentData()
        self.cohort.blockSignals(True)
        self.cohort.clear()
        self.cohort.addItem("すべての期", None)
        for n in numbers:
            self.cohort.addItem(cohort_label(n), n)
        self.cohort.setCurrentIndex(max(0, self.cohort.findData(chosen)))
        self.cohort.blockSignals(False)

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if touches(tables, *WATCHED):
            self.refresh()

    # --- 修了証 ----------------------------------------------------------------------------
    def make_certificates(self) -> None:
        """The course's certificates, made off the GUI thread, then previewed."""
        if self.event_id is None or self.found is None:
            return
        from datetime import date

        from kyodo_desk import leaflets
        from kyodo_desk.ui.pdf_preview import PdfPreview

        db, actor, event_id, title = self.db, self.actor, self.event_id, self.found.event.title
        self.status_message.emit("修了証を作成しています…")

        def show(pdf: bytes) -> None:
            safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in title)
            preview = PdfPreview(f"修了証 — {title}", f"修了証_{safe}.pdf", pdf, self)
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.setModal(True)
            preview.status_message.connect(self.status_message)
            self.preview = preview
            preview.show()

        ReadOp(self, lambda: leaflets.render("certificates", db, actor, event_id=event_id,
                                             today=date.today()), show).run()


def table_texts(table: QTableView) -> list[list[str]]:
    """What a list shows, row by row (for the tests and the screenshots' checks)."""
    model = table.model()
    return [[str(model.data(model.index(r, c)) or "") for c in range(model.columnCount())]
            for r in range(model.rowCount())]
