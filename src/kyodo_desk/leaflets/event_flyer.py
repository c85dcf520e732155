"""イベントのチラシ (event flyer): one A4 page in the summary edition's style, to hand out
and put up: the title band, what the event is for (with its photo, and the edition's ※ note
on the events it describes), the outline (日時・会場・対象・定員・参加費・申込期間・申込方法),
where to ask, and at the foot an application slip (申込書) to cut off along a 切り取り線,
asking the event's sign-up questions (申込時の質問) too.

A flyer is read from a distance and should leave no blank band: it is set at the largest
type scale that still fills one page (FILL_SCALES), down to the kit's smallest for long
texts. It is never refused: when the slip does not fit beside the rest even then, the slip
moves to a page of its own (裏面) at the design's scale, its questions running on over
pages headed 申込書（続き）; a description too long for any one page runs on as well (Layout).
It names nobody: no personal data is printed."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, PageBreak, Spacer, TopPadder
from reportlab.platypus.doctemplate import LayoutError

from kyodo_desk.domain.dates import month_day, print_style, year_month
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EVENT_KIND_LABELS, EventKind, QuestionKind
from kyodo_desk.leaflets import LeafletDoesNotFit, LeafletInfo, event_text, fitting, summary_edition
from kyodo_desk.leaflets.style import Group, Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.domain.questions import Question
    from kyodo_desk.services.events.photos import Photo
    from kyodo_desk.services.events.prints import EventPrintData

CANCELLED = "このイベントは中止になりました。お申し込みいただいた方には個別にご連絡します。"
WAITLIST_NOTE = "定員になり次第、キャンセル待ちとして受け付けます。"
CUT_LINE = "切り取り線"
SLIP_TITLE = "申込書"
SLIP_CONTINUED = "申込書（続き）"
SLIP_BEHIND = "申込書は裏面（2ページ目）にあります。"
SLIP_NEXT = "申込書は次のページにあります。"
# (label, room to write in points at scale 1.0, the box beside it): ふりがな small, 氏名 large.
SLIP_FIELDS = (("ふりがな", 14, "人数"), ("氏名", 26, ""), ("電話番号", 20, ""))
REQUIRED = "※必須"
BOX = "□"
ANSWER_ROOM = 14  # points at scale 1.0 to write a text question's answer on
# Room to write by hand never shrinks below this, whatever the type scale.
WRITING_ROOM = 5 * mm
# A slip on pages of its own is set as designed: it is written on, not read from afar.
SLIP_SCALE = 1.0
# Pages a flyer may run to once its slip (or its description) leaves the first page.
RUN_ON_PAGES = 99
# Larger than the design first, so a short flyer grows into its page instead of leaving a
# blank band; then the kit's own steps down for long texts.
FILL_SCALES: tuple[float, ...] = (1.5, 1.45, 1.4, 1.35, 1.3, 1.25, 1.2, 1.15, 1.1, 1.05,
                                  *fitting.SCALES)
PHOTO_SHARE = 0.42  # of the width, beside the purpose; the whole width when there is none
# Points at scale 1.0, at most; the smaller ones when the flyer would not fit otherwise.
PHOTO_HEIGHTS: tuple[float, ...] = (170, 110, 60)
Picture = tuple[bytes, int, int]  # the photo's bytes, its width and height in pixels


class Layout(Enum):
    """Where the slip goes, tried in this order: on the flyer's one page; on a page of its
    own behind a one-page front (裏面); after a front that runs on over pages itself."""

    ONE_PAGE = "one-page"
    SLIP_BEHIND = "slip-behind"
    RUNS_ON = "runs-on"


def subtitle_of(title: str, kind: str) -> str:
    """The band's subtitle: the title's wave-dash part, else the kind of event — left out
    when the title says it already (「つむぎすと講座」 is not subtitled つむぎすと講座)."""
    head, subtitle = event_text.split_title(title)
    if subtitle:
        return subtitle
    label = next((text for k, text in EVENT_KIND_LABELS.items() if k == kind), "")
    if not label or kind == EventKind.OTHER or any(part in head for part in label.split("・")):
        return ""
    return label


def capacity_text(data: EventPrintData) -> str:
    """定員, with the lottery when the event draws: '20名\n応募多数の場合は抽選（12月1日締切）'."""
    e = data.event
    if e.capacity is None or e.lottery_until is None:
        return event_text.capacity_text(e)
    closes = e.lottery_until
    return f"{e.capacity:,}名\n応募多数の場合は抽選（{month_day(closes, with_weekday=False)}締切）"


def outline(data: EventPrintData) -> list[tuple[str, str]]:
    """The outline's rows; a field the event leaves empty is left out, never invented."""
    e = data.event
    rows = [
        ("日時", event_text.sessions_text(e.sessions)),
        ("会場", event_text.venue_text(e)),
        ("対象", e.audience),
        ("定員", capacity_text(data)),
        ("参加費", event_text.fee_text(e)),
        ("申込期間", event_text.window_text(e)),
        ("申込方法", e.how_to_apply),
    ]
    return [(label, value) for label, value in rows if value]


