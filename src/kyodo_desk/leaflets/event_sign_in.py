"""出席簿 (sign-in sheet): for each session, the people expected at the door in reading order
(よみ, then the name) under あ行・か行 … guides, so a name is found at a glance, with room to
sign (署名) and to mark attendance (出席), and a few blank rows for those who come on the day
(当日参加), kept on the page of the last name. Each session starts on a page of its own, so
the sheet of the day can be taken to the door; its pages are counted apart (「第2回 2/3」) and
each page after its first names the session at its head.

Called 出席簿, not 受付簿: 受付 is the accepting of a sign-up (domain/events.py), and this
sheet records who came."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import Flowable, PageBreak

from kyodo_desk.domain.reading_order import with_guides
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.event_text import EXPECTED
from kyodo_desk.leaflets.style import FOOTER_Y, MARGIN_X, PAGE_SIZE, TYPE_SCALE, Group, Kit

if TYPE_CHECKING:
    from kyodo_desk.services.events import EventSessionInfo
    from kyodo_desk.services.events.prints import EventPrintData
    from kyodo_desk.services.events.registrations import RegistrationInfo

TITLE = "出席簿"
WALK_IN_ROWS = 5
WALK_IN = "当日"
GOES_ON = "（つづき）"


@dataclass
class _Starts:
    """The page each session's block starts on, as the build lays them out."""

    pages: list[tuple[int, int]] = field(default_factory=list)  # (page, session index)


class _SessionStart(Flowable):
    """Takes no room; notes the page its session starts on when it is drawn."""

    def __init__(self, starts: _Starts, index: int) -> None:
        super().__init__()
        self.starts, self.index = starts, index
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.starts.pages.append((self.canv.getPageNumber(), self.index))


def session_name(index: int, count: int) -> str:
    """「第2回」 for a course of several sessions; "" for a single day."""
    return f"第{index + 1}回" if count > 1 else ""


def page_label(index: int, count: int, page: int, pages: int) -> str:
    """The page within its session: 「第2回 2/3」, or 「2/3」 for a single day."""
    return " ".join(filter(None, (session_name(index, count), f"{page}/{pages}")))


def build(data: EventPrintData, *, info: LeafletInfo, today: date) -> bytes:
    e = data.event
    department = event_text.department(e)
    expected = data.with_status(EXPECTED)
    sessions = list(e.sessions)
    count = len(sessions)
    starts = _Starts()

    def compose(kit: Kit) -> list[Any]:
        starts.pages.clear()  # a build again at another scale counts afresh
        story: list[Any] = []
        for index, session in enumerate(sessions):
            if story:
                story.append(PageBreak())
            story += [
                _SessionStart(starts, index),
                # The label on a line of its own: 第1回 is never broken after 第.
                kit.title_band(department, TITLE, event_text.title_lines(e.title),
                               date_text="\n".join(filter(None, (
                                   event_text.session_text(session, label=False),
                                   session.label)))),
                kit.spacer(4),
                kit.para(f"会場　{e.venue_name}　　予定 {len(expected)}組 "
                         f"{sum(r.party_size for r in expected)}名", "small",
                         color=kit.palette.muted, space_after=4),
                _sheet(kit, expected),
            ]
        return story

    def finish(kit: Kit) -> Any:
        def draw(canvas: Any, page: int, pages: int) -> None:
            begun = [(start, index) for start, index in starts.pages if start <= page]
            if not begun:
                return
            start, index = begun[-1]
            later = [s for s, _ in starts.pages if s > page]
            end = later[0] - 1 if later else pages
            canvas.saveState()
            canvas.setFont(kit.font, TYPE_SCALE["note"])
            canvas.setFillColor(kit.palette.muted)
            canvas.drawRightString(PAGE_SIZE[0] - MARGIN_X, FOOTER_Y,
                                   page_label(index, count, page - start + 1, end - start + 1))
            canvas.restoreState()
            if page > start:
                kit.running_head(canvas, _running_head(sessions, index, e.title))

        return draw

    widest = page_label(count - 1, count, 99, 99)
    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{TITLE}　{e.title}", room=widest),
                         finish=finish, subject=f"{TITLE}　{e.title}")


def _running_head(sessions: Sequence[EventSessionInfo], index: int, title: str) -> str:
    """「出席簿　第2回　令和8年12月12日（土）13:30～15:00　実践編（つづき）　市民活動…」: the session
    first, as the cut may take the end of a long title."""
    session = sessions[index]
    nth = session_name(index, len(sessions))
    label = session.label if session.label and session.label != nth else ""
    if nth and label.startswith(nth):
        nth = ""
    when = event_text.session_text(session, label=False)
    return "　".join(filter(None, (TITLE, nth, when, label))) + GOES_ON + "　" + title


def _sheet(kit: Kit, regs: Sequence[RegistrationInfo]) -> Any:
    """The rows to sign, in reading order with a guide row where the kana row changes: a name
    with its よみ above it and 人数, then empty 署名 and 出席 cells tall enough to write in.
    No 配慮事項: every signer reads the sheet at the door, and what a person asked for
    (health, a wheelchair) is theirs; staff have it on the 参加者名簿."""
    p = kit.palette
    rows: list[list[Any]] = []
    guides: list[int] = []
    for guide, r in with_guides(regs, lambda r: r.contact_reading, lambda r: r.contact_name):
        if guide:
            guides.append(len(rows))
            rows.append([guide, "", "", "", ""])
        name: list[Any] = [kit.para(r.contact_reading, "note", color=p.muted)] \
            if r.contact_reading else []
        name.append(kit.para(r.contact_name, "body"))
        rows.append([str(r.queue_number), Group(name), f"{r.party_size}名",
                     kit.spacer(22), ""])
    rows += [[WALK_IN, "", "", kit.spacer(22), ""] for _ in range(WALK_IN_ROWS)]
    return kit.list_table(["受付番号", "よみ／氏名・団体名", "人数", "署名", "出席"], rows,
                          [0.9, 4.2, 0.7, 4.4, 0.8],
                          align=[TA_RIGHT, TA_LEFT, TA_RIGHT, TA_LEFT, TA_CENTER],
                          guides=guides, keep_end=WALK_IN_ROWS + (1 if regs else 0))
