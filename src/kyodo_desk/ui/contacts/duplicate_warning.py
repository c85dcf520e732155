"""The likely-duplicates warning of the contact form (重複候補の表示).

While the clerk types a name, よみ, 〒, phone or e-mail, the contacts already registered that
are likely the same person or group (services/contacts/duplicates.py) are listed under the
fields, each with why: 「電話番号が同じ・よみが同じ」. One search per pause in the typing, on a
worker thread; an answer to what the form no longer says is dropped. Hidden when there are
none; never blocks a save (the clerk may know better) and never takes the focus from a field.

Per candidate:
- 「この方を開く」 — the form asks the caller to use that record instead (`open_requested`);
- 「別の方です」 — never offered again for this pair: a record already saved remembers it at
  once (mark_distinct); a new one keeps it in its draft (`distinct_from`) until it is saved.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.services.contacts import duplicates as dup
from kyodo_desk.services.contacts.duplicates import DuplicateCandidate
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.widgets import single_shot

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 300  # the search waits for a pause in the typing
SHOWN = 3  # candidates listed at most: the form must still fit a 1280×800 screen
SURE_SCORE = 90  # from this score on, saving asks once whether it is that contact
_NAME_CHARS = 20
_ADDRESS_CHARS = 14
_EMAIL_CHARS = 26

_FRAME_STYLE = ("QFrame#duplicateWarning { background: #fff8e1; border: 1px solid #e0b040;"
                " border-radius: 4px; }")
_TITLE_STYLE = "color: #8a5a00; font-weight: bold;"
_REASON_COLOUR = "#a04000"
_DETAIL_COLOUR = "#555"

# What was searched for: the facts the rules read and the record edited. The pairs said
# 「別の方です」 are not among them: they are left out of any answer when it is shown.
Facts = tuple[object, ...]


def _cut(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"


def words_for(kind: ContactKind) -> tuple[str, str, str]:
    """(title, 開く button, 別 button) in the words for a person or for a group."""
    if kind is ContactKind.GROUP:
        return ("同じ団体が登録されているかもしれません", "この団体を開く", "別の団体です")
    return ("同じ方が登録されているかもしれません", "この方を開く", "別の方です")


def candidate_text(candidate: DuplicateCandidate) -> str:
    """Two lines: 名前（よみ）and the reasons; then 〒, the address's start, phone, e-mail."""
    name = html.escape(_cut(candidate.name, _NAME_CHARS))
    reading = f"（{html.escape(_cut(candidate.reading, _NAME_CHARS))}）" if candidate.reading else ""
    reasons = html.escape("・".join(candidate.reasons))
    details = html.escape("　".join(x for x in (
        f"〒{candidate.postal_code}" if candidate.postal_code else "",
        _cut(candidate.address, _ADDRESS_CHARS),
        f"電話 {candidate.phone}" if candidate.phone else "",
        _cut(candidate.email, _EMAIL_CHARS)) if x))
    return (f"<b>{name}</b>{reading}　<span style='color:{_REASON_COLOUR}'>{reasons}</span>"
            f"<br><span style='color:{_DETAIL_COLOUR}'>{details or '（連絡先の記載なし）'}</span>")


class CandidateRow(QWidget):
    """One candidate: what is known of it and why, 「この方を開く」 and 「別の方です」."""

    def __init__(self, candidate: DuplicateCandidate, kind: ContactKind, *, editing: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidate = candidate
        _title, open_words, distinct_words = words_for(kind)
        self.label = QLabel(candidate_text(candidate))
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)  # a long line wraps rather than widen the form
        self.label.setToolTip("\n".join(x for x in (
            candidate.name, candidate.reading,
            " ".join(x for x in (candidate.postal_code, candidate.address) if x),
            candidate.phone, candidate.email) if x))
        self.open_button = QPushButton(open_words)
        self.open_button.setToolTip(
            "この記録を開きます。編集中の内容は、閉じる前に確認します。" if editing else
            "入力中の内容は保存せず、登録済みのこの記録を使います。")
        self.distinct_button = QPushButton(distinct_words)
        self.distinct_button.setToolTip("この組み合わせは、今後は候補に出しません。")
        for button in (self.open_button, self.distinct_button):
            button.setAutoDefault(False)  # Enter in a field must never press them
            button.setAccessibleName(f"{candidate.name}: {button.text()}")
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.label, 1)
        line.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignVCenter)
        line.addWidget(self.distinct_button, 0, Qt.AlignmentFlag.AlignVCenter)


