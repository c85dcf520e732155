"""経過: a case's timeline — moves, documents, payments, notes, deadlines and the consultations
that name the case — oldest first, newest at the bottom, scrolled to the end."""

from __future__ import annotations

import html
from datetime import date, datetime

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser, QWidget

from kyodo_desk.domain.dates import date_and_time, full_date, japan_time
from kyodo_desk.services.grants.cases import TimelineEntry

# kind → (label, colour of its chip)
KINDS = {
    "move": ("段階", "#1f7a4d"), "document": ("書類", "#2f6fb0"),
    "consultation": ("相談", "#a0522d"), "note": ("メモ", "#5b6b7a"),
    "deadline": ("期限", "#b7791f"), "payment": ("支払", "#4a3a8c"),
    "refund": ("返還", "#b3261e"),
}
LINK = "consultation:"


def when_text(when: datetime | date) -> str:
    """'2026年4月10日 10:05' for a moment (in Japan time), '2026年4月10日' for a day."""
    if isinstance(when, datetime):
        return date_and_time(japan_time(when))
    return full_date(when)


def entry_line(entry: TimelineEntry) -> str:
    """One entry as plain text: 日時　種類　内容　記録者."""
    label = KINDS[entry.kind][0]
    parts = [when_text(entry.when), label, "" if entry.title == label else entry.title,
             " ".join(entry.detail.split()), entry.by]
    return "　".join(p for p in parts if p)


class TimelineView(QTextBrowser):
    """The entries as a table; a readable consultation's line opens the record."""

    consultation_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseTimeline")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.entries: tuple[TimelineEntry, ...] = ()
        self._at_end = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._range_changed)
        bar.valueChanged.connect(self._scrolled)

    def show_entries(self, entries: tuple[TimelineEntry, ...], today: date) -> None:
        self.entries = entries
        self._at_end = True  # a case opened, or news arrived: the latest is what is wanted
        if not entries:
            self.setHtml("<p style='color:#666'>まだ経過はありません。</p>")
            return
        rows = "".join(self._row(e, today) for e in entries)
        self.setHtml("<table width='100%' cellspacing='0' cellpadding='4'>" + rows + "</table>")
        self.scroll_to_end()

    def scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def lines(self) -> list[str]:
        return [entry_line(e) for e in self.entries]

    def _range_changed(self, _low: int, high: int) -> None:
        if self._at_end:  # the latest stays in sight as the page grows
            self.verticalScrollBar().setValue(high)

    def _scrolled(self, value: int) -> None:
        self._at_end = value >= self.verticalScrollBar().maximum() - 4

    @staticmethod
    def _row(e: TimelineEntry, today: date) -> str:
        label, colour = KINDS[e.kind]
        ahead = e.day > today  # a deadline still to come
        text_colour = "#8a8a8a" if ahead else "#222"
        title = html.escape(e.title)
        if e.consultation_id is not None:
            title = f"<a href='{LINK}{e.consultation_id}'>{title}</a>"
        detail = html.escape(e.detail).replace("\n", "<br>")
        by = (f" <span style='color:#777'>（{html.escape(e.by)}）</span>" if e.by else "")
        if e.title == label:  # a note: its text is what there is to read
            body = detail + by
        else:
            body = f"<b>{title}</b>{by}" + (f"<br><span style='color:#555'>{detail}</span>"
                                            if detail else "")
        if ahead:
            body = f"<i>{body}（予定）</i>"
        # Who recorded it follows the text: a column of its own squeezed the text column
        # whenever a name was long.
        return (
            "<tr>"
            f"<td style='color:#555; white-space:nowrap' valign='top'>{when_text(e.when)}</td>"
            f"<td valign='top' style='white-space:nowrap'><span style='background:{colour};"
            f" color:white'>&nbsp;{label}&nbsp;</span></td>"
            f"<td valign='top' width='100%' style='color:{text_colour}'>{body}</td>"
            "</tr>")

    def _clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith(LINK):
            self.consultation_clicked.emit(int(text[len(LINK):]))