def build(data: EventPrintData, *, info: LeafletInfo, today: date) -> bytes:
    e = data.event
    department = event_text.department(e)
    title, _ = event_text.split_title(e.title)
    subtitle = subtitle_of(e.title, e.kind)
    if e.cancelled:
        subtitle = f"【中止】{subtitle}"
    as_of = year_month(today, print_style())
    card = event_text.contact_card(e, data.facility, code=True)
    notes = [WAITLIST_NOTE] if (e.capacity is not None and e.lottery_until is None
                                and not e.cancelled) else []
    glossary = summary_edition.event_notes(e.kind, e.title)
    size = _photo_size(data.photo)
    picture = (data.photo.image, *size) if data.photo is not None and size else None

    def compose(kit: Kit, photo_height: float, layout: Layout) -> list[Any]:
        story: list[Any] = [
            kit.title_band(department, title, subtitle, issuer="秋田市", date_text=as_of),
            kit.spacer(8),
        ]
        if e.cancelled:
            story += [kit.callout(CANCELLED), kit.spacer(6)]
        # A description running on over pages cannot sit in a table cell beside the photo.
        story += _purpose(kit, e.description, glossary, picture, photo_height,
                          beside=layout is not Layout.RUNS_ON)
        # A flyer is read from a distance: the outline one step above body text.
        story += [kit.section("開催概要"), kit.facts(outline(data), role="subheading")]
        if notes:
            story += [kit.spacer(4), *kit.bullets(notes, role="small")]
        # The contact block and the slip sit at the foot of the page, where a flyer's reader
        # looks for them; the slip is cut off, the contacts stay with the reader.
        foot = [kit.section("お申し込み・お問い合わせ"),
                *kit.contact_block([card], columns=1, note=f"掲載内容は{as_of}現在のものです。")]
        if e.cancelled:
            # No slip to move behind: past one page, only the run-on layout is left.
            if layout is Layout.SLIP_BEHIND:
                foot.append(OnFirstPage())
            return [*story, TopPadder(Group(foot))]
        if layout is Layout.ONE_PAGE:
            foot += [kit.spacer(6), *_slip(kit, e.title, data.facility, e.questions)]
            return [*story, TopPadder(Group(foot))]
        foot.append(kit.spacer(6))
        if layout is Layout.SLIP_BEHIND:
            foot += [kit.callout(SLIP_BEHIND), OnFirstPage()]
        else:
            foot.append(kit.callout(SLIP_NEXT))
        slip_kit = Kit(SLIP_SCALE, staff_only=kit.staff_only)
        return [*story, TopPadder(Group(foot)), PageBreak(),
                *_slip(slip_kit, e.title, data.facility, e.questions, apart=True)]

    def fit(height: float, scales: tuple[float, ...], layout: Layout) -> bytes:
        pages = info if layout is Layout.ONE_PAGE else replace(info, pages=RUN_ON_PAGES)
        return fitting.build(pages, lambda kit: compose(kit, height, layout),
                             decorate=lambda kit: kit.footer(department), subject=e.title,
                             scales=scales, data_key=(e, data.facility, as_of, data.photo,
                                                      height, layout))

    def fit_front(layout: Layout) -> bytes:
        """The photo gives way to the text (many sign-up questions) only once the type is at
        its smallest: it shrinks, at the kit's own scales, before the slip leaves the page."""
        first, *smaller = PHOTO_HEIGHTS if picture is not None else PHOTO_HEIGHTS[:1]
        try:
            return fit(first, FILL_SCALES, layout)
        except LeafletDoesNotFit:
            if not smaller:
                raise
        for height in smaller[:-1]:
            try:
                return fit(height, fitting.SCALES, layout)
            except LeafletDoesNotFit:
                continue
        return fit(smaller[-1], fitting.SCALES, layout)

    for layout in (Layout.ONE_PAGE, Layout.SLIP_BEHIND):
        try:
            return fit_front(layout)
        except LeafletDoesNotFit:
            continue
    # Only a description of many pages comes here: at the design's scale, over the pages it
    # needs; the photo above the text, where it can run on.
    return fit(PHOTO_HEIGHTS[0], (1.0, *fitting.SCALES[1:]), Layout.RUNS_ON)


