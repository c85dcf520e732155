"""修了証 (certificates of completion): one A4 page for each graduate of a つむぎすと講座.

A formal, centred page inside a double rule: 修了証 at the head, the 期生, the name, the
sentence that certifies the completion (the course, its sessions attended of all), the
course's sessions, the date of issue in the era, and the issuer (秋田市) with the issuing
department as the summary edition names it.

It is handed to the person, as the receipt (受付票) is: a print for the public (no 取扱注意,
no audit row of its own), showing of the person only the name. Reading the completers to make
it is logged by the service (services/events/completion.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak

from kyodo_desk.domain.dates import DateStyle, date_with_weekday, era_date, full_date
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.japanese_lines import JaParagraph
from kyodo_desk.leaflets.style import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_SIZE,
    Emphasis,
    Kit,
    markup,
)

if TYPE_CHECKING:
    from kyodo_desk.services.events import EventSessionInfo
    from kyodo_desk.services.events.completion import Attendee, CertificateData

TITLE = "修了証"
ISSUER = "秋田市"
# Past this many sessions the course's days are given as a span, not a line each.
LISTED_SESSIONS = 8
ERA = DateStyle.ERA  # a certificate is dated in the era, whatever the prints' setting


def build(data: CertificateData, *, info: LeafletInfo, today: date) -> bytes:
    """One page per graduate of *data* (certificate_data refuses a course with none)."""
    e = data.event
    department = event_text.department(e)
    issued = era_date(today)
    schedule = sessions_lines(e.sessions)
    cohort = f"第{e.cohort}期生" if e.cohort is not None else ""

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = []
        for n, person in enumerate(data.graduates):
            if n:
                story.append(PageBreak())
            story.append(CertificatePage(
                kit, _head(kit, cohort), _body(kit, person, e.title, cohort,
                                               len(e.sessions), schedule),
                _foot(kit, issued, department)))
        return story

    return fitting.build(info, compose, scales=(1.0,), decorate=_border,
                         subject=f"{TITLE}　{e.title}",
                         data_key=(e, data.graduates, issued))


def sessions_lines(sessions: tuple[EventSessionInfo, ...]) -> list[str]:
    """The course's days: a line a session (its label, or 第n回), or, for a long course, its
    span and count."""
    if len(sessions) > LISTED_SESSIONS:
        first, last = sessions[0].held_on, sessions[-1].held_on
        return [f"{full_date(first, ERA)}～{full_date(last, ERA)}（全{len(sessions)}回）"]
    return [f"{s.label or f'第{n}回'}　{date_with_weekday(s.held_on, ERA)}"
            for n, s in enumerate(sessions, start=1)]


def certified_text(person: Attendee, session_count: int) -> str:
    """The sentence that certifies, in two lines: the sessions attended of all, and the
    completion (the course is named under it)."""
    return (f"あなたは下記の講座において全{session_count}回のうち{person.attended}回に出席し\n"
            "所定の課程を修了されたことをここに証します")


def _head(kit: Kit, cohort: str) -> list[Flowable]:
    p = kit.palette
    parts: list[Flowable] = [_centred(kit, "修　了　証", 40, p.primary_dark, bold=True)]
    if cohort:
        parts += [kit.spacer(10), kit.para(cohort, "title", color=p.accent_dark,
                                           align=TA_CENTER)]
    return parts


def _body(kit: Kit, person: Attendee, title: str, cohort: str, session_count: int,
          schedule: list[str]) -> list[Flowable]:
    p = kit.palette
    name = _centred(kit, f"{person.name}　様", 26, p.text, bold=True)
    sentence = _centred(kit, certified_text(person, session_count), 14, p.text, leading=1.9)
    course = f"「{title}」"  # its 期生 stands under 修了証
    return [
        name,
        kit.spacer(4),
        Rule(kit, 110 * mm),
        kit.spacer(22),
        sentence,
        kit.spacer(20),
        kit.emph("記", "subheading", color=p.primary_dark, align=TA_CENTER),
        kit.spacer(8),
        _centred(kit, course, 13, p.primary_dark, bold=True, leading=1.5),
        kit.spacer(6),
        _centred(kit, "\n".join(schedule), 10, p.muted, leading=1.55),
    ]


def _foot(kit: Kit, issued: str, department: str) -> list[Flowable]:
    p = kit.palette
    return [
        kit.para(issued, "title", align=TA_CENTER),
        kit.spacer(14),
        kit.emph(ISSUER, "title", color=p.text, align=TA_CENTER),
        kit.spacer(4),
        kit.para(department, "subheading", align=TA_CENTER),
    ]


def _centred(kit: Kit, text: str, size: float, color: Any, *, bold: bool = False,
             leading: float = 1.3) -> Flowable:
    """*text* centred at *size* points of the design (the kit's scale applied); set as a
    heading, so a katakana word of the course's title stays whole on its line."""
    points = kit.pt(size)
    para = JaParagraph(markup(text), kit.style(
        "display", fontSize=points, leading=points * leading, alignment=TA_CENTER,
        textColor=color, wholeWords=True))
    return Emphasis(para, color, points * 0.03) if bold else para


class Rule(Flowable):
    """A short centred line under the name."""

    def __init__(self, kit: Kit, length: float) -> None:
        super().__init__()
        self.kit, self.length = kit, length

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, 2.0

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(self.kit.palette.accent)
        c.setLineWidth(1.2)
        x = (self.width - self.length) / 2
        c.line(x, 1, x + self.length, 1)
        c.restoreState()


class CertificatePage(Flowable):
    """The whole frame of one page: the head from the top, the body below it at about a
    third of the page, the foot from the bottom; shrunk as a whole if a very long title or
    name would make them meet, so a certificate always keeps to its page."""

    INSET = 14 * mm  # clear of the border

    def __init__(self, kit: Kit, head: list[Flowable], body: list[Flowable],
                 foot: list[Flowable]) -> None:
        super().__init__()
        self.kit, self.parts = kit, (head, body, foot)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, availHeight
        inner = availWidth - 2 * self.INSET
        self.heights = [[f.wrap(inner, availHeight)[1] + f.getSpaceAfter() for f in part]
                        for part in self.parts]
        return availWidth, availHeight

    def draw(self) -> None:
        c = self.canv
        inner_w = self.width - 2 * self.INSET
        head_h, body_h, foot_h = (sum(h) for h in self.heights)
        room = self.height - 2 * self.INSET
        gap = self.kit.pt(28)
        needed = head_h + body_h + foot_h + 2 * gap
        scale = min(1.0, room / needed) if needed else 1.0
        c.saveState()
        c.translate(self.INSET, self.INSET)
        c.scale(scale, scale)
        height = room / scale
        width = inner_w / scale
        # The body starts a third of the way down, or just under the head if it is taller.
        body_top = min(height - head_h - gap, height * 0.68)
        body_top = max(body_top, foot_h + gap + body_h)
        for part, heights, top in ((self.parts[0], self.heights[0], height),
                                   (self.parts[1], self.heights[1], body_top),
                                   (self.parts[2], self.heights[2], foot_h)):
            y = top
            for flowable, h in zip(part, heights, strict=True):
                y -= h
                flowable.wrap(inner_w, height)
                flowable.drawOn(c, (width - inner_w) / 2, y + flowable.getSpaceAfter())
        c.restoreState()


def _border(kit: Kit) -> Any:
    """The page's double rule, with a small mark at each corner; no footer (the page is the
    person's to keep)."""
    p = kit.palette

    def draw(canvas: Any, _doc: Any) -> None:
        w, h = PAGE_SIZE
        canvas.saveState()
        outer_x, outer_bottom, outer_top = MARGIN_X - 6 * mm, MARGIN_BOTTOM - 6 * mm, \
            MARGIN_TOP - 6 * mm
        canvas.setStrokeColor(p.primary)
        canvas.setLineWidth(2.4)
        canvas.rect(outer_x, outer_bottom, w - 2 * outer_x, h - outer_bottom - outer_top)
        gap = 2.5 * mm
        canvas.setStrokeColor(p.accent)
        canvas.setLineWidth(0.8)
        canvas.rect(outer_x + gap, outer_bottom + gap, w - 2 * (outer_x + gap),
                    h - outer_bottom - outer_top - 2 * gap)
        canvas.setFillColor(p.primary)
        size = 3 * mm
        for x, y in ((outer_x, outer_bottom), (w - outer_x, outer_bottom),
                     (outer_x, h - outer_top), (w - outer_x, h - outer_top)):
            canvas.rect(x - size / 2, y - size / 2, size, size, stroke=0, fill=1)
        canvas.restoreState()

    return draw
