"""イベントのチラシ (event flyer): one A4 page in the summary edition's style, to hand out
and put up: the title band with the event as its catch phrase, what it is, the outline
(日時・会場・対象・定員・参加費・申込期間・申込方法) and where to sign up and ask."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.platypus import TopPadder

from kyodo_desk.domain.dates import print_style, year_month
from kyodo_desk.domain.events import EVENT_KIND_LABELS
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.style import Group, Kit

if TYPE_CHECKING:
    from kyodo_desk.services.events.prints import EventPrintData

CANCELLED = "このイベントは中止になりました。お申し込みいただいた方には個別にご連絡します。"
WAITLIST_NOTE = "定員になり次第、キャンセル待ちとして受け付けます。"


def outline(data: EventPrintData) -> list[tuple[str, str]]:
    """The outline's rows; a field the event leaves empty is left out, never invented."""
    e = data.event
    rows = [
        ("日時", event_text.sessions_text(e.sessions)),
        ("会場", event_text.venue_text(e)),
        ("対象", e.audience),
        ("定員", event_text.capacity_text(e)),
        ("参加費", event_text.fee_text(e)),
        ("申込期間", event_text.window_text(e)),
        ("申込方法", e.how_to_apply),
    ]
    return [(label, value) for label, value in rows if value]


def build(data: EventPrintData, *, info: LeafletInfo, today: date) -> bytes:
    e = data.event
    department = event_text.department(e)
    title, subtitle = event_text.split_title(e.title)
    subtitle = subtitle or EVENT_KIND_LABELS.get(e.kind, "")
    if e.cancelled:
        subtitle = f"【中止】{subtitle}"
    as_of = year_month(today, print_style())
    card = event_text.contact_card(e, data.facility, code=True)
    notes = [WAITLIST_NOTE] if e.capacity is not None and not e.cancelled else []

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(department, title, subtitle, issuer="秋田市", date_text=as_of),
            kit.spacer(8),
        ]
        if e.cancelled:
            story += [kit.callout(CANCELLED), kit.spacer(6)]
        if e.description:
            story.append(kit.para(e.description, "subheading", indent_first=True,
                                  space_after=4))
        # A flyer is read from a distance: the outline one step above body text.
        story += [kit.section("開催概要"), kit.facts(outline(data), role="subheading")]
        if notes:
            story += [kit.spacer(4), *kit.bullets(notes, role="small")]
        # The contact block sits at the foot of the page, where a flyer's reader looks for it.
        story.append(TopPadder(Group([
            kit.section("お申し込み・お問い合わせ"),
            *kit.contact_block([card], columns=1, note=f"掲載内容は{as_of}現在のものです。"),
        ])))
        return story

    return fitting.build(info, compose, decorate=lambda kit: kit.footer(department),
                         subject=e.title, data_key=(e, data.facility, as_of))