def _photo_size(photo: Photo | None) -> tuple[int, int] | None:
    """The photo's size in pixels (None without one); a UserError for bytes that are no
    image after all."""
    if photo is None:
        return None
    try:
        width, height = ImageReader(io.BytesIO(photo.image)).getSize()
        return int(width), int(height)
    except Exception as exc:  # Pillow's errors vary by format and version
        raise UserError("チラシの写真を読み込めません。イベントの画面で写真を選び直してください。"
                        ) from exc


def _purpose(kit: Kit, description: str, glossary: list[tuple[str, str]],
             photo: Picture | None, photo_height: float, *, beside: bool = True) -> list[Any]:
    """What the event is for, with the edition's ※ note under it and the photo beside it
    (or across the width above it when there is no text, or not *beside*)."""
    text: list[Any] = []
    if description:
        text.append(kit.para(description, "subheading", indent_first=True, space_after=4))
    if glossary:
        text += [kit.spacer(2), kit.glossary(glossary, numbered=False)]
    if photo is None:
        return text
    if not text or not beside:
        return [_picture(kit, photo, kit.width, photo_height), kit.spacer(4), *text]

    def make(w: float) -> Any:
        photo_w = w * PHOTO_SHARE
        gap = kit.pt(10)
        return kit.table([[text, _picture(kit, photo, photo_w, photo_height)]], [w - photo_w - gap,
                                                                   photo_w + gap], [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ])

    return [Sized(make), kit.spacer(4)]


def _picture(kit: Kit, photo: Picture, width: float, height: float) -> Flowable:
    """The photo scaled to fit *width* and *height* (points at scale 1.0), its proportions
    kept."""
    image, pixels_w, pixels_h = photo
    scale = min(width / pixels_w, kit.pt(height) / pixels_h)
    picture = Image(io.BytesIO(image), width=pixels_w * scale, height=pixels_h * scale)
    picture.hAlign = "RIGHT" if width < kit.width else "CENTER"
    return picture


class CutLine(Flowable):
    """A dashed 切り取り線 across the width with scissors at the left (drawn: the font has
    no ✂) and the words in the middle."""

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.kit = kit

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = self.kit.size("small") * 1.6
        return self.width, self.height

    def draw(self) -> None:
        c, k = self.canv, self.kit
        p = k.palette
        size = k.size("small")
        mid = self.height / 2
        label_w = c.stringWidth(CUT_LINE, k.font, size) + size
        c.saveState()
        c.setStrokeColor(p.muted)
        c.setLineWidth(0.7)
        c.setDash(4, 3)
        scissors = size * 1.6
        centre = self.width / 2
        c.line(scissors + 2, mid, centre - label_w / 2, mid)
        c.line(centre + label_w / 2, mid, self.width, mid)
        c.setDash()
        _scissors(c, 0, mid, scissors, p.muted)
        c.setFillColor(p.muted)
        c.setFont(k.font, size)
        c.drawCentredString(centre, mid - size * 0.35, CUT_LINE)
        c.restoreState()


def _scissors(c: Any, x: float, y: float, length: float, colour: Any) -> None:
    """Open scissors pointing right along the line: two finger rings and two blades."""
    ring = length * 0.17
    c.setStrokeColor(colour)
    c.setLineWidth(0.9)
    for sign in (1, -1):
        c.circle(x + ring, y + sign * ring * 1.3, ring, stroke=1, fill=0)
        c.line(x + ring * 2, y + sign * ring * 1.1, x + length, y - sign * ring * 0.9)


def choices_text(question: Question) -> str:
    """What a closed question offers to tick: 「□はい　□いいえ」, or each choice with its box
    (a text question has none: it gets a line to write on)."""
    if question.kind is QuestionKind.YES_NO:
        return f"{BOX}はい　{BOX}いいえ"
    if question.kind is QuestionKind.CHOICE:
        return "　".join(f"{BOX}{choice}" for choice in question.choices)
    return ""


class WritingLine(Flowable):
    """Room to write a text question's answer in, over a dotted line across the width."""

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.kit = kit

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, max(self.kit.pt(ANSWER_ROOM), WRITING_ROOM)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(self.kit.palette.rule)
        c.setLineWidth(self.kit.pt(0.6))
        c.setDash(1, 2)
        c.line(0, 1, self.width, 1)
        c.restoreState()


