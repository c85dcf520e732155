"""The leaflet kit: one colour scheme, one type scale and the reusable flowables of the
summary edition (概要版), for every leaflet.

Nothing here knows a particular leaflet: each leaflet module hands the kit its text and data.
A `Kit` is made for one build at one scale (1.0 = the type scale as designed); fitting.py
rebuilds with a smaller scale when the content overflows its pages.

Japanese text goes through `JaParagraph` (japanese_lines.py), which breaks lines by the kinsoku rules (no line
starts with 、。」）・ etc. nor ends with 「（〒), keeps Latin words, numbers and URLs whole
where they fit, and never lets a character hang into the margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from kyodo_desk.leaflets import render_cache
from kyodo_desk.leaflets.fonts import ensure_registered
from kyodo_desk.leaflets.japanese_lines import JaParagraph, balanced_width

# --- page -----------------------------------------------------------------------------------

PAGE_SIZE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 14 * mm
MARGIN_BOTTOM = 17 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X
CONTENT_HEIGHT = PAGE_SIZE[1] - MARGIN_TOP - MARGIN_BOTTOM
# The mark on every page of a print for the staff (Audience.STAFF: 名簿, カルテ, 審査表 …).
STAFF_ONLY = "取扱注意"


# --- colours --------------------------------------------------------------------------------

class Palette:
    """The colours of every leaflet: a deep teal-blue for the city, green for citizens,
    orange for marks and numbers. Subclass it to try another scheme."""

    primary: Color = HexColor("#1B6B8F")
    primary_dark: Color = HexColor("#12485F")
    primary_tint: Color = HexColor("#DCECF3")
    primary_pale: Color = HexColor("#F1F7FA")
    citizen: Color = HexColor("#2E8A57")
    citizen_dark: Color = HexColor("#1E5E3B")
    citizen_tint: Color = HexColor("#E4F3EA")
    accent: Color = HexColor("#E07A22")
    accent_dark: Color = HexColor("#A5540F")
    accent_tint: Color = HexColor("#FCEEDF")
    text: Color = HexColor("#1E272C")
    muted: Color = HexColor("#56656D")
    rule: Color = HexColor("#B9CDD6")
    arrow: Color = HexColor("#7FA9BC")
    paper: Color = white


PALETTE = Palette()

# --- type scale (points at scale 1.0) and leading ratios ------------------------------------

TYPE_SCALE: dict[str, float] = {
    "display": 24.0,  # the title in the band
    "title": 14.0,  # band subtitle, large labels
    "heading": 12.0,  # section headings
    "subheading": 10.5,  # point headings, facility names
    "body": 9.0,  # running text
    "small": 8.0,  # boxes, contact details
    "note": 7.2,  # glossary, footer
}
LEADING: dict[str, float] = {
    "display": 1.25, "title": 1.3, "heading": 1.35, "subheading": 1.4,
    "body": 1.55, "small": 1.45, "note": 1.45,
}


def escape(text: str) -> str:
    """Text safe inside Paragraph markup (xml.sax.saxutils costs 17 ms of imports)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup(text: str, accent: Color | None = None) -> str:
    """Plain text as Paragraph markup: escaped, newlines kept, ※n marks in the accent colour."""
    out = escape(text).replace("\n", "<br/>")
    if accent is None:
        return out
    parts = out.split("※")
    if len(parts) == 1:
        return out
    colour = accent.hexval().replace("0x", "#")
    rebuilt = [parts[0]]
    for part in parts[1:]:
        digits = len(part) - len(part.lstrip("0123456789"))
        rebuilt.append(f'<font color="{colour}">※{part[:digits]}</font>{part[digits:]}')
    return "".join(rebuilt)


# --- small flowables ------------------------------------------------------------------------

class Emphasis(Flowable):
    """Draws a flowable's text filled and stroked (PDF text render mode 2): the bold face
    IPAexGothic lacks, without a second font and without doubling the text."""

    def __init__(self, inner: Flowable, color: Color, weight: float) -> None:
        super().__init__()
        self.inner = inner
        self.color = color
        self.weight = weight

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return [Emphasis(part, self.color, self.weight)
                for part in self.inner.split(availWidth, availHeight)]

    def getSpaceBefore(self) -> float:
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.inner.getSpaceAfter()

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(self.color)
        canvas.setLineWidth(self.weight)
        canvas.setLineJoin(1)
        mode = canvas.beginText()
        mode.setTextRenderMode(2)  # text state outlives the text object, until restoreState
        canvas.drawText(mode)
        self.inner.drawOn(canvas, 0, 0)
        canvas.restoreState()


class Group(Flowable):
    """Flowables stacked as one block that never splits (unlike KeepTogether, it also
    works inside a table cell)."""

    def __init__(self, parts: Sequence[Flowable]) -> None:
        super().__init__()
        self.parts = list(parts)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.heights = [part.wrap(availWidth, availHeight)[1] for part in self.parts]
        self.height = sum(self.heights)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        y = self.height
        for part, h in zip(self.parts, self.heights, strict=True):
            y -= h
            part.drawOn(self.canv, 0, y)


class Sized(Flowable):
    """A flowable made for the width it is given: tables get column widths in points from
    the space they are actually in (ReportLab's percentage widths are weights, not shares).
    Space before/after and keepWithNext belong to this wrapper."""

    def __init__(self, make: Callable[[float], Flowable]) -> None:
        super().__init__()
        self.make = make
        self.made: Flowable | None = None
        self.made_for = -1.0

    def _for(self, width: float) -> Flowable:
        if self.made is None or abs(self.made_for - width) > 0.01:
            self.made = self.make(width)
            self.made_for = width
        return self.made

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self._for(availWidth).wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts = self._for(availWidth).split(availWidth, availHeight)
        if parts:
            parts[0].spaceBefore = getattr(self, "spaceBefore", 0)
            parts[-1].spaceAfter = getattr(self, "spaceAfter", 0)
        return parts

    def draw(self) -> None:
        assert self.made is not None
        self.made.drawOn(self.canv, 0, 0)


class Badge(Flowable):
    """A filled circle with a number or a short word centred in it."""

    def __init__(self, text: str, diameter: float, fill: Color, font: str, font_size: float,
                 text_color: Color = white) -> None:
        super().__init__()
        self.text = text
        self.diameter = diameter
        self.fill = fill
        self.font = font
        self.font_size = font_size
        self.text_color = text_color
        self.width = self.height = diameter

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.diameter, self.diameter

    def draw(self) -> None:
        r = self.diameter / 2
        c = self.canv
        c.setFillColor(self.fill)
        c.circle(r, r, r, stroke=0, fill=1)
        c.setFillColor(self.text_color)
        c.setFont(self.font, self.font_size)
        c.drawCentredString(r, r - self.font_size * 0.36, self.text)


