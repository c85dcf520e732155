"""カルテ: one group's or person's whole history in one window — its path through the
guideline's steps (歩み), consultations, sign-ups and attendance, grant cases, memberships —
as far as the signed-in account may see it, with 印刷… for the staff print (団体カルテ /
個人カルテ, 取扱注意).

Read in the background through services/contacts/record.py; read again when anything it
shows changes here or at another counter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
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
from kyodo_desk.domain.dates import fiscal_year_label, full_date, short_date
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.grants import yen
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.registry_text import registry_lines
from kyodo_desk.services.contacts import Affiliation
from kyodo_desk.services.contacts.erasure import ErasurePreview, erasure_preview
from kyodo_desk.services.contacts.record import (
    ConsultationEntry,
    ContactRecord,
    GrantEntry,
    SignUpEntry,
    StepReached,
    contact_record,
)
from kyodo_desk.ui.contacts.erase_dialog import EraseDialog
from kyodo_desk.ui.contacts.labels import erased_label
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp, data_changes, touches
from kyodo_desk.ui.widgets import RowsModel, fit_to_screen, record_list

T = TypeVar("T")

# What the window shows: a change to any of these, here or at another counter, reads it again.
WATCHED_TABLES = ("contacts", "memberships", "consultations", "consultation_topics",
                  "registrations", "attendances", "events", "event_sessions", "grant_cases",
                  "grant_case_moves", "grant_payments", "grant_programmes", "contact_merges")
HIDDEN_TEXT = QColor("#777777")  # a 「相談あり」 row: there, but not for this account to read
CITY_BLUE, CITY_PALE, MARK_ORANGE = "#1B6B8F", "#F1F7FA", "#E07A22"  # the leaflets' colours


def day(d: date | None) -> str:
    return full_date(d) if d is not None else ""


class _Column(Generic[T]):
    """A column of a history list: its title, the text of a row, and whether that text is a
    number (right-aligned)."""

    def __init__(self, title: str, text: Callable[[T], str], *, number: bool = False) -> None:
        self.title, self.text, self.number = title, text, number


class HistoryModel(RowsModel[T]):
    """One section's rows (a contact's history is short: all of it in memory)."""

    def __init__(self, columns: Sequence[_Column[T]],
                 muted: Callable[[T], bool] = lambda _row: False,
                 bold: Callable[[T], bool] = lambda _row: False) -> None:
        super().__init__()
        self._columns = list(columns)
        self.columns = tuple(c.title for c in columns)
        self._muted = muted
        self._bold = bold

    def reset(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def retitle(self, column: int, title: str) -> None:
        titles = list(self.columns)
        titles[column] = title
        self.columns = tuple(titles)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)

    def text(self, row: int, column: int) -> str:
        entry = self.entry(row)
        return "" if entry is None else self._columns[column].text(entry)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(entry) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.number:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and self._muted(entry):
            return HIDDEN_TEXT
        if role == Qt.ItemDataRole.FontRole and self._bold(entry):
            font = QFont()
            font.setBold(True)
            return font
        return None


def _sessions_text(entry: SignUpEntry) -> str:
    """「2026年6月6日 ほか全3回」; each day in the tooltip-free list of the 出席 column."""
    if not entry.sessions:
        return ""
    first = day(entry.sessions[0].held_on)
    return first if len(entry.sessions) == 1 else f"{first} ほか全{len(entry.sessions)}回"


def _attended_days(entry: SignUpEntry) -> str:
    days = [s for s in entry.sessions if s.attended]
    if not days or len(entry.sessions) == 1:
        return entry.attendance_label
    attended = "・".join(short_date(s.held_on, with_weekday=False) for s in days)
    return f"{entry.attendance_label}（{attended}）"


CONSULTATION_COLUMNS: list[_Column[ConsultationEntry]] = [
    _Column("相談日", lambda c: day(c.held_on)),
    _Column("施設", lambda c: c.facility_name),
    _Column("相談方法", lambda c: c.channel_label),
    _Column("分野", lambda c: c.topics_label),
    _Column("相談内容", lambda c: c.summary),
    _Column("担当", lambda c: c.staff_name),
    _Column("状況", lambda c: c.status_label),
]
SIGN_UP_COLUMNS: list[_Column[SignUpEntry]] = [
    _Column("開催日", _sessions_text),
    _Column("イベント", lambda s: s.event_title),
    _Column("主催", lambda s: s.facility_name),
    _Column("人数", lambda s: f"{s.party_size}名", number=True),
    _Column("出席", _attended_days),
    _Column("状況", lambda s: s.status_label),
]
GRANT_COLUMNS: list[_Column[GrantEntry]] = [
    _Column("年度", lambda g: fiscal_year_label(g.fiscal_year)),
    _Column("交付金", lambda g: g.programme_name),
    _Column("事業名", lambda g: g.title),
    _Column("段階", lambda g: g.stage_label),
    _Column("採択日", lambda g: day(g.adopted_on)),
    _Column("申請額", lambda g: yen(g.money.requested), number=True),
    _Column("交付決定額", lambda g: yen(g.money.decided) if g.money.decided else "",
            number=True),
    _Column("支払額", lambda g: yen(g.money.net_paid) if g.money.paid else "", number=True),
]


@dataclass(frozen=True)
class Moment:
    """One line of これまでの記録: a day, what kind of record, what happened."""

    day: date
    kind: str  # 歩み, 相談, 出席, 申込, 交付金
    text: str
    muted: bool = False  # a consultation the account may not open
    order: int = 0  # on one day: what came of it (a step reached) above what led to it


def moments(record: ContactRecord) -> list[Moment]:
    """Every dated record of the カルテ in one list, newest first: consultations, the days
    the contact came to an event (or the event it signed up for and did not come to), grant
    cases taken up and adopted, and the day each step was reached."""
    found: list[Moment] = []
    for c in record.consultations:
        text = (f"{c.facility_name}　{c.topics_label}: {c.summary}" if c.readable
                else f"{c.facility_name}　{c.summary}")
        found.append(Moment(c.held_on, "相談", text, muted=not c.readable))
    for s in record.sign_ups:
        for session in s.sessions:
            if session.attended:
                label = f"（{session.label}）" if session.label and len(s.sessions) > 1 else ""
                found.append(Moment(session.held_on, "出席", f"「{s.event_title}」{label}"
                                                             f"　{s.facility_name}"))
        if not s.attended_count and s.first_day is not None:
            found.append(Moment(s.first_day, "申込", f"「{s.event_title}」　{s.status_label}"))
    for g in record.grant_cases:
        if g.opened_on is not None:
            found.append(Moment(g.opened_on, "交付金", f"{g.programme_name}「{g.title}」受付"))
        if g.adopted_on is not None:
            found.append(Moment(g.adopted_on, "交付金", f"{g.programme_name}「{g.title}」採択"))
    for step in record.steps:
        if step.reached_on is not None:
            found.append(Moment(step.reached_on, "歩み", f"{step.label}（{step.by}）", order=1))
    return sorted(found, key=lambda m: (m.day, m.order), reverse=True)


MOMENT_COLUMNS: list[_Column[Moment]] = [
    _Column("日付", lambda m: day(m.day)),
    _Column("記録", lambda m: m.kind),
    _Column("内容", lambda m: m.text),
]
AFFILIATION_COLUMNS: list[_Column[Affiliation]] = [
    _Column("番号", lambda a: str(a.contact_id), number=True),
    _Column("氏名", lambda a: a.name),  # 団体名 on a person's カルテ
    _Column("役割", lambda a: a.role),
]


class StepCard(QFrame):
    """One of the guideline's steps: its name on the city's blue, the day it was reached
    (or 「まだ記録がありません」) and what reached it, the motto and what counts."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepCard")
        self.setStyleSheet(
            f"#stepCard {{ background: {CITY_PALE}; border: 1px solid #B9CDD6;"
            f" border-top: 4px solid {MARK_ORANGE}; }}"
            f"#stepName {{ background: {CITY_BLUE}; color: white; font-size: 13pt;"
            " font-weight: bold; padding: 6px 10px; }"
            "#stepDay { font-size: 14pt; font-weight: bold; color: #12485F; }"
            "#stepNotYet { font-size: 12pt; color: #777777; }"
            "#stepRule { color: #56656D; }")
        self.number = number
        self.name = QLabel()
        self.name.setObjectName("stepName")
        self.reached = QLabel()
        self.by = QLabel()
        self.by.setWordWrap(True)
        self.motto = QLabel()
        self.motto.setObjectName("stepRule")
        self.motto.setWordWrap(True)
        self.rule = QLabel()
        self.rule.setObjectName("stepRule")
        self.rule.setWordWrap(True)
        for label in (self.reached, self.by):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body = QVBoxLayout()
        body.setContentsMargins(12, 8, 12, 10)
        body.addWidget(self.reached)
        body.addWidget(self.by)
        body.addSpacing(6)
        body.addStretch()
        body.addWidget(self.motto)
        body.addWidget(self.rule)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.name)
        layout.addLayout(body, 1)

    def show_step(self, step: StepReached) -> None:
        self.name.setText(f"{self.number}　{step.label}")
        if step.reached_on is not None:
            self.reached.setObjectName("stepDay")
            self.reached.setText(day(step.reached_on))
        else:
            self.reached.setObjectName("stepNotYet")
            self.reached.setText("まだ記録がありません")
        self.reached.setStyleSheet(self.reached.styleSheet())  # takes the new object name
        self.by.setText(step.by)
        self.by.setVisible(bool(step.by))
        self.motto.setText(f"〜{step.motto}〜")
        self.rule.setText(f"目安: {step.rule}")