def _question_rows(kit: Kit, questions: tuple[Question, ...]) -> list[list[Any]]:
    """A row a sign-up question (申込時の質問): 質問n at the left, beside it the prompt (and
    ※必須) with a line to write on, or with the boxes to tick following it on its line as on
    a paper form, so ten questions still leave the flyer its one page."""
    rows: list[list[Any]] = []
    for n, question in enumerate(questions, start=1):
        offered = choices_text(question)
        prompt = "　".join(part for part in (question.prompt,
                                            REQUIRED if question.required else "", offered)
                          if part)
        answer: list[Any] = [kit.para(prompt, "small")]
        if not offered:
            answer.append(WritingLine(kit))
        rows.append([kit.emph(f"質問{n}", "small"), answer, "", ""])
    return rows


def _slip(kit: Kit, title: str, facility: Any, questions: tuple[Question, ...], *,
          apart: bool = False) -> list[Any]:
    """The application slip: the event's title, boxes for ふりがな・氏名・電話番号・人数, the
    event's sign-up questions, and where to hand it in. *apart*, on pages of its own: its
    rows run on over pages, each headed 申込書（続き） with the title."""
    p = kit.palette
    rows: list[list[Any]] = []
    for label, room, extra in SLIP_FIELDS:
        rows.append([kit.emph(label, "small"), Spacer(1, max(kit.pt(room), WRITING_ROOM)),
                     kit.emph(extra, "small") if extra else "",
                     kit.para("名", "small", align=TA_RIGHT) if extra else ""])
    first = len(rows) + 1  # the first question's row, under the title's
    rows += _question_rows(kit, questions)
    place = facility.name
    if facility.full_address:
        place += f"（{facility.full_address}）"
    head = [FirstOrContinued(kit.emph(SLIP_TITLE, "heading", color=p.paper),
                             kit.emph(SLIP_CONTINUED, "heading", color=p.paper)),
            kit.para(f"イベント名　{title}", "small", color=p.paper)]

    def make(w: float) -> Any:
        label_w = kit.pt(62)
        count_w = kit.pt(62)
        unit_w = kit.pt(22)
        widths = [label_w, w - 2 * label_w - count_w - unit_w, label_w, count_w + unit_w]
        return kit.table([[head, "", "", ""], *rows], widths, [
            ("SPAN", (0, 0), (-1, 0)),
            *(("SPAN", (1, r), (-1, r)) for r in range(2, len(rows) + 1)),
            ("BACKGROUND", (0, 0), (-1, 0), p.primary),
            ("BACKGROUND", (0, 1), (0, -1), p.primary_tint),
            ("BACKGROUND", (2, 1), (2, 1), p.primary_tint),
            ("BOX", (0, 0), (-1, -1), kit.pt(0.9), p.primary),
            ("INNERGRID", (0, 1), (-1, -1), kit.pt(0.5), p.rule),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            # 質問n beside the prompt's first line, above the room to write the answer in.
            ("VALIGN", (0, first), (0, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(7)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(7)),
            ("TOPPADDING", (0, 0), (-1, 0), kit.pt(4)),
            ("BOTTOMPADDING", (0, 0), (-1, 0), kit.pt(5)),
            ("TOPPADDING", (0, first), (-1, -1), kit.pt(1.2)),
            ("BOTTOMPADDING", (0, first), (-1, -1), kit.pt(1.2)),
        ], repeat_rows=1 if apart else 0)

    return [CutLine(kit), kit.spacer(6), Sized(make), kit.spacer(3),
            kit.para(f"提出先　{place}の窓口にお持ちください。", "small", color=p.muted)]


class FirstOrContinued(Flowable):
    """*first* on the page it is first drawn on, *continued* on later ones: the head row a
    table repeats on every page it runs over (申込書, then 申込書（続き）)."""

    def __init__(self, first: Flowable, continued: Flowable) -> None:
        super().__init__()
        self.first, self.continued = first, continued
        self.first_page: int | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        sizes = [part.wrap(availWidth, availHeight) for part in (self.first, self.continued)]
        self.width = max(w for w, _ in sizes)
        self.height = max(h for _, h in sizes)
        return self.width, self.height

    def draw(self) -> None:
        page = self.canv.getPageNumber()
        if self.first_page is None:
            self.first_page = page
        part = self.first if page == self.first_page else self.continued
        part.drawOn(self.canv, 0, self.height - part.height)


class OnFirstPage(Flowable):
    """Nothing to see: drawn past the first page, it fails the build at this scale (as a
    flowable too big for the page does), so the front of a flyer keeps to its one page."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        if self.canv.getPageNumber() != 1:
            raise LayoutError("the flyer's front runs past its first page")