class Pill(Flowable):
    """A short label on a rounded coloured ground, centred in the space it is given."""

    def __init__(self, kit: Kit, text: str, fill: Color, role: str = "small") -> None:
        super().__init__()
        self.kit = kit
        self.fill = fill
        self.label = kit.para(text, role, color=kit.palette.paper, align=TA_CENTER)
        self.text_w = stringWidth(text, kit.font, kit.size(role))
        self.pad = kit.pt(9)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.pill_w = min(availWidth, self.text_w + 2 * self.pad + 1)
        self.label_h = self.label.wrap(self.pill_w - 2 * self.pad, availHeight)[1]
        self.height = self.label_h + self.kit.pt(5)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        x = (self.width - self.pill_w) / 2
        c.saveState()
        c.setFillColor(self.fill)
        c.roundRect(x, 0, self.pill_w, self.height, min(self.height / 2, self.kit.pt(8)),
                    stroke=0, fill=1)
        c.restoreState()
        self.label.drawOn(c, x + self.pad, self.kit.pt(2.5) + self.label.style.fontSize * 0.05)


class DoubleArrow(Flowable):
    """A horizontal double-headed arrow shading from one colour to another, with end labels."""

    def __init__(self, left: Color, right: Color, height: float) -> None:
        super().__init__()
        self.left = left
        self.right = right
        self.height = height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        c = self.canv
        h = self.height
        head = h * 1.1
        bar = h * 0.36
        steps = 24
        span = self.width - 2 * head
        for i in range(steps):
            t = i / (steps - 1)
            c.setFillColor(_mix(self.left, self.right, t))
            c.rect(head + span * i / steps - 0.3, (h - bar) / 2, span / steps + 0.6, bar,
                   stroke=0, fill=1)
        for x0, tip, colour in ((head, 0.0, self.left), (self.width - head, self.width,
                                                          self.right)):
            c.setFillColor(colour)
            path = c.beginPath()
            path.moveTo(tip, h / 2)
            path.lineTo(x0, h)
            path.lineTo(x0, 0)
            path.close()
            c.drawPath(path, stroke=0, fill=1)


def _mix(a: Color, b: Color, t: float) -> Color:
    return Color(a.red + (b.red - a.red) * t, a.green + (b.green - a.green) * t,
                 a.blue + (b.blue - a.blue) * t)


class TitleBand(Flowable):
    """The coloured band at the head of a leaflet: the issuing department, the catch-phrase
    title across the band's width, then the subtitle with the issuer and date at the right."""

    def __init__(self, kit: Kit, department: str, title: str, subtitle: str, issuer: str,
                 date_text: str) -> None:
        super().__init__()
        self.kit = kit
        p = kit.palette
        self.pad = kit.pt(11)
        self.stripe = kit.pt(4)
        self.gap = kit.pt(5)
        self.department = kit.para(department, "small", color=p.primary_tint)
        self.title = kit.emph(title, "display", color=p.paper)
        self.subtitle = (kit.para(subtitle, "title", color=p.paper, whole_words=True)
                         if subtitle else None)
        side = "　".join(t for t in (issuer, date_text) if t)
        self.side_text = side
        self.side = (kit.para(side, "body", color=p.paper, align=TA_RIGHT) if side else None)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        k, pad = self.kit, self.pad
        self.width = availWidth
        inner = availWidth - 2 * pad
        self.side_w = 0.0
        self.side_h = 0.0
        if self.side is not None:
            natural = max(stringWidth(line, k.font, k.size("body"))
                          for line in self.side_text.splitlines()) + 1
            self.side_w = min(inner * 0.35, natural)
            self.side_h = self.side.wrap(self.side_w, availHeight)[1]
        sub_w = inner - (self.side_w + k.pt(12) if self.side is not None else 0)
        self.dept_h = self.department.wrap(inner, availHeight)[1]
        # A title of several lines breaks into even ones, not a word left alone on the last.
        title_w = balanced_width(self.title.inner, inner, availHeight)
        self.title_h = self.title.wrap(title_w, availHeight)[1]
        self.sub_h = 0.0
        if self.subtitle is not None:
            sub_w = balanced_width(self.subtitle, sub_w, availHeight)
            self.sub_h = self.subtitle.wrap(sub_w, availHeight)[1]
        self.bottom_h = max(self.sub_h, self.side_h)
        self.height = (pad + self.dept_h + self.gap + self.title_h
                       + (self.gap + self.bottom_h if self.bottom_h else 0) + pad + self.stripe)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        p = self.kit.palette
        w, h, pad, stripe = self.width, self.height, self.pad, self.stripe
        radius = self.kit.pt(6)
        c.saveState()
        c.setFillColor(p.accent)
        c.roundRect(0, 0, w, h, radius, stroke=0, fill=1)
        c.setFillColor(p.primary)
        c.roundRect(0, stripe, w, h - stripe, radius, stroke=0, fill=1)
        c.rect(0, stripe, w, radius, stroke=0, fill=1)
        # two soft circles at the right, cut by the band's edge
        path = c.beginPath()
        path.roundRect(0, stripe, w, h - stripe, radius)
        c.clipPath(path, stroke=0, fill=0)
        c.setFillColor(p.paper)
        c.setFillAlpha(0.08)
        c.circle(w - h * 0.35, h * 0.95, h * 0.75, stroke=0, fill=1)
        c.circle(w - h * 1.05, stripe - h * 0.1, h * 0.5, stroke=0, fill=1)
        c.restoreState()
        y = h - pad - self.dept_h
        self.department.drawOn(c, pad, y)
        y -= self.gap + self.title_h
        self.title.drawOn(c, pad, y)
        base = stripe + pad
        if self.subtitle is not None:
            self.subtitle.drawOn(c, pad, base + self.bottom_h - self.sub_h)
        if self.side is not None:
            self.side.drawOn(c, w - pad - self.side_w, base)


