"""連絡先の統合 (merge): two records side by side, the clerk picks each field, then one act.

The left record is kept (残す), the right one is merged into it (まとめる): every
consultation, sign-up, attendance, grant case and membership of the right record moves to the
left one, and the right record stays as 「統合済み」 pointing to it. The rules, refusals and the
audit are in services/contacts/merge.py; this is the screen. After the merge the dialog says
what moved and offers 「統合を取り消す」; the main window's 編集 → 元に戻す offers the same
(`merge_events`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import ConcurrentEdit, UserError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.registry_text import registry_text
from kyodo_desk.services.contacts import ContactDetail, ContactKind
from kyodo_desk.services.contacts import merge as svc
from kyodo_desk.services.contacts.merge import LinkedCounts, MergePreview, MergeResult
from kyodo_desk.ui.contacts.conflict import FIELD_LABELS as _FORM_LABELS
from kyodo_desk.ui.contacts.labels import GROUP_TYPE_LABELS, KIND_LABELS
from kyodo_desk.ui.field_errors import say_on, summary_line
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure, show_status
from kyodo_desk.ui.widgets import fit_to_screen

KEEP, MERGE = 0, 1  # the sides: left (残す) and right (まとめる)
EMPTY = "（空欄）"
_EMPTY_STYLE = "color: #888;"
_NOTE_STYLE = "color: #555;"
_SAME_STYLE = "color: #2d6a2d;"
_CHOSEN_STYLE = "font-weight: bold;"
# The longest a value is shown in the comparison (メモ may hold 2,000 characters); the whole
# text is in the tooltip.
SHOWN_CHARACTERS = 300


def links_text(links: LinkedCounts) -> str:
    """相談 3件・申込 2件・出席 1件・交付金案件 0件・所属 1件."""
    return (f"相談 {links.consultations}件・申込 {links.registrations}件・"
            f"出席 {links.attendances}件・交付金案件 {links.grant_cases}件・"
            f"所属 {links.memberships}件")


# The form's names, and those of the fields only a stored record has.
FIELD_LABELS = {**_FORM_LABELS, "representative_id": "代表者", "registered_on": "登録日",
                "confirmed_on": "最終確認日"}
_AS_REGISTRY_SHOWS = frozenset({"activity_fields", "member_count", "founded_on", "listed_publicly",
                                "public_fields", "registered_on", "confirmed_on"})


def shown_value(contact: ContactDetail, field: str) -> str:
    """A field as the comparison shows it ("" when empty)."""
    if field == "representative_id":
        return registry_text(contact, "representative")
    if field in _AS_REGISTRY_SHOWS:
        return registry_text(contact, field)
    value = getattr(contact, field)
    if field == "group_type":
        return GROUP_TYPE_LABELS[value] if value else ""
    return str(value or "").strip()


def record_title(contact: ContactDetail) -> str:
    """番号 12・個人 — which record a side is."""
    kind = (GROUP_TYPE_LABELS[contact.group_type] if contact.group_type
            else KIND_LABELS[contact.kind.value])
    return f"番号 {contact.id}・{kind}"


# --- what the whole window hears ------------------------------------------------------------

@dataclass(frozen=True)
class DoneMerge:
    """A merge done in this window: the service's answer and the record merged (統合済み)."""

    result: MergeResult
    merged_id: int
    merged_name: str

    @property
    def merge_id(self) -> int:
        return self.result.merge_id

    def undone_text(self) -> str:
        kept = self.result.kept
        return (f"統合を取り消しました。「{kept.name}」（番号 {kept.id}）と"
                f"「{self.merged_name}」（番号 {self.merged_id}）は、元の2件に戻りました。")


class MergeEvents(QObject):
    """Merges done and undone in this window, for every screen that offers the undo (the
    merge dialog's result, the duplicates list, 編集 → 元に戻す)."""

    merged = Signal(object)  # DoneMerge
    undone = Signal(int)  # the merge's number (DoneMerge.merge_id)


_events: MergeEvents | None = None


def merge_events() -> MergeEvents:
    """The app-wide signals (made on first use, on the GUI thread)."""
    global _events
    if _events is None:
        _events = MergeEvents()
    return _events