class DuplicateWarning(QFrame):
    """The contact form's list of likely duplicates of what it says (*draft*).

    *editing_id*: the record the form edits (None: a new one). The form calls `schedule()`
    on every change of the compared fields; `distinct_from` is what a new record's draft
    carries.
    """

    open_requested = Signal(object)  # the clerk says it is this DuplicateCandidate
    distinct_changed = Signal()  # a new record's distinct_from changed (its draft did)
    search_finished = Signal()  # the panel answers what the form says now

    def __init__(self, db: Database, actor: Actor, draft: Callable[[], ContactDraft], *,
                 editing_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self._draft, self.editing_id = db, actor, draft, editing_id
        self.candidates: list[DuplicateCandidate] = []  # as shown, best first
        self.rows: list[CandidateRow] = []
        self._found: list[DuplicateCandidate] = []  # the last answer, as the service gave it
        self._more = False  # more candidates than are shown
        self._kind = ContactKind.PERSON
        self._dismissed: set[int] = set()  # 別の方です said in this form (or its draft)
        self._asked_sure: set[int] = set()  # asked about on saving: not again
        self._answered: Facts | None = None
        # Tab reaches the buttons between these two, in the order the eye reads them.
        self.tab_between: tuple[QWidget, QWidget] | None = None
        self.setObjectName("duplicateWarning")
        self.setStyleSheet(_FRAME_STYLE)
        self.title = QLabel()
        self.title.setStyleSheet(_TITLE_STYLE)
        self.more = QLabel("ほかにも候補があります（「別の方です」で次の候補を表示します）。")
        self.more.setStyleSheet(f"color: {_DETAIL_COLOUR};")
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(self._rows_box)
        layout.addWidget(self.more)
        self._timer = single_shot(self, SEARCH_DELAY_MS, self.search_now)
        self.hide()

    # --- what the form asks ---------------------------------------------------------------
    @property
    def distinct_from(self) -> tuple[int, ...]:
        """For a new record: the contacts said to be someone else, saved with it. A saved
        record remembers each at once, so its draft carries none."""
        return tuple(sorted(self._dismissed)) if self.editing_id is None else ()

    def restore(self, distinct_from: tuple[int, ...]) -> None:
        """A draft put back on screen: what it said 「別の方です」 to."""
        if self.editing_id is None:
            self._dismissed = set(distinct_from)

    def schedule(self, *_args: object) -> None:
        """A compared field changed: search once the typing pauses."""
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def answers_now(self) -> bool:
        """The candidates shown answer what the form says now (no search due or under way)."""
        return not self._timer.isActive() and self._answered == self._facts(self._draft())

    def unasked_sure(self) -> DuplicateCandidate | None:
        """The best candidate shown scoring SURE_SCORE or more that saving has not asked about
        yet, if the list answers what the form says now."""
        if not self.answers_now():
            return None
        return next((c for c in self.candidates
                     if c.score >= SURE_SCORE and c.contact_id not in self._asked_sure), None)

    def mark_asked(self, candidate: DuplicateCandidate) -> None:
        self._asked_sure.add(candidate.contact_id)

    # --- searching --------------------------------------------------------------------------
    def _facts(self, draft: ContactDraft) -> Facts:
        return (draft.kind, draft.name, draft.reading, draft.postal_code, draft.phone,
                draft.email, self.editing_id)

    def search_now(self) -> None:
        self._timer.stop()
        draft = self._draft()
        facts = self._facts(draft)
        if not draft.name.strip():  # the service finds none without a name: no round trip
            self._show([], facts, draft.kind)
            return
        db, actor, editing_id = self.db, self.actor, self.editing_id

        def work() -> list[DuplicateCandidate]:
            return dup.likely_duplicates(db, actor, draft, editing_id=editing_id,
                                         limit=SHOWN + 1)

        def done(found: list[DuplicateCandidate]) -> None:
            if self._facts(self._draft()) != facts:
                return  # typed on meanwhile: the search due answers the form
            self._show(found, facts, draft.kind)

        def failed(exc: Exception) -> None:
            # A warning, not a step of the work: it never interrupts the typing with a dialog.
            log.info("duplicate candidates not found: %s", type(exc).__name__)
            if self._facts(self._draft()) == facts:
                self._show([], facts, draft.kind)

        ReadOp(self, work, done, key="duplicates", failed=failed).run()

    def _show(self, found: list[DuplicateCandidate], facts: Facts, kind: ContactKind) -> None:
        self._found, self._answered, self._kind = found, facts, kind
        self._fill()
        self.search_finished.emit()

    def _fill(self) -> None:
        """The rows for the last answer but those said 「別の方です」 since, the focus kept
        on the panel if it was there."""
        offered = [c for c in self._found if c.contact_id not in self._dismissed]
        self._more = len(offered) > SHOWN
        focused = QApplication.focusWidget()
        inside = focused is not None and self.isAncestorOf(focused)
        place = next(((i, row.distinct_button is focused) for i, row in enumerate(self.rows)
                      if focused in (row.open_button, row.distinct_button)), None)
        old = self.rows
        self.candidates = offered[:SHOWN]
        editing = self.editing_id is not None
        self.rows = [CandidateRow(c, self._kind, editing=editing, parent=self)
                     for c in self.candidates]
        for row in self.rows:
            row.open_button.clicked.connect(
                lambda _checked=False, c=row.candidate: self.open_requested.emit(c))
            row.distinct_button.clicked.connect(
                lambda _checked=False, c=row.candidate: self.say_distinct(c))
            self._rows_box.addWidget(row)
        if self.tab_between is not None and self.rows:
            before, after = self.tab_between
            chain = [before, *(b for row in self.rows
                               for b in (row.open_button, row.distinct_button)), after]
            for first, second in pairwise(chain):
                QWidget.setTabOrder(first, second)
        self.title.setText(f"{words_for(self._kind)[0]}。保存はこのままでもできます。")
        self.more.setVisible(self._more)
        if inside:
            # Before the old rows go: a focused widget hidden hands the focus on by itself.
            if self.rows and place is not None:
                row = self.rows[min(place[0], len(self.rows) - 1)]
                (row.distinct_button if place[1] else row.open_button).setFocus()
            elif self.tab_between is not None:
                self.tab_between[1].setFocus()  # the list worked through: on to what follows
        for row in old:
            row.hide()
            row.deleteLater()
        self.setVisible(bool(self.rows))

    # --- 別の方です -------------------------------------------------------------------------
    def say_distinct(self, candidate: DuplicateCandidate) -> None:
        """「別の方です」: the candidate goes, and is never offered again with this record."""
        other = candidate.contact_id
        if other in self._dismissed:
            return
        self._dismissed.add(other)
        self._fill()
        if self.editing_id is None:
            self.distinct_changed.emit()
        else:
            db, actor, editing_id = self.db, self.actor, self.editing_id

            def failed(exc: Exception) -> None:
                self._dismissed.discard(other)
                show_failure(self, exc, reading=False)
                self.search_now()

            WriteOp(self, lambda: dup.mark_distinct(db, actor, editing_id, other),
                    lambda _none: None, failed=failed).run()
        if self._more:
            self.search_now()  # the next candidate takes its place