class CycleDiagram(Flowable):
    """Stages around a ring with arrows from each to the next (PLAN → DO → CHECK → ACT →),
    clockwise from the top left; each stage's description sits outside the ring."""

    def __init__(self, kit: Kit, stages: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        if len(stages) < 3:
            raise ValueError("a cycle needs at least three stages")
        self.kit = kit
        self.stages = list(stages)
        p = kit.palette
        self.node_r = kit.pt(21)
        self.ring_r = kit.pt(56)
        self.fills = [p.primary, p.citizen, p.accent, p.primary_dark]
        self.texts = [
            JaParagraph(markup(text), kit.style(
                "body", alignment=TA_RIGHT if self._angle(i) > 90 or self._angle(i) < -90
                else TA_LEFT))
            for i, (_, _, text) in enumerate(self.stages)
        ]

    def _angle(self, i: int) -> float:
        """Degrees of stage *i* on the ring: 135 for the first, then clockwise."""
        a = 135.0 - 360.0 * i / len(self.stages)
        return (a + 180.0) % 360.0 - 180.0

    def _centre(self, i: int) -> tuple[float, float]:
        a = math.radians(self._angle(i))
        return self.cx + self.ring_r * math.cos(a), self.cy + self.ring_r * math.sin(a)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        k = self.kit
        self.width = availWidth
        self.cx = availWidth / 2
        reach = max(abs(math.cos(math.radians(self._angle(i))))
                    for i in range(len(self.stages))) * self.ring_r + self.node_r
        self.text_w = max(k.pt(40), self.cx - reach - k.pt(12))
        self.widths = [balanced_width(t, self.text_w, availHeight) for t in self.texts]
        heights = [t.wrap(w, availHeight)[1] for t, w in zip(self.texts, self.widths,
                                                              strict=True)]
        ring_h = 2 * (self.ring_r * max(abs(math.sin(math.radians(self._angle(i))))
                                        for i in range(len(self.stages))) + self.node_r)
        pad = k.pt(4)
        self.height = max(ring_h, 2 * max(heights) + k.pt(24)) + 2 * pad
        self.cy = self.height / 2
        self.text_h = heights
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        k = self.kit
        p = k.palette
        n = len(self.stages)
        gap_deg = math.degrees(2 * math.asin(min(1.0, (self.node_r + k.pt(5))
                                                      / (2 * self.ring_r)))) * 1.0
        c.saveState()
        c.setStrokeColor(p.arrow)
        c.setFillColor(p.arrow)
        c.setLineWidth(k.pt(3.2))
        c.setLineCap(0)
        for i in range(n):
            start = self._angle(i) - gap_deg
            sweep = 360.0 / n - 2 * gap_deg
            end = start - sweep
            head = k.pt(9)
            end_head = end + math.degrees(head / self.ring_r) * 0.8
            path = c.beginPath()
            path.arc(self.cx - self.ring_r, self.cy - self.ring_r, self.cx + self.ring_r,
                     self.cy + self.ring_r, startAng=start, extent=end_head - start)
            c.drawPath(path, stroke=1, fill=0)
            ex = self.cx + self.ring_r * math.cos(math.radians(end))
            ey = self.cy + self.ring_r * math.sin(math.radians(end))
            # clockwise tangent at the end point
            tx, ty = math.sin(math.radians(end)), -math.cos(math.radians(end))
            nx, ny = -ty, tx
            bx, by = ex - tx * head, ey - ty * head
            w = head * 0.6
            arrow = c.beginPath()
            arrow.moveTo(ex, ey)
            arrow.lineTo(bx + nx * w, by + ny * w)
            arrow.lineTo(bx - nx * w, by - ny * w)
            arrow.close()
            c.drawPath(arrow, stroke=0, fill=1)
        c.restoreState()
        label_size = k.size("subheading")
        tag_size = k.size("note")
        for i, (label, tag, _) in enumerate(self.stages):
            x, y = self._centre(i)
            fill = self.fills[i % len(self.fills)]
            c.saveState()
            c.setFillColor(fill)
            c.circle(x, y, self.node_r, stroke=0, fill=1)
            c.setFillColor(p.paper)
            c.setStrokeColor(p.paper)
            c.setLineWidth(label_size * 0.035)
            text = c.beginText()
            text.setTextRenderMode(2)
            text.setFont(k.font, label_size)
            text.setTextOrigin(x - c.stringWidth(label, k.font, label_size) / 2,
                               y + label_size * 0.05)
            text.textOut(label)
            c.drawText(text)
            c.setFont(k.font, tag_size)
            c.drawCentredString(x, y - tag_size * 1.25, tag)
            c.restoreState()
            para = self.texts[i]
            th = self.text_h[i]
            ty_ = min(max(y - th / 2, 0.0), self.height - th)
            if x < self.cx:
                para.drawOn(c, x - self.node_r - k.pt(12) - self.widths[i], ty_)
            else:
                para.drawOn(c, x + self.node_r + k.pt(12), ty_)


class Bars(Flowable):
    """A small bar chart (月別の件数, 前年度と今年度): one slot per label, in each slot one bar
    per series side by side, each with its figure above it, the labels under the axis and,
    for several series, a key in the top right. A series may be shorter than the labels (the
    months still to come are left empty); *highlight* (slot index) draws that slot's bars in
    the accent colour. The scale is shared by all bars, so they compare."""

    def __init__(self, kit: Kit, labels: Sequence[str], series: Sequence[Sequence[int]], *,
                 names: Sequence[str] = (), colors: Sequence[Color] = (),
                 highlight: int | None = None, height: float = 60) -> None:
        super().__init__()
        self.kit, self.labels, self.series = kit, list(labels), [list(s) for s in series]
        self.names = list(names)
        self.colors = list(colors) or [kit.palette.rule, kit.palette.primary][-len(series):]
        self.highlight, self.bar_height = highlight, height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.kit.pt(self.bar_height)
        return self.width, self.height

    def draw(self) -> None:
        k, c = self.kit, self.canv
        p = k.palette
        size = k.size("note")
        slot = self.width / max(len(self.labels), 1)
        # A label wider than its slot is set on two lines, halved (Japanese breaks anywhere).
        lines = [_halved(label) if stringWidth(label, k.font, size) > slot * 0.95
                 else [label] for label in self.labels]
        rows = max((len(ls) for ls in lines), default=1)
        base = size * (0.8 + 1.1 * rows)  # room for the labels under the axis
        key = size * 1.6 if len(self.names) > 1 else 0.0
        top = self.height - size * 1.6 - key  # room for the figures over the bars
        per = len(self.series)
        bar_w = slot * 0.6 / per
        highest = max((n for s in self.series for n in s), default=0) or 1
        c.saveState()
        c.setFont(k.font, size)
        for i, label_lines in enumerate(lines):
            centre = slot * (i + 0.5)
            c.setFillColor(p.muted)
            for n, line in enumerate(label_lines):
                c.drawCentredString(centre, size * (0.5 + 1.1 * (len(label_lines) - 1 - n)),
                                    line)
            for j, values in enumerate(self.series):
                if i >= len(values):
                    continue
                n = values[i]
                x = centre - slot * 0.3 + bar_w * j
                bar_h = (top - base) * n / highest
                c.setFillColor(p.accent if i == self.highlight else self.colors[j])
                c.rect(x, base, bar_w, bar_h, stroke=0, fill=1)
                c.setFillColor(p.text)
                c.drawCentredString(x + bar_w / 2, base + bar_h + size * 0.4, f"{n:,}")
        if key:
            x = self.width
            for name, color in reversed(list(zip(self.names, self.colors, strict=False))):
                x -= stringWidth(name, k.font, size)
                c.setFillColor(p.muted)
                c.drawString(x, self.height - size, name)
                x -= size * 1.3
                c.setFillColor(color)
                c.rect(x, self.height - size * 1.05, size, size * 0.9, stroke=0, fill=1)
                x -= size * 1.2
        c.setStrokeColor(p.rule)
        c.setLineWidth(k.pt(0.8))
        c.line(0, base, self.width, base)
        c.restoreState()


def _halved(label: str) -> list[str]:
    middle = (len(label) + 1) // 2
    return [label[:middle], label[middle:]]


class QrCode(Flowable):
    """A QR code of *url* on a white square (its quiet zone), with a caption under it, so
    a phone can open the page. *public*: the text is a published web address, whose code may
    be kept in the leaflets' cache (qr_modules); a ticket's never is."""

    def __init__(self, kit: Kit, url: str, caption: str, size: float,
                 caption_color: Color | None = None, *, public: bool = False) -> None:
        super().__init__()
        self.kit = kit
        self.url = url
        self.public = public
        self.size = size
        self.quiet = kit.pt(3)
        self.box = size + 2 * self.quiet
        self.caption = kit.para(caption, "note", color=caption_color, align=TA_CENTER)
        self.width = max(self.box, stringWidth(caption, kit.font, kit.size("note")) + 2)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.cap_h = self.caption.wrap(self.width, availHeight)[1]
        self.height = self.box + self.kit.pt(2) + self.cap_h
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        x = (self.width - self.box) / 2
        y = self.cap_h + self.kit.pt(2)
        modules = qr_modules(self.url, public=self.public)
        cell = self.size / len(modules)
        c.saveState()
        c.setFillColor(self.kit.palette.paper)
        c.roundRect(x, y, self.box, self.box, self.kit.pt(2), stroke=0, fill=1)
        c.setFillColor(self.kit.palette.text)
        path = c.beginPath()
        top = y + self.quiet + self.size
        for r, row in enumerate(modules):
            col = 0
            while col < len(row):
                if not row[col]:
                    col += 1
                    continue
                run = col
                while run < len(row) and row[run]:
                    run += 1
                path.rect(x + self.quiet + col * cell, top - (r + 1) * cell,
                          (run - col) * cell, cell)
                col = run
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()
        self.caption.drawOn(c, 0, 0)


@lru_cache(maxsize=64)
def qr_modules(text: str, *, public: bool = False) -> tuple[tuple[bool, ...], ...]:
    """The dark (True) and light modules of the QR code of *text*, level M, row by row,
    without the quiet zone. segno makes them: one encoder for every code the app prints,
    kept at level M (no boosting) so a code's size depends on its text alone.

    The code of a *public* text (a facility's web address) is kept in the leaflets' cache:
    loading segno and encoding cost a command's fresh process some 50 ms a print."""
    name = _qr_entry(text) if public else None
    if name is not None and isinstance(cached := render_cache.read(name), tuple):
        return cached
    import segno

    code = segno.make(text, error="m", boost_error=False, micro=False)
    modules = tuple(tuple(bool(m) for m in row) for row in code.matrix)
    if name is not None:
        render_cache.write(name, modules)
    return modules


def _qr_entry(text: str) -> str | None:
    """The cache entry of *text*'s code, named after segno's files too; None without them."""
    from importlib.util import find_spec

    spec = find_spec("segno")
    if spec is None or spec.origin is None:
        return None
    encoder = Path(spec.origin).with_name("encoder.py")
    try:
        info = encoder.stat()
    except OSError:
        return None
    return render_cache.entry_name("qr", text, encoder, info.st_size, info.st_mtime_ns)


# --- contact cards --------------------------------------------------------------------------

class FacilityLike(Protocol):
    """What a contact card needs of a facility (services.facilities.FacilityDetail fits).
    Read-only, as a frozen dataclass's fields are."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def website(self) -> str: ...
    @property
    def facebook(self) -> str: ...
    @property
    def full_address(self) -> str: ...
    @property
    def opening_hours(self) -> str:
        """The structured hours as one line: 「9:00〜17:00（月〜金）　休館日: 年末年始」."""
        ...


@dataclass(frozen=True)
class ContactCard:
    """One place of a contact block: its name, its (label, value) pairs grouped in rows (a
    compact card prints a row's pairs on one line, e.g. 電話 and E-mail), and QR codes."""

    name: str
    rows: tuple[tuple[tuple[str, str], ...], ...]
    codes: tuple[tuple[str, str], ...] = ()  # (caption, url)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [pair for row in self.rows for pair in row]


def facility_card(f: FacilityLike, *, hours: bool = False, codes: bool = False) -> ContactCard:
    """The card of a facility as the summary edition prints it; empty fields are left out."""
    address = f.full_address.strip()
    if f.postal_code.strip():
        address = f"〒{f.postal_code.strip()}　{address}".strip()
    rows = [
        [("所在地", address)],
        [("電話", f.phone.strip()), ("E-mail", f.email.strip())],
        [("HP", f.website.strip())],
        [("FB", f.facebook.strip())],
    ]
    if hours:
        rows.append([("開館時間", f.opening_hours.strip())])
    qr: tuple[tuple[str, str], ...] = ()
    if codes:
        qr = tuple((label, url) for label, url in (("ホームページ", f.website.strip()),
                                                    ("フェイスブック", f.facebook.strip()))
                   if url)
    kept = (tuple((k, v) for k, v in row if v) for row in rows)
    return ContactCard(f.name, tuple(row for row in kept if row), qr)


# --- the kit --------------------------------------------------------------------------------

class Kit:
    """Styles and flowables at one scale of the type scale (1.0 = as designed)."""

    def __init__(self, scale: float = 1.0, palette: Palette = PALETTE, *,
                 staff_only: bool = False) -> None:
        self.scale = scale
        self.palette = palette
        # Set from the print's audience (fitting.build): the footer then says 取扱注意.
        self.staff_only = staff_only
        self.font = ensure_registered()
        self.width = CONTENT_WIDTH
        self._styles: dict[tuple[Any, ...], ParagraphStyle] = {}

    # sizes and styles
    def pt(self, value: float) -> float:
        """A length of the design, at this kit's scale."""
        return value * self.scale

    def size(self, role: str) -> float:
        return TYPE_SCALE[role] * self.scale

    def style(self, role: str, **overrides: Any) -> ParagraphStyle:
        key = (role, *sorted((name, repr(value)) for name, value in overrides.items()))
        found = self._styles.get(key)
        if found is not None:
            return found
        size = self.size(role)
        settings: dict[str, Any] = {
            "fontName": self.font, "fontSize": size, "leading": size * LEADING[role],
            "textColor": self.palette.text, "wordWrap": "CJK",
            "bulletFontName": self.font, "bulletFontSize": size,
            "allowWidows": 1, "allowOrphans": 1,
        }
        settings.update(overrides)
        made = ParagraphStyle(f"{role}-{len(self._styles)}", **settings)
        self._styles[key] = made
        return made

    def para(self, text: str, role: str = "body", *, color: Color | None = None,
             align: int = TA_LEFT, indent_first: bool = False,
             space_after: float = 0.0, whole_words: bool = False) -> JaParagraph:
        """Text in *role*'s style; *whole_words* for a heading: no katakana word broken."""
        overrides: dict[str, Any] = {"alignment": align}
        if whole_words:
            overrides["wholeWords"] = True
        if color is not None:
            overrides["textColor"] = color
        if indent_first:
            overrides["firstLineIndent"] = self.size(role)
        if space_after:
            overrides["spaceAfter"] = self.pt(space_after)
        return JaParagraph(markup(text, self.palette.accent), self.style(role, **overrides))

    def emph(self, text: str, role: str = "subheading", *, color: Color | None = None,
             align: int = TA_LEFT) -> Emphasis:
        """Emphasised text: the colour given (dark blue by default), stroked to look bold.
        It heads something, so a katakana word in it is never broken over lines."""
        colour = color if color is not None else self.palette.primary_dark
        para = self.para(text, role, color=colour, align=align, whole_words=True)
        return Emphasis(para, colour, self.size(role) * 0.03)

    def table(self, data: list[list[Any]], widths: Sequence[float],
              commands: Sequence[Any] = (), *, repeat_rows: int = 0) -> Table:
        """A Table with column widths in points; its plain-text cells (the empty gutters) use
        the kit's font too, so no unembedded base-14 font (Helvetica) enters the PDF.
        *repeat_rows* header rows are repeated on every page a long table runs over."""
        made = Table(data, colWidths=list(widths), repeatRows=repeat_rows)
        made.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), self.font), *commands]))
        return made

    def spacer(self, height: float) -> Spacer:
        return Spacer(1, self.pt(height))

    # building blocks
    def title_band(self, department: str, title: str, subtitle: str = "", *,
                   issuer: str = "", date_text: str = "") -> Flowable:
        return TitleBand(self, department, title, subtitle, issuer, date_text)

    def section(self, title: str, *, color: Color | None = None) -> Flowable:
        """A section heading: a bar at the left, a pale ground and a rule under it."""
        colour = color if color is not None else self.palette.primary
        heading = self.emph(title, "heading")
        made = Sized(lambda w: self.table([[heading]], [w], [
            ("BACKGROUND", (0, 0), (-1, -1), self.palette.primary_pale),
            ("LINEBEFORE", (0, 0), (0, -1), self.pt(5), colour),
            ("LINEBELOW", (0, 0), (-1, -1), self.pt(0.8), colour),
            ("LEFTPADDING", (0, 0), (-1, -1), self.pt(9)),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(3.5)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(4)),
        ]))
        made.spaceBefore = self.pt(7)
        made.spaceAfter = self.pt(5)
        made.keepWithNext = True
        return made

    def lead(self, text: str) -> Flowable:
        """An introduction paragraph, first line indented by one character."""
        return self.para(text, "body", indent_first=True, space_after=4)

    def numbered_points(self, items: Sequence[tuple[str, str]], *, start: int = 1) -> Flowable:
        """Numbered points, each a heading in colour and a one-line gloss under it."""
        d = self.pt(22)
        rows = [
            [Badge(str(start + i), d, self.palette.accent, self.font, self.size("title")),
             [self.emph(head, "subheading"), self.para(gloss, "small", color=self.palette.muted)]]
            for i, (head, gloss) in enumerate(items)
        ]
        return Sized(lambda w: self.table(rows, [d + self.pt(10), w - d - self.pt(10)], [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(3)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(3.5)),
            ("LINEBELOW", (1, 0), (1, -2), self.pt(0.5), self.palette.rule, None, (1, 2)),
        ]))

    def _grid(self, cells: Sequence[Any], columns: int, width: float, gap: float,
              commands: Sequence[Any], ground: Color, bar: Color) -> Table:
        """*cells* in rows of *columns*, with gutters; each filled cell on *ground* with a
        *bar* at its left."""
        padded: list[Any] = list(cells)
        while len(padded) % columns:
            padded.append("")
        rows: list[list[Any]] = []
        for r in range(0, len(padded), columns):
            row: list[Any] = []
            for c in range(columns):
                if c:
                    row.append("")
                row.append(padded[r + c])
            rows.append(row)
        col = (width - gap * (columns - 1)) / columns
        widths: list[float] = []
        for c in range(columns):
            widths += ([gap] if c else []) + [col]
        style: list[Any] = [("VALIGN", (0, 0), (-1, -1), "TOP"), *commands]
        for r in range(len(rows)):
            for c in range(columns):
                if padded[r * columns + c] != "":
                    style += [("BACKGROUND", (2 * c, r), (2 * c, r), ground),
                              ("LINEBEFORE", (2 * c, r), (2 * c, r), self.pt(3), bar)]
            if r < len(rows) - 1:
                style.append(("LINEBELOW", (0, r), (-1, r), gap * 0.6, self.palette.paper))
        for c in range(1, columns):
            style += [("LEFTPADDING", (2 * c - 1, 0), (2 * c - 1, -1), 0),
                      ("RIGHTPADDING", (2 * c - 1, 0), (2 * c - 1, -1), 0)]
        return self.table(rows, widths, style)

    def tiles(self, items: Sequence[tuple[str, str]], *, columns: int = 2) -> Flowable:
        """Headings with a gloss, in a grid of tinted tiles (as a menu of topics)."""
        cells = [[self.emph(head, "subheading"), self.para(gloss, "small")]
                 for head, gloss in items]
        return Sized(lambda w: self._grid(cells, columns, w, self.pt(8), [
            ("LEFTPADDING", (0, 0), (-1, -1), self.pt(9)),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(6)),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(4)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(5)),
        ], self.palette.primary_pale, self.palette.accent))

    def bullets(self, items: Sequence[str], *, mark: str = "●", role: str = "body",
                color: Color | None = None) -> list[Flowable]:
        """A list with ● (or ◦) marks; wrapped lines align with the text, not the mark."""
        size = self.size(role)
        style = self.style(role, leftIndent=size * 1.15, bulletIndent=0,
                           bulletColor=color if color is not None else self.palette.accent,
                           spaceAfter=size * 0.25)
        return [JaParagraph(markup(item, self.palette.accent), style, bulletText=mark)
                for item in items]

    def role_boxes(self, citizen: Sequence[str], city: Sequence[str], *,
                   caption: str = "", labels: tuple[str, str] = ("市民の役割", "市の役割"),
                   ) -> Flowable:
        """Two boxes side by side, the citizens' part and the city's, with ◦ items; the two
        always share one height."""
        p = self.palette
        heads = [self.emph(labels[0], "small", color=p.paper, align=TA_CENTER), "",
                 self.emph(labels[1], "small", color=p.paper, align=TA_CENTER)]
        body = [self.bullets(citizen, mark="◦", role="small", color=p.citizen_dark), "",
                self.bullets(city, mark="◦", role="small", color=p.primary_dark)]
        gap = self.pt(6)
        boxes = Sized(lambda w: self.table([heads, body], [(w - gap) / 2, gap, (w - gap) / 2], [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, 0), p.citizen),
            ("BACKGROUND", (2, 0), (2, 0), p.primary),
            ("BACKGROUND", (0, 1), (0, 1), p.citizen_tint),
            ("BACKGROUND", (2, 1), (2, 1), p.primary_tint),
            ("BOX", (0, 0), (0, 1), self.pt(0.8), p.citizen),
            ("BOX", (2, 0), (2, 1), self.pt(0.8), p.primary),
            ("LEFTPADDING", (0, 0), (-1, -1), self.pt(6)),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(5)),
            ("LEFTPADDING", (1, 0), (1, -1), 0),
            ("RIGHTPADDING", (1, 0), (1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, 0), self.pt(2)),
            ("BOTTOMPADDING", (0, 0), (-1, 0), self.pt(2.5)),
            ("TOPPADDING", (0, 1), (-1, 1), self.pt(3.5)),
            ("BOTTOMPADDING", (0, 1), (-1, 1), self.pt(2.5)),
        ]))
        if not caption:
            return boxes
        head = self.para(f"■ {caption}", "small", color=p.accent_dark)
        return Group([head, Spacer(1, self.pt(1)), boxes])

    def step(self, number: int, name: str, motto: str) -> Flowable:
        """A step's banner: a numbered badge, the step's name and its motto."""
        p = self.palette
        d = self.pt(18)
        cells = [Badge(str(number), d, p.paper, self.font, self.size("subheading"),
                       text_color=p.primary), self.emph(name, "heading", color=p.paper),
                 self.para(motto, "body", color=p.paper)]
        badge_w = d + self.pt(14)

        def make(w: float) -> Table:
            name_w = min(stringWidth(name, self.font, self.size("heading")) + self.pt(14),
                         (w - badge_w) * 0.6)
            return self.table([cells], [badge_w, name_w, w - badge_w - name_w], [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, -1), p.primary),
                ("LEFTPADDING", (0, 0), (0, 0), self.pt(6)),
                ("LEFTPADDING", (1, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(8)),
                ("TOPPADDING", (0, 0), (-1, -1), self.pt(2.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(2.5)),
                ("LINEBELOW", (0, 0), (-1, -1), self.pt(2.5), p.accent),
            ])

        made = Sized(make)
        made.keepWithNext = True
        return made

    def columns(self, left: Sequence[Flowable], right: Sequence[Flowable], *,
                left_share: float = 0.5, gap: float = 12) -> Flowable:
        """Two columns of flowables side by side (the left one's share of the width)."""
        space = self.pt(gap)
        cells = [[list(left), "", list(right)]]

        def make(w: float) -> Table:
            lw = (w - space) * left_share
            return self.table(cells, [lw, space, w - space - lw], [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ])

        return Sized(make)

    def bars(self, labels: Sequence[str], series: Sequence[Sequence[int]], *,
             names: Sequence[str] = (), colors: Sequence[Color] = (),
             highlight: int | None = None, height: float = 60) -> Flowable:
        """A small bar chart: see `Bars`."""
        return Bars(self, labels, series, names=names, colors=colors, highlight=highlight,
                    height=height)

    def cycle(self, stages: Sequence[tuple[str, str, str]]) -> Flowable:
        """The PDCA cycle: (label, tag, description) per stage, e.g. ("計画", "PLAN", "…")."""
        return CycleDiagram(self, stages)

    def spectrum(self, segments: Sequence[tuple[str, str, str]]) -> Flowable:
        """Segments from the citizens' side to the city's side under a two-headed arrow:
        (label, examples, a partner shown under it or "")."""
        p = self.palette
        n = len(segments)
        shades = [_mix(p.citizen_tint, p.primary_tint, i / max(1, n - 1)) for i in range(n)]
        inks = [_mix(p.citizen_dark, p.primary_dark, i / max(1, n - 1)) for i in range(n)]
        heads = [self.emph(label, "subheading", color=inks[i], align=TA_CENTER)
                 for i, (label, _, _) in enumerate(segments)]
        examples = [self.para(example, "small", align=TA_CENTER)
                    for _, example, _ in segments]
        partners = [Pill(self, partner, inks[i]) if partner else ""
                    for i, (_, _, partner) in enumerate(segments)]
        rows: list[list[Any]] = [heads, examples]
        commands: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(3)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(3)),
            ("LINEAFTER", (0, 0), (-2, 1), self.pt(2), p.paper),
        ]
        for i in range(n):
            commands.append(("BACKGROUND", (i, 0), (i, 1), shades[i]))
        if any(partners):
            rows.append(partners)
            commands += [("TOPPADDING", (0, 2), (-1, 2), self.pt(4)),
                         ("BOTTOMPADDING", (0, 2), (-1, 2), 0)]
        table = Sized(lambda w: self.table(rows, [w / n] * n, commands))
        return Group([DoubleArrow(p.citizen, p.primary, self.pt(10)),
                      Spacer(1, self.pt(3)), table])

    def callout(self, text: str) -> Flowable:
        """A sentence to stand out: a rounded box with an orange rule."""
        p = self.palette
        cell = self.emph(text, "body", color=p.accent_dark)
        return Sized(lambda w: self.table([[cell]], [w], [
            ("BACKGROUND", (0, 0), (-1, -1), p.accent_tint),
            ("BOX", (0, 0), (-1, -1), self.pt(1), p.accent),
            ("ROUNDEDCORNERS", [self.pt(6)] * 4),
            ("LEFTPADDING", (0, 0), (-1, -1), self.pt(10)),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(10)),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(5)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(6)),
        ]))

    def facts(self, rows: Sequence[tuple[str, Any]], *, role: str = "body") -> Flowable:
        """Labelled facts (日時・会場・定員 …), one row each: the labels in a tinted column at
        the left, the values (text, or flowables) at the right."""
        p = self.palette
        cells = [[self.emph(label, role), self.para(value, role) if isinstance(value, str)
                  else value] for label, value in rows]
        pad = self.pt(7)
        label_w = max((stringWidth(label, self.font, self.size(role)) for label, _ in rows),
                      default=0.0) * 1.04 + 2 * pad + 1  # 1.04: the emphasis stroke

        def make(w: float) -> Table:
            return self.table(cells, [label_w, w - label_w], [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), p.primary_tint),
                ("LINEBELOW", (0, 0), (-1, -2), self.pt(0.5), p.rule),
                ("LINEABOVE", (0, 0), (-1, 0), self.pt(1.2), p.primary),
                ("LINEBELOW", (0, -1), (-1, -1), self.pt(1.2), p.primary),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), self.pt(3.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(4.5)),
            ])

        return Sized(make)

    def list_table(self, header: Sequence[str], rows: Sequence[Sequence[Any]],
                   shares: Sequence[float], *, align: Sequence[int] | None = None,
                   role: str = "small", guides: Sequence[int] = (),
                   keep_end: int = 0) -> Flowable:
        """A ruled list (名簿・受付簿) that runs over pages with its header row repeated:
        *shares* weigh the column widths; text cells take the column's *align*. The rows
        numbered in *guides* are guide rows (あ行 …): their first cell across the whole width
        on a tinted ground, never left alone at the foot of a page. The last *keep_end* rows
        stay on one page (blank rows to fill in go with the last name, not on a page alone)."""
        p = self.palette
        aligns = list(align) if align is not None else [TA_LEFT] * len(header)
        guide_rows = [index + 1 for index in guides]  # + the header row

        def cell(value: Any, column: int) -> Any:
            if value is None:
                return ""
            if isinstance(value, str):
                return self.para(value, role, align=aligns[column]) if value else ""
            return value

        data: list[list[Any]] = [[self.para(h, "small", color=p.paper, align=aligns[c],
                                            whole_words=True) for c, h in enumerate(header)]]
        data += [[cell(v, c) for c, v in enumerate(row)] for row in rows]
        for row in guide_rows:
            data[row] = [self.emph(str(rows[row - 1][0]), role, color=p.primary_dark),
                         *[""] * (len(header) - 1)]
        total = sum(shares)

        def make(w: float) -> Table:
            return self.table(data, [w * s / total for s in shares], [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), p.primary),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [p.paper, p.primary_pale]),
                ("LINEBELOW", (0, 1), (-1, -1), self.pt(0.4), p.rule),
                ("LINEAFTER", (0, 1), (-2, -1), self.pt(0.4), p.rule),
                ("LINEAFTER", (0, 0), (-2, 0), self.pt(0.4), p.primary_tint),
                ("BOX", (0, 0), (-1, -1), self.pt(0.8), p.primary),
                ("LEFTPADDING", (0, 0), (-1, -1), self.pt(4)),
                ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(4)),
                ("TOPPADDING", (0, 0), (-1, -1), self.pt(2.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(3)),
                *[command for row in guide_rows for command in (
                    ("SPAN", (0, row), (-1, row)),
                    ("BACKGROUND", (0, row), (-1, row), p.primary_tint),
                    ("LINEABOVE", (0, row), (-1, row), self.pt(0.8), p.primary),
                    ("TOPPADDING", (0, row), (-1, row), self.pt(1.5)),
                    ("BOTTOMPADDING", (0, row), (-1, row), self.pt(1.5)),
                    ("NOSPLIT", (0, row), (-1, min(row + 1, len(data) - 1))))],
                *([("NOSPLIT", (0, max(1, len(data) - keep_end)), (-1, -1))]
                  if keep_end > 1 else []),
            ], repeat_rows=1)

        return Sized(make)

    def glossary(self, notes: Sequence[tuple[str, str]], *, title: str = "用語解説",
                 numbered: bool = True) -> Flowable:
        """The ※ notes (用語解説): note n explains the term marked ※n in the text; not
        *numbered*, each note is ※「term」 (a flyer quoting the edition's note on its event)."""
        p = self.palette
        terms = [f"※{i if numbered else ''}「{term}」" for i, (term, _) in enumerate(notes, start=1)]
        rows: list[list[Any]] = [[self.emph(title, "small", color=p.paper), ""]]
        # The term heads its note: a katakana word in it is never broken (ミーティ|ング).
        rows += [[self.para(term, "note", color=p.primary_dark, whole_words=True),
                  self.para(text, "note")]
                 for term, (_, text) in zip(terms, notes, strict=True)]
        pad = self.pt(6)
        longest = max((stringWidth(t, self.font, self.size("note")) for t in terms), default=0)

        def make(w: float) -> Table:
            term_w = min(max(longest + 2 * pad + 1, w * 0.15), w * 0.3)
            return self.table(rows, [term_w, w - term_w], [
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), p.primary),
                ("BACKGROUND", (0, 1), (-1, -1), p.primary_pale),
                ("BOX", (0, 0), (-1, -1), self.pt(0.6), p.primary),
                ("LINEBELOW", (0, 1), (-1, -2), self.pt(0.4), p.rule, None, (1, 2)),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), self.pt(2.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(3)),
            ])

        return Sized(make)

    def contact_block(self, cards: Sequence[ContactCard], *, columns: int = 2,
                      note: str = "") -> list[Flowable]:
        """The contact block: one card per place, in *columns* columns (1: a wide row per
        place with its details in a table, the layout of the facility guide)."""
        p = self.palette
        if columns == 1:
            flow: list[Flowable] = [self._wide_card(card) for card in cards]
        else:
            flow = [self._card_grid(cards, columns)]
        if note:
            flow.append(self.para(note, "note", color=p.muted, align=TA_RIGHT))
        return flow

    def _detail_rows(self, card: ContactCard, role: str, label_w: float, *,
                     compact: bool) -> Flowable:
        """Labels in a column at the left; a compact card puts a row's later pairs after the
        first value (電話 … E-mail …) instead of on lines of their own."""
        p = self.palette
        colour = p.primary.hexval().replace("0x", "#")
        if compact:
            rows = []
            for (label, value), *more in card.rows:
                text = markup(value) + "".join(
                    f'　<font color="{colour}">{markup(k)}</font> {markup(v)}' for k, v in more)
                rows.append([self.para(label, role, color=p.primary),
                             JaParagraph(text, self.style(role))])
        else:
            rows = [[self.para(label, role, color=p.primary), self.para(value, role)]
                    for label, value in card.pairs]
        return Sized(lambda w: self.table(rows or [["", ""]], [label_w, w - label_w], [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(0.3)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(0.3)),
        ]))

    def _card_grid(self, cards: Sequence[ContactCard], columns: int) -> Flowable:
        label_w = max((stringWidth(card.rows[0][0][0], self.font, self.size("small"))
                       for card in cards if card.rows), default=0.0) + self.size("small") * 0.8
        cells: list[Any] = [
            [self.emph(card.name, "body"), Spacer(1, self.pt(2)),
             self._detail_rows(card, "small", label_w, compact=True)]
            for card in cards
        ]
        return Sized(lambda w: self._grid(cells, columns, w, self.pt(8), [
            ("LEFTPADDING", (0, 0), (-1, -1), self.pt(7)),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(5)),
            ("TOPPADDING", (0, 0), (-1, -1), self.pt(4)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(5)),
        ], self.palette.primary_pale, self.palette.primary))

    def _wide_card(self, card: ContactCard) -> Flowable:
        """A wide row: the name on the dark ground at the left (with the QR codes under it,
        white on white squares), the labelled details at the right."""
        p = self.palette
        label_w = max((stringWidth(label, self.font, self.size("body"))
                       for label, _ in card.pairs), default=0.0) + self.size("body") * 1.2
        details = self._detail_rows(card, "body", label_w, compact=False)
        name: list[Flowable] = [self.emph(card.name, "subheading", color=p.paper)]
        if card.codes:
            codes = [QrCode(self, url, caption, self.pt(38), caption_color=p.paper, public=True)
                     for caption, url in card.codes]
            name += [Spacer(1, self.pt(5)), self.table(
                [codes], [code.width + self.pt(8) for code in codes], [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(8)),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ])]
            name[-1].hAlign = "LEFT"

        def make(w: float) -> Table:
            name_w = w * 0.3
            return self.table([[name, details]], [name_w, w - name_w], [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, 0), p.primary),
                ("BACKGROUND", (1, 0), (-1, 0), p.primary_pale),
                ("LEFTPADDING", (0, 0), (-1, -1), self.pt(9)),
                ("RIGHTPADDING", (0, 0), (-1, -1), self.pt(8)),
                ("TOPPADDING", (0, 0), (-1, -1), self.pt(4.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), self.pt(5)),
                ("LINEBELOW", (0, 0), (-1, -1), self.pt(0.8), p.rule),
            ])

        made = Sized(make)
        made.spaceAfter = self.pt(3)
        return made

    # pages
    def footer(self, text: str, *, numbered: bool = False,
               room: str = "") -> Callable[[Any, Any], None]:
        """A page decoration: a thin rule and *text* at the foot (and the page number); on a
        staff print, 取扱注意 before it on every page, as it is not to be handed out or left
        lying. *text* is fitted to what the mark and the number leave (`fitted_line`): a
        title of any length stays on the page. *room*: the widest label another decoration
        puts at the right instead of the number (「第12回 10/12」), kept free the same way."""
        p = self.palette
        staff_only = self.staff_only
        size = TYPE_SCALE["note"]  # the footer keeps its size when the content shrinks
        right = PAGE_SIZE[0] - MARGIN_X
        gap = stringWidth("　", self.font, size)
        mark_w = stringWidth(STAFF_ONLY, self.font, size) + gap if staff_only else 0.0
        # Room for four-digit page numbers: a list of hundreds of pages keeps one footer.
        right_w = max(stringWidth(room, self.font, size),
                      stringWidth("9999", self.font, size) if numbered else 0.0)
        free = right - MARGIN_X - mark_w - (right_w + 2 * gap if right_w else 0.0)
        line, line_size = fitted_line(text, self.font, size, free)

        def draw(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            y = FOOTER_Y
            canvas.setStrokeColor(p.rule)
            canvas.setLineWidth(0.6)
            canvas.line(MARGIN_X, y + size + 3, right, y + size + 3)
            canvas.setFont(self.font, size)
            x = MARGIN_X
            if staff_only:
                canvas.setFillColor(p.accent_dark)
                canvas.drawString(x, y, STAFF_ONLY)
                x += mark_w
            canvas.setFillColor(p.muted)
            canvas.setFont(self.font, line_size)
            canvas.drawString(x, y, line)
            if numbered:
                canvas.setFont(self.font, size)
                canvas.drawRightString(right, y, f"{doc.page}")
            canvas.restoreState()

        return draw

    def running_head(self, canvas: Any, text: str) -> None:
        """A line at the head of a page, in the top margin (「出席簿　第2回 … （つづき）」), fitted to
        the width as the footer is."""
        size = TYPE_SCALE["note"]
        line, line_size = fitted_line(text, self.font, size, PAGE_SIZE[0] - 2 * MARGIN_X)
        canvas.saveState()
        canvas.setFillColor(self.palette.muted)
        canvas.setFont(self.font, line_size)
        canvas.drawString(MARGIN_X, PAGE_SIZE[1] - MARGIN_TOP + 3 * mm, line)
        canvas.restoreState()


# The footer's baseline, under the frame; a decoration drawn later (page labels) shares it.
FOOTER_Y = MARGIN_BOTTOM - 8 * mm
# A footer or heading line shrinks to this size before it is cut (…): still legible on paper.
LINE_MIN_SIZE = 5.5
ELLIPSIS = "…"


def fitted_line(text: str, font: str, size: float, width: float, *,
                min_size: float = LINE_MIN_SIZE) -> tuple[str, float]:
    """*text* on one line within *width* points: at *size* if it fits, else smaller down to
    *min_size*, then cut at the end with …; the text and the size to draw it at."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return text, size
    size = max(min_size, size * width / natural)
    if stringWidth(text, font, size) <= width:
        return text, size
    # Cut by halving: an 80-character title in a narrow column costs a handful of measures.
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if stringWidth(text[:mid].rstrip() + ELLIPSIS, font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS, size