def undo_merge_in_background(parent: QWidget, db: Database, actor: Actor, done_merge: DoneMerge,
                             done: Callable[[ContactDetail], None], *,
                             failed: Callable[[Exception], None] | None = None,
                             busy: tuple[QWidget, ...] = ()) -> None:
    """統合を取り消す: undo a merge off the GUI thread; every screen hears of it."""
    merge_id = done_merge.merge_id

    def undone(kept: ContactDetail) -> None:
        merge_events().undone.emit(merge_id)
        done(kept)

    WriteOp(parent, lambda: svc.undo_merge(db, actor, merge_id), undone, failed=failed,
            busy=busy).run()


# --- one field's choice ------------------------------------------------------------------------

class _Value(QLabel):
    """A side's value; clicking it chooses it, as clicking its radio button does."""

    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)


def _shortened(text: str) -> str:
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


def _html(text: str) -> str:
    return html.escape(_shortened(text)).replace("\n", "<br>")


def _value_label(text: str, name: str) -> _Value:
    shown = _shortened(text)
    label = _Value(shown or EMPTY)
    label.setObjectName(name)
    label.setProperty("empty", not text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    if not text:
        label.setStyleSheet(_EMPTY_STYLE)
    if shown != text:
        label.setToolTip(text)
    return label


@dataclass
class _FieldRow:
    """One MERGEABLE_FIELDS row: its choice (None where both sides hold the same value)."""

    field: str
    group: QButtonGroup | None


# --- the dialog ------------------------------------------------------------------------------

class MergeDialog(QDialog):
    """Merge *merge_id* into *keep_id* (the swap button turns them round).

    `loaded` when the two records are on screen or refused; `merged` (DoneMerge) after the
    merge, which `made` holds; `undone` when it was undone.
    """

    loaded = Signal()
    merged = Signal(object)
    undone = Signal()

    def __init__(self, db: Database, actor: Actor, keep_id: int, merge_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.keep_id, self.merge_id = keep_id, merge_id
        self.preview: MergePreview | None = None
        self.made: DoneMerge | None = None  # the merge made here
        self.rows: dict[str, _FieldRow] = {}
        self._values: dict[str, tuple[QLabel, QLabel]] = {}  # each side's value, per field
        self._chosen: dict[str, int] = {}  # a field's side the clerk picked, kept across a swap
        self._started = False
        self.writing = False  # merging or undoing: the dialog stays until the answer is in
        self.setWindowTitle("連絡先の統合")
        fit_to_screen(self, 1000, 620)

        self.error = summary_line("mergeError")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._comparison_page())
        self.pages.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(self.pages, 1)
        merge_events().undone.connect(self._undone_elsewhere)

    # --- building ---------------------------------------------------------------------------
    def _comparison_page(self) -> QWidget:
        intro = QLabel(
            "左の記録を残し、右の記録をまとめます。値が違う項目は、残す値を選んでください"
            "（初めは左の値、左が空欄なら右の値）。相談・申込・出席・交付金案件・所属は、"
            "すべて左の記録へ移ります。")
        intro.setWordWrap(True)
        self.swap_button = QPushButton("⇄ 左右を入れ替える")
        self.swap_button.setObjectName("swapSides")
        self.swap_button.setToolTip("残す記録とまとめる記録を入れ替えます")
        self.swap_button.setAutoDefault(False)
        self.swap_button.clicked.connect(self.swap)
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.swap_button, 0, Qt.AlignmentFlag.AlignTop)

        self.comparison_area = QScrollArea()
        self.comparison_area.setWidgetResizable(True)
        self.comparison_area.setFrameShape(QFrame.Shape.NoFrame)
        self.grid = self._new_grid()
        self.loading = QLabel("2件の記録を読み込んでいます…")
        self.loading.setObjectName("mergeLoading")
        self.loading.setStyleSheet(_NOTE_STYLE)

        self.outcome = QLabel()
        self.outcome.setObjectName("mergeOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setStyleSheet(_NOTE_STYLE)
        self.merge_button = QPushButton("統合する")
        self.merge_button.setObjectName("confirmMerge")
        self.merge_button.setAutoDefault(False)  # Enter in the dialog never merges
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.confirm)
        close = QPushButton("閉じる")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.outcome, 1)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(close)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.loading)
        layout.addWidget(self.comparison_area, 1)
        layout.addLayout(buttons)
        return page

    def _result_page(self) -> QWidget:
        self.result_text = QLabel()
        self.result_text.setObjectName("mergeResult")
        self.result_text.setWordWrap(True)
        self.result_text.setTextFormat(Qt.TextFormat.PlainText)
        self.result_text.setStyleSheet("font-size: 15px;")
        self.result_note = QLabel()
        self.result_note.setObjectName("mergeResultNote")
        self.result_note.setWordWrap(True)
        self.result_note.setStyleSheet(_NOTE_STYLE)
        self.undo_button = QPushButton("統合を取り消す")
        self.undo_button.setObjectName("undoMerge")
        self.undo_button.setAutoDefault(False)
        self.undo_button.clicked.connect(self.undo)
        close = QPushButton("閉じる")
        close.setObjectName("closeResult")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(close)
        self.kept_title = QLabel()
        self.kept_title.setStyleSheet("font-weight: bold; padding-top: 12px;")
        self.kept_fields = QLabel()
        self.kept_fields.setObjectName("keptFields")
        self.kept_fields.setTextFormat(Qt.TextFormat.RichText)
        self.kept_fields.setWordWrap(True)
        self.kept_fields.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.result_text)
        layout.addWidget(self.result_note)
        layout.addWidget(self.kept_title)
        layout.addWidget(self.kept_fields)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _show_kept(self, kept: ContactDetail) -> None:
        """The kept record as the merge left it, field by field."""
        self.kept_title.setText(f"統合後の記録（{record_title(kept)}）")
        rows = "".join(
            f"<tr><td style='color:#555; padding-right:14px'>{FIELD_LABELS[field]}</td>"
            f"<td>{_html(shown_value(kept, field)) or EMPTY}</td></tr>"
            for field in svc.MERGEABLE_FIELDS
            if field not in svc.GROUP_ONLY_FIELDS or kept.kind is ContactKind.GROUP)
        self.kept_fields.setText(f"<table>{rows}</table>")

    # --- reading ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.reload()

    def reload(self) -> None:
        """Read both records as stored now (the clerk's choices are kept)."""
        db, actor, keep_id, merge_id = self.db, self.actor, self.keep_id, self.merge_id
        self.merge_button.setEnabled(False)
        self.loading.show()
        ReadOp(self, lambda: svc.merge_preview(db, actor, keep_id, merge_id), self._show,
               failed=self._refused, key="preview").run()

    def _refused(self, exc: Exception) -> None:
        """The pair cannot be merged (a record removed or merged meanwhile, a person and a
        group…): the reason, and nothing to confirm."""
        self.loading.hide()
        self.preview = None
        self._clear_grid()
        self.swap_button.setEnabled(False)
        if isinstance(exc, UserError):
            say_on(self.error, exc.message)
        else:
            show_failure(self, exc, reading=True)
        self.loaded.emit()

    def _show(self, preview: MergePreview) -> None:
        self.loading.hide()
        self.preview = preview
        self._fill(preview)
        may = self._may_merge()
        self.merge_button.setEnabled(may)
        self.swap_button.setEnabled(True)
        if not may:
            self.merge_button.setToolTip(self.db.read_only_reason if self.db.read_only
                                         else "統合は協働担当と管理者だけができます。")
        self.loaded.emit()

    def _may_merge(self) -> bool:
        return not self.db.read_only and self.actor.may(Action.CHANGE, Resource.DUPLICATES)

    def _new_grid(self) -> QGridLayout:
        """An empty comparison in the scroll area; the one shown before goes whole (its
        widgets with it), so nothing of an earlier reading lingers."""
        old = self.comparison_area.takeWidget()
        if old is not None:
            old.hide()
            old.setParent(None)  # deleted with its last reference, here on the GUI thread
        for row in getattr(self, "rows", {}).values():
            if row.group is not None:
                row.group.deleteLater()
        self.rows, self._values = {}, {}
        host = QWidget()
        grid = QGridLayout(host)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(8)
        self.comparison_area.setWidget(host)
        return grid

    def _clear_grid(self) -> None:
        self.grid = self._new_grid()

    def _fill(self, preview: MergePreview) -> None:
        self._clear_grid()
        keep, merge = preview.keep, preview.merge
        grid = self.grid
        for column, (heading, contact, name) in enumerate(
                (("残す", keep, "keepHeading"), ("まとめる（統合済みになります）", merge,
                                                  "mergeHeading")), start=1):
            title = QLabel(f"<b>{heading}</b>　{record_title(contact)}")
            title.setObjectName(name)
            title.setStyleSheet("font-size: 14px; padding-bottom: 4px;")
            grid.addWidget(title, 0, column)
        line = 1
        for field in svc.MERGEABLE_FIELDS:
            if field in svc.GROUP_ONLY_FIELDS and keep.kind is not ContactKind.GROUP:
                continue  # a person has no 団体の種類, no registry
            label = QLabel(FIELD_LABELS[field])
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, line, 0)
            mine, theirs = shown_value(keep, field), shown_value(merge, field)
            if mine == theirs:
                same = _value_label(mine, f"same_{field}")
                if mine:
                    same.setStyleSheet(_SAME_STYLE)
                grid.addWidget(same, line, 1)
                note = QLabel("（左と同じ）" if mine else "")
                note.setStyleSheet(_EMPTY_STYLE)
                grid.addWidget(note, line, 2)
                self.rows[field] = _FieldRow(field, None)
            else:
                group = QButtonGroup(self)
                left, right = (self._choice(grid, line, group, field, side, text)
                               for side, text in ((KEEP, mine), (MERGE, theirs)))
                self._values[field] = (left, right)
                self.rows[field] = _FieldRow(field, group)
                default = MERGE if not mine else KEEP
                button = group.button(self._chosen.get(field, default))
                if button is not None:
                    button.setChecked(True)
                self._mark(field)
                group.idClicked.connect(lambda side, field=field: self._pick(field, side))
            line += 1
        links = QLabel("つながっている記録")
        links.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(links, line, 0)
        for side, counts in ((KEEP, preview.keep_links), (MERGE, preview.merge_links)):
            text = QLabel(links_text(counts))
            text.setObjectName("keepLinks" if side == KEEP else "mergeLinks")
            text.setWordWrap(True)
            grid.addWidget(text, line, side + 1)
        grid.setRowStretch(line + 1, 1)
        moving = (f"右の記録の{links_text(preview.merge_links)}を左の記録へ移します。"
                  if preview.merge_links.total() else "右の記録につながっている記録はありません。")
        self.outcome.setText(f"統合すると、{moving}右の記録は「統合済み」として残り、"
                             "統合は後から取り消せます。")

    def _choice(self, grid: QGridLayout, line: int, group: QButtonGroup, field: str, side: int,
                text: str) -> QLabel:
        """A side's radio button and value, in *grid*'s cell; returns the value's label."""
        radio = QRadioButton()
        radio.setObjectName(f"{'keep' if side == KEEP else 'merge'}_{field}")
        radio.setAccessibleName(f"{FIELD_LABELS[field]}: {text or EMPTY}")
        group.addButton(radio, side)
        value = _value_label(text, f"{radio.objectName()}_value")
        value.clicked.connect(radio.click)
        box = QHBoxLayout()
        box.setSpacing(6)
        box.addWidget(radio, 0, Qt.AlignmentFlag.AlignTop)
        box.addWidget(value, 1)
        grid.addLayout(box, line, side + 1)
        return value

    def _pick(self, field: str, side: int) -> None:
        self._chosen[field] = side
        self._mark(field)

    def _mark(self, field: str) -> None:
        """The value taken in bold; an empty one stays grey."""
        chosen = self.chosen_side(field)
        for side, label in enumerate(self._values[field]):
            style = _CHOSEN_STYLE if side == chosen else ""
            if label.property("empty"):
                style += _EMPTY_STYLE
            label.setStyleSheet(style)

    # --- choosing ---------------------------------------------------------------------------
    def choose(self, field: str, side: int) -> None:
        """Take *field*'s value from *side* (KEEP: left, MERGE: right), as a click does."""
        row = self.rows[field]
        if row.group is None:
            return
        button = row.group.button(side)
        if button is not None:
            button.click()

    def chosen_side(self, field: str) -> int | None:
        """The side *field* is taken from; None where both sides are the same."""
        row = self.rows.get(field)
        if row is None or row.group is None:
            return None
        return row.group.checkedId()

    def take_from_merged(self) -> frozenset[str]:
        return frozenset(f for f in self.rows if self.chosen_side(f) == MERGE)

    def swap(self) -> None:
        """Keep the other record: the sides change, each field keeps the value picked."""
        if self.preview is None:
            return
        for field, row in self.rows.items():
            if row.group is not None:
                self._chosen[field] = MERGE if row.group.checkedId() == KEEP else KEEP
        p = self.preview
        self.keep_id, self.merge_id = self.merge_id, self.keep_id
        say_on(self.error, "")
        self._show(MergePreview(keep=p.merge, merge=p.keep, keep_links=p.merge_links,
                                merge_links=p.keep_links))

    # --- merging ----------------------------------------------------------------------------
    def confirm(self) -> None:
        """統合する."""
        preview = self.preview
        if preview is None or not self._may_merge():
            return
        db, actor, take = self.db, self.actor, self.take_from_merged()
        keep, merge = preview.keep, preview.merge
        say_on(self.error, "統合しています…", busy=True)
        self.writing = True

        def work() -> MergeResult:
            return svc.merge_contacts(db, actor, keep_id=keep.id, keep_version=keep.version,
                                      merge_id=merge.id, merge_version=merge.version,
                                      take_from_merged=take)

        WriteOp(self, work, lambda result: self._merged(result, merge),
                failed=self._merge_failed, busy=(self.merge_button, self.swap_button)).run()

    def _merged(self, result: MergeResult, merged: ContactDetail) -> None:
        self.writing = False
        made = self.made = DoneMerge(result, merged.id, merged.name)
        say_on(self.error, "")
        self.result_text.setText(result.summary)
        self.result_note.setText(
            f"「{merged.name}」（番号 {merged.id}）は「統合済み」として残り、"
            f"番号 {result.kept.id} を指します。間違えたときは「統合を取り消す」で、"
            "移した記録ごと元の2件に戻せます（編集メニュー「元に戻す」Ctrl+Z でも戻せます）。")
        self._show_kept(result.kept)
        self.undo_button.setEnabled(True)
        self.pages.setCurrentIndex(1)
        show_status(self, result.summary)
        merge_events().merged.emit(made)
        self.merged.emit(made)

    def _merge_failed(self, exc: Exception) -> None:
        self.writing = False
        if isinstance(exc, ConcurrentEdit):
            # Read what is stored now; the clerk looks again and confirms again.
            say_on(self.error, exc.message + "\n最新の内容を読み込みました。確かめてから、"
                   "もう一度「統合する」を押してください。")
            self.reload()
        elif isinstance(exc, UserError):
            say_on(self.error, exc.message)
        else:
            say_on(self.error, "")
            show_failure(self, exc, reading=False)

    # --- undoing ----------------------------------------------------------------------------
    def undo(self) -> None:
        """統合を取り消す."""
        made = self.made
        if made is None:
            return
        say_on(self.error, "")

        def undone(_kept: ContactDetail) -> None:
            self.writing = False

        def failed(exc: Exception) -> None:
            self.writing = False
            if isinstance(exc, UserError):
                say_on(self.error, exc.message)
            else:
                show_failure(self, exc, reading=False)

        self.writing = True
        undo_merge_in_background(self, self.db, self.actor, made, undone, failed=failed,
                                 busy=(self.undo_button,))

    def done(self, result: int) -> None:
        """Closing waits for a merge or undo under way: its answer is what the list and
        編集 → 元に戻す learn from (one dropped would leave a merge no screen offers to undo)."""
        if not self.writing:
            super().done(result)

    def _undone_elsewhere(self, merge_id: int) -> None:
        """This dialog's merge was undone (here, or by 編集 → 元に戻す)."""
        made = self.made
        if made is None or made.merge_id != merge_id:
            return
        text = made.undone_text()
        self.result_text.setText(text)
        self.result_note.setText("")
        self.kept_title.setText("")
        self.kept_fields.setText("")
        self.undo_button.setEnabled(False)
        show_status(self, text)
        self.undone.emit()