class RecordWindow(QDialog):
    """The カルテ of the contact *contact_id*; `shown` whenever the record has been (re)read
    and is on screen, `record` is what it shows."""

    shown = Signal()
    status_message = Signal(str)

    def __init__(self, db: Database, actor: Actor, contact_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.contact_id = db, actor, contact_id
        self.record: ContactRecord | None = None
        self.preview: QDialog | None = None  # the print made last, while it is open
        self.setWindowTitle("カルテ")
        fit_to_screen(self, 1180, 740)

        self.title = QLabel("読み込んでいます…")
        self.title.setObjectName("detailTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("detailSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.merged = QLabel()
        self.merged.setObjectName("recordMerged")
        self.merged.setStyleSheet(f"color: {MARK_ORANGE}; font-weight: bold;")
        self.merged.hide()
        self.left_out = QLabel()
        self.left_out.setObjectName("recordLeftOut")
        self.left_out.setWordWrap(True)
        self.left_out.setStyleSheet("color: #666;")
        self.left_out.hide()

        self.tabs = QTabWidget()
        self.tabs.setObjectName("recordTabs")
        self.step_cards = [StepCard(n) for n in (1, 2, 3)]
        self.tabs.addTab(self._steps_page(), "歩み")
        self.consultations = HistoryModel(CONSULTATION_COLUMNS, muted=lambda c: not c.readable)
        self.sign_ups = HistoryModel(SIGN_UP_COLUMNS)
        self.grants = HistoryModel(GRANT_COLUMNS)
        self.affiliations = HistoryModel(AFFILIATION_COLUMNS)
        self.consultation_table = self._table(self.consultations, "recordConsultations",
                                              stretch=4, widths=(150, 200, 80, 170, 0, 100, 70))
        self.sign_up_table = self._table(self.sign_ups, "recordSignUps", stretch=1,
                                         widths=(230, 0, 200, 60, 220, 90))
        self.grant_table = self._table(self.grants, "recordGrants", stretch=2,
                                       widths=(100, 190, 0, 80, 140, 110, 110, 110))
        self.affiliation_table = self._table(self.affiliations, "recordAffiliations", stretch=1,
                                             widths=(70, 0, 260))
        self.consultation_note = self._note()
        self.sign_up_note = self._note()
        self.grant_note = self._note()
        self.affiliation_note = self._note()
        for table, note, title in (
                (self.consultation_table, self.consultation_note, "相談"),
                (self.sign_up_table, self.sign_up_note, "イベント"),
                (self.grant_table, self.grant_note, "交付金"),
                (self.affiliation_table, self.affiliation_note, "所属")):
            page = QWidget()
            box = QVBoxLayout(page)
            box.addWidget(note)
            box.addWidget(table, 1)
            box.addStretch()  # the note stays at the top when the list is left out
            self.tabs.addTab(page, title)

        self.print_button = QPushButton("印刷…")
        self.print_button.setToolTip("このカルテを A4 の印刷物（職員用・取扱注意）にして、"
                                     "プレビューから保存・印刷します")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_record)
        # 削除・利用停止: administrators only; the service refuses anyone else, with the
        # permission message shown on the click.
        self.erase_button = QPushButton("削除・利用停止…")
        self.erase_button.setObjectName("recordErase")
        self.erase_button.setToolTip("本人・団体の申出により、氏名・連絡先と相談・申込の個人情報を"
                                     "消去します（管理者のみ。元に戻せません）")
        self.erase_button.setEnabled(False)
        self.erase_button.clicked.connect(self.ask_erase)
        self.erase_dialog: EraseDialog | None = None
        close = QPushButton("閉じる")
        close.clicked.connect(self.reject)
        for button in (self.erase_button, self.print_button, close):
            button.setAutoDefault(False)
        hint = QLabel("内容を表示できない相談は、日付と施設だけを「相談あり」として灰色で示します。")
        hint.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.erase_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.merged)
        layout.addWidget(self.left_out)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        data_changes().changed.connect(self._data_changed)
        self.refresh()

    # --- parts --------------------------------------------------------------------------
    def _steps_page(self) -> QWidget:
        page = QWidget()
        cards = QHBoxLayout()
        for n, card in enumerate(self.step_cards):
            if n:
                arrow = QLabel("→")
                arrow.setStyleSheet(f"font-size: 22pt; color: {CITY_BLUE};")
                cards.addWidget(arrow)
            cards.addWidget(card, 1)
        self.steps_note = QLabel(
            "歩みは記録から判定しています。各段階の日付は、その段階にあたる記録が初めてある日です"
            "（交付金は採択の日）。秋田市市民協働指針 概要版の「チャレンジ → ステップアップ → "
            "パートナーシップ」にそっています。")
        self.steps_note.setWordWrap(True)
        self.steps_note.setStyleSheet("color: #666;")
        self.moments = HistoryModel(MOMENT_COLUMNS, muted=lambda m: m.muted,
                                    bold=lambda m: m.order > 0)
        self.moment_table = self._table(self.moments, "recordMoments", stretch=2,
                                        widths=(150, 90, 0))
        heading = QLabel("これまでの記録（新しい順）")
        heading.setStyleSheet(f"font-weight: bold; color: {CITY_BLUE};")
        layout = QVBoxLayout(page)
        layout.addLayout(cards)
        layout.addWidget(self.steps_note)
        layout.addSpacing(6)
        layout.addWidget(heading)
        layout.addWidget(self.moment_table, 1)
        return page

    def _table(self, model: HistoryModel[Any], name: str, *, stretch: int,
               widths: Sequence[int]) -> QTableView:
        table = record_list(model, name)
        header = table.horizontalHeader()
        for column, width in enumerate(widths):
            if column == stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                header.resizeSection(column, width)
        return table

    def _note(self) -> QLabel:
        note = QLabel()
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        return note

    # --- reading ------------------------------------------------------------------------
    def refresh(self) -> None:
        db, actor, contact_id = self.db, self.actor, self.contact_id
        ReadOp(self, lambda: contact_record(db, actor, contact_id), self._show,
               key="record", failed=self._failed).run()

    def _data_changed(self, tables: frozenset[str] | None) -> None:
        if touches(tables, *WATCHED_TABLES):
            self.refresh()

    def _failed(self, exc: Exception) -> None:
        if self.record is None:
            self.title.setText(exc.message if isinstance(exc, UserError)
                               else "カルテを読み込めませんでした。")
        show_error(self, exc)
        self.shown.emit()

    def _show(self, record: ContactRecord) -> None:
        self.record = record
        c = record.contact
        self.setWindowTitle(f"{record.title} — {c.name}")
        self.title.setText(c.name)
        kind = (GROUP_TYPE_LABELS.get(c.group_type, "") if c.group_type
                else KIND_LABELS.get(c.kind.value, ""))
        address = f"〒{c.postal_code} {c.address}" if c.postal_code else c.address
        who = [f"{record.title}（番号 {c.id}）", kind, c.reading]
        where = [address, c.phone, c.email]
        if record.is_group:
            rep = record.representative
            where.append(f"代表者: {rep.name}（{rep.role}）" if rep and rep.role
                         else f"代表者: {rep.name}" if rep else "代表者: 登録なし")
        # 地域 and the group registry (団体台帳), the 代表者 said above.
        registry = [f"{label}: {text}" for label, text in registry_lines(c)
                    if label != "代表者"]
        lines = (who, where, registry[:5], registry[5:])
        self.subtitle.setText("\n".join("　".join(f for f in line if f) for line in lines
                                        if any(line)))
        merged = ""
        if c.erased_on is not None:
            merged = f"{erased_label(c.erased_on)}: 氏名・連絡先と相談・申込の個人情報は消去されています。"
        elif c.merged_into_id is not None:
            merged = f"統合済み（番号 {c.merged_into_id} へ）: 記録は統合先のカルテにあります。"
        elif record.merged_from:
            merged = "統合した記録: " + "、".join(f"番号 {m.contact_id}（{m.name}）"
                                              for m in record.merged_from)
        self.merged.setText(merged)
        self.merged.setVisible(bool(merged))
        self.left_out.setText("\n".join(f"※{line}" for line in record.left_out))
        self.left_out.setVisible(bool(record.left_out))
        for card, step in zip(self.step_cards, record.steps, strict=True):
            card.show_step(step)
        self._fill(record)
        self.print_button.setEnabled(True)
        # A merged record is erased with the one it lives on in; an erased one has no more.
        self.erase_button.setEnabled(c.merged_into_id is None and c.erased_on is None)
        self.shown.emit()

    def _fill(self, record: ContactRecord) -> None:
        self.moments.reset(moments(record))
        hidden = record.hidden_consultations
        self.consultations.reset(record.consultations)
        self.consultation_note.setText(
            "相談記録は、このアカウントでは表示されません。" if not record.consultations_shown
            else "相談の記録はありません。" if not record.consultations
            else f"{len(record.consultations)}件（新しい順）"
                 + (f"。うち{hidden}件は、このアカウントでは内容を表示できない相談です（相談あり）。"
                    if hidden else "。内容の全文は相談記録のタブで開けます（開いた記録は操作記録に残ります）。"))
        self.sign_ups.reset(record.sign_ups)
        attended = sum(1 for s in record.sign_ups if s.attended_count)
        self.sign_up_note.setText(
            "イベントの申込・出席は、このアカウントでは表示されません。"
            if not record.sign_ups_shown else "イベントの申込はありません。"
            if not record.sign_ups else f"{len(record.sign_ups)}件・出席 {attended}件（新しい順）")
        self.grants.reset(record.grant_cases)
        self.grant_note.setText(
            next((line for line in record.left_out if line.startswith("交付金")), "")
            if not record.grant_cases_shown else "交付金案件はありません。"
            if not record.grant_cases else f"{len(record.grant_cases)}件（新しい年度順）")
        self.grant_table.setVisible(record.grant_cases_shown)
        self.affiliations.retitle(1, "氏名" if record.is_group else "団体名")
        self.affiliations.reset(record.affiliations)
        what = "構成員" if record.is_group else "所属団体"
        unit = "名" if record.is_group else "団体"
        self.affiliation_note.setText(f"{what} {len(record.affiliations)}{unit}（よみの順）"
                                      if record.affiliations else f"{what}の登録はありません。")
        self.tabs.setTabText(1, f"相談（{len(record.consultations)}）")
        self.tabs.setTabText(2, f"イベント（{len(record.sign_ups)}）")
        self.tabs.setTabText(3, f"交付金（{len(record.grant_cases)}）"
                             if record.grant_cases_shown else "交付金（表示なし）")
        self.tabs.setTabText(4, f"{what}（{len(record.affiliations)}）")

    # --- printing -----------------------------------------------------------------------
    def ask_erase(self) -> None:
        """削除・利用停止: what would go, read off the GUI thread, then the dialog."""
        db, actor, contact_id = self.db, self.actor, self.contact_id
        ReadOp(self, lambda: erasure_preview(db, actor, contact_id), self._open_erase).run()

    def _open_erase(self, preview: ErasurePreview) -> None:
        dialog = EraseDialog(self.db, self.actor, preview, self)
        dialog.erased.connect(lambda result: self.status_message.emit(result.summary))
        self.erase_dialog = dialog
        dialog.open()

    def print_record(self) -> None:
        """Make the カルテ's print off the GUI thread, then preview it with 保存 and 印刷."""
        from kyodo_desk import leaflets
        from kyodo_desk.ui.pdf_preview import PdfPreview

        record = self.record
        if record is None:
            return
        db, actor, contact_id = self.db, self.actor, self.contact_id
        name = record.contact.name
        self.print_button.setEnabled(False)

        def show(pdf: bytes) -> None:
            self.print_button.setEnabled(True)
            safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in name).strip()
            preview = PdfPreview(f"{record.title} — {name}", f"{record.title}_{safe}.pdf",
                                 pdf, self)
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.setModal(True)
            preview.status_message.connect(self.status_message)
            self.preview = preview
            preview.show()

        def failed(exc: Exception) -> None:
            self.print_button.setEnabled(True)
            show_error(self, exc)

        ReadOp(self, lambda: leaflets.render("contact-record", db, actor,
                                             contact_id=contact_id),
               show, failed=failed).run()
