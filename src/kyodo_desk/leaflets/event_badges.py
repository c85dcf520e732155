"""名札 (name badges): A4 sheets of ten cut-out badges (2 × 5, 89 × 53 mm, to fit a common
name-badge holder), one per person expected at the door (each of a sign-up's party, its
seats confirmed or attended), in reading order as the door lists are: the event small at
the top, the よみ small above the name, the name as large as its length allows, and the
booth number at a fair. Thin rules mark where to cut.

A sign-up names one person (or one group) however large its party: the first badge bears
that name; each other one of a person's party bears it too, with 「（同行者）」 under it, as
the counter knows the companions only as that person's. A group's badges all bear the
group's name alike: every one of them comes as the group."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.reading_order import by_reading
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.event_text import EXPECTED
from kyodo_desk.leaflets.japanese_lines import JaParagraph, balanced_width
from kyodo_desk.leaflets.style import Emphasis, Kit, fitted_line, markup

if TYPE_CHECKING:
    from kyodo_desk.services.events.prints import EventPrintData

TITLE = "名札"
COLUMNS, ROWS = 2, 5
BADGE_W, BADGE_H = 89 * mm, 53 * mm  # ten fill the kit's frame (178 × 266 mm) exactly
NAME_MAX, NAME_ONE_LINE_MIN, NAME_MIN = 30.0, 15.0, 7.0  # points
NONE_TO_PRINT = "名札を作る申込がありません（受付済・出席の申込がありません）。"
COMPANION = "（同行者）"


def build(data: EventPrintData, *, info: LeafletInfo, today: date) -> bytes:
    e = data.event
    people = by_reading(data.with_status(EXPECTED), lambda r: r.contact_reading,
                        lambda r: r.contact_name)
    if not people:
        raise UserError(NONE_TO_PRINT)
    heading = event_text.split_title(e.title)[0]

    def compose(kit: Kit) -> list[Any]:
        badges = [NameBadge(kit, r.contact_name, r.contact_reading, heading,
                            f"ブース {r.booth_number}" if r.booth_number else "",
                            under=COMPANION if n and not r.is_group else "")
                  for r in people for n in range(r.party_size)]
        return [_sheet(kit, badges)]

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{TITLE}　{e.title}", numbered=True),
                         subject=f"{TITLE}　{e.title}")


def _sheet(kit: Kit, badges: Sequence[Flowable]) -> Any:
    cells: list[Any] = list(badges)
    cells += [""] * (-len(cells) % COLUMNS)
    rows = [cells[i:i + COLUMNS] for i in range(0, len(cells), COLUMNS)]
    table = kit.table(rows, [BADGE_W] * COLUMNS, [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ])
    table.hAlign = "CENTER"
    return table


class NameBadge(Flowable):
    """One badge: a stripe with the event, the よみ, the name shrunk until it fits (on two
    even lines when one would be too small to read), and an optional line at the foot."""

    def __init__(self, kit: Kit, name: str, reading: str, event: str, foot: str, *,
                 under: str = "") -> None:
        super().__init__()
        self.kit = kit
        self.width, self.height = BADGE_W, BADGE_H
        self.pad = 5 * mm
        self.stripe_h = 9 * mm
        p = kit.palette
        inner = self.width - 2 * self.pad
        self.event = _one_line(kit, event, inner, 8.0, p.paper, bold=True)
        self.reading = _one_line(kit, reading, inner, 8.0, p.muted) if reading else None
        self.foot = kit.emph(foot, "body", color=p.accent_dark, align=TA_CENTER) \
            if foot else None
        # A companion's mark under the name, the size of the よみ's.
        self.under = _one_line(kit, under, inner, 9.0, p.muted) if under else None
        self.reading_h = self.reading.wrap(inner, self.height)[1] if self.reading else 0.0
        self.under_h = self.under.wrap(inner, self.height)[1] if self.under else 0.0
        self.foot_h = self.foot.wrap(inner, self.height)[1] if self.foot else 0.0
        space = (self.height - 2 * mm - self.stripe_h - 1.6 * self.pad - self.reading_h
                 - self.under_h - self.foot_h)
        self.name, self.name_w, self.name_h = _fitted_name(kit, name, inner, space)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        p = self.kit.palette
        w, h, pad = self.width, self.height, self.pad
        # The stripe keeps clear of the cut line, so a cut a little off leaves no colour on
        # the neighbouring badge.
        bleed = 2 * mm
        stripe_y = h - bleed - self.stripe_h
        c.saveState()
        c.setFillColor(p.primary)
        c.roundRect(bleed, stripe_y, w - 2 * bleed, self.stripe_h, 1.5 * mm, stroke=0, fill=1)
        c.rect(bleed, stripe_y, w - 2 * bleed, 1.5 * mm, stroke=0, fill=1)
        c.setFillColor(p.accent)
        c.rect(bleed, stripe_y - 1.2, w - 2 * bleed, 1.2, stroke=0, fill=1)
        # The cut line: shared by neighbouring badges, so one cut serves both.
        c.setStrokeColor(p.rule)
        c.setLineWidth(0.5)
        c.setDash(3, 2)
        c.rect(0, 0, w, h, stroke=1, fill=0)
        c.restoreState()
        ew, eh = self.event.wrap(w - 2 * pad, self.stripe_h)
        self.event.drawOn(c, (w - ew) / 2, stripe_y + (self.stripe_h - eh) / 2)
        # The name sits in the middle of what the stripe and the foot leave, the よみ on it.
        top = stripe_y - pad * 0.6
        bottom = pad + self.foot_h
        block = self.reading_h + self.name_h + self.under_h
        y = bottom + (top - bottom - block) / 2 + self.under_h
        if self.under is not None:
            self.under.drawOn(c, pad, y - self.under_h)
        self.name.drawOn(c, (w - self.name_w) / 2, y)
        if self.reading is not None:
            self.reading.drawOn(c, pad, y + self.name_h)
        if self.foot is not None:
            self.foot.drawOn(c, pad, pad * 0.7)


def _one_line(kit: Kit, text: str, width: float, size: float, color: Any, *,
              bold: bool = False) -> Flowable:
    """*text* on one line: smaller down to 5 pt, then cut with …."""
    text, size = fitted_line(text, kit.font, size, width, min_size=5.0)
    style = kit.style("small", fontSize=size, leading=size * 1.25, alignment=TA_CENTER,
                      textColor=color)
    para = JaParagraph(markup(text), style)
    return Emphasis(para, color, size * 0.03) if bold else para


def _fitted_name(kit: Kit, name: str, width: float,
                 height: float) -> tuple[Emphasis, float, float]:
    """The name at the largest size that fits *width* × *height*: one line while that is
    at least NAME_ONE_LINE_MIN points, else two even lines (then three) down to NAME_MIN."""
    colour = kit.palette.text
    size = NAME_MAX
    one_line = min(NAME_MAX, width / max(stringWidth(name, kit.font, 1.0), 1e-6) * 0.98)
    if one_line >= NAME_ONE_LINE_MIN:
        size = one_line
    else:
        size = NAME_ONE_LINE_MIN
        while size > NAME_MIN:
            if _para(kit, name, size).wrap(width, height)[1] <= height:
                break
            size -= 0.5
    para = _para(kit, name, size)
    used = balanced_width(para, width, height)
    name_h = para.wrap(used, height)[1]
    return Emphasis(para, colour, size * 0.03), used, name_h


def _para(kit: Kit, name: str, size: float) -> JaParagraph:
    style = kit.style("display", fontSize=size, leading=size * 1.2, alignment=TA_CENTER)
    return JaParagraph(markup(name), style)
