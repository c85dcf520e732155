"""市民活動団体一覧 (the public group directory) as an A4 leaflet: the listed groups in sections
by their main 活動分野 or by 地域, two compact cards to a row, on as many pages as they need.

A public print: only what services.contacts.directory hands over (the fields each group
agreed to publish), no staff mark and no notes. A card leaves out what is blank, so a group
that publishes little takes little room; a card never splits over two pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable, Spacer
from reportlab.platypus.tables import Table

from kyodo_desk.domain.dates import full_date, print_style, year_month
from kyodo_desk.domain.labels import DISTRICT_CHOICES, GROUP_TYPE_LABELS
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.japanese_lines import JaParagraph
from kyodo_desk.leaflets.style import Kit, Sized, markup

if TYPE_CHECKING:
    from kyodo_desk.services.contacts.directory import PublicGroup

DEPARTMENT = "秋田市市民生活部　中央市民サービスセンター"
TITLE = "市民活動団体一覧"
PUBLIC_ONLY = "公開に同意した項目のみ掲載しています"
NONE_LISTED = "掲載に同意した団体は、まだありません。"
BY_FIELD, BY_DISTRICT = "field", "district"
GROUPINGS = {BY_FIELD: "活動分野別", BY_DISTRICT: "地域別"}
NO_FIELD = "活動分野の掲載なし"
NO_DISTRICT = "地域の登録なし"
COLUMNS = 2
# Every card's labels share one column as wide as the longest: 代表者, 所在地, 構成員.
LABEL_CHARS = 3


def build(groups: Sequence[PublicGroup], *, info: LeafletInfo, today: date,
          by: str = BY_FIELD, field_order: Sequence[str] = (),
          district: str | None = None) -> bytes:
    """The directory of *groups* (in reading order), in sections *by* main field (in
    *field_order*, the administrator's order) or by 地域; *district* names the 地域 the list
    was limited to, for the title."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {tuple(GROUPINGS)}")
    as_of = f"{full_date(today, print_style())}現在"
    where = f"{district}地域" if district and district in DISTRICT_CHOICES[:-1] else district
    # One 地域's list in sections by 地域 would have one section: its name says it all.
    grouping = "" if where and by == BY_DISTRICT else GROUPINGS[by]
    subtitle = "　".join(part for part in (where, grouping) if part)
    sections = (_by_field(groups, field_order) if by == BY_FIELD else _by_district(groups))
    lead = ("市内で活動する市民活動団体のうち、この一覧への掲載に同意した団体を"
            f"{GROUPINGS[by]}に紹介します。活動への参加や協力のご相談は各団体へ、"
            "団体の探し方や設立・運営のご相談は市民サービスセンター・市民交流サロンへどうぞ。")

    def compose(kit: Kit) -> list[Any]:
        p = kit.palette
        story: list[Any] = [
            kit.title_band(DEPARTMENT, TITLE, subtitle, issuer="秋田市", date_text=as_of),
            kit.spacer(8),
            kit.lead(lead),
            kit.para(f"掲載 {len(groups)}団体。※{PUBLIC_ONLY}。", "small", color=p.muted,
                     space_after=2),
        ]
        if not groups:
            return [*story, kit.spacer(6), kit.callout(NONE_LISTED)]
        for heading, members in sections:
            story += [kit.section(f"{heading}（{len(members)}団体）"),
                      *_cards(kit, members, by)]
        return story

    footer = f"{TITLE}（{as_of}）　{PUBLIC_ONLY}"
    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(footer, numbered=True),
                         subject=f"{TITLE} {subtitle}")


def _by_field(groups: Iterable[PublicGroup],
              order: Sequence[str]) -> list[tuple[str, list[PublicGroup]]]:
    found: dict[str, list[PublicGroup]] = {}
    for g in groups:
        found.setdefault(g.main_field or NO_FIELD, []).append(g)
    rank = {name: n for n, name in enumerate(order)}
    return sorted(found.items(), key=lambda item: (item[0] == NO_FIELD,
                                                   rank.get(item[0], len(rank)), item[0]))


def _by_district(groups: Iterable[PublicGroup]) -> list[tuple[str, list[PublicGroup]]]:
    found: dict[str, list[PublicGroup]] = {}
    for g in groups:
        found.setdefault(g.district, []).append(g)
    rank = {name: n for n, name in enumerate(DISTRICT_CHOICES)}
    ordered = sorted(found.items(), key=lambda item: rank.get(item[0], len(rank)))
    return [(_district_heading(name), members) for name, members in ordered]


def _district_heading(district: str) -> str:
    if not district:
        return NO_DISTRICT
    return district if district not in DISTRICT_CHOICES[:-1] else f"{district}地域"


def card_rows(g: PublicGroup) -> list[list[tuple[str, str]]]:
    """The card's lines of (label, value): a line's later pairs print after its first value.
    Blank values, and whatever the group did not agree to publish (None), are left out."""
    address = " ".join(part for part in (f"〒{g.postal_code}" if g.postal_code else "",
                                         g.address or "") if part)
    rows = [
        [("代表者", g.representative or "")],
        [("所在地", address)],
        [("電話", g.phone or ""), ("E-mail", g.email or "")],
        [("HP", g.website or "")],
        [("SNS", "\n".join(g.sns or ()))],
        [("分野", "、".join(g.activity_fields or ())), ("活動地域", g.activity_area or "")],
        [("構成員", f"{g.member_count:,}人" if g.member_count is not None else ""),
         ("設立", year_month(g.founded_on, print_style()) if g.founded_on else "")],
    ]
    kept = ([(label, value) for label, value in row if value] for row in rows)
    return [row for row in kept if row]


def describe(g: PublicGroup, *, district: bool = True) -> str:
    """The line under the name: 団体の種類, 法人格 and (unless the section says it) 地域."""
    parts = [GROUP_TYPE_LABELS[g.group_type]]
    if g.legal_form and g.legal_form != parts[0]:
        parts.append(g.legal_form)
    if district and g.district:
        parts.append(f"地域 {g.district}")
    return "　".join(parts)


def _card(kit: Kit, g: PublicGroup, label_w: float, by: str) -> list[Flowable]:
    p = kit.palette
    colour = p.primary.hexval().replace("0x", "#")
    style = kit.style("small")
    lines: list[list[Any]] = []
    for (label, value), *more in card_rows(g):
        text = markup(value) + "".join(
            f'　<font color="{colour}">{markup(k)}</font> {markup(v)}' for k, v in more)
        lines.append([kit.para(label, "small", color=p.primary), JaParagraph(text, style)])
    parts: list[Flowable] = [kit.emph(g.name, "body"),
                             kit.para(describe(g, district=by != BY_DISTRICT), "note", color=p.muted)]
    if lines:
        parts += [Spacer(1, kit.pt(1.5)), Sized(lambda w: kit.table(lines, [label_w, w - label_w], [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(0.3)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(0.3)),
        ]))]
    return parts


def _cards(kit: Kit, groups: Sequence[PublicGroup], by: str) -> list[Flowable]:
    """The cards two to a row on a pale ground with a bar at the left, as the summary
    edition's contact block. Each row is a table of its own: a page breaks between rows
    only, and the section's heading keeps with the first row, never alone at a page foot."""
    p = kit.palette
    label_w = kit.size("small") * (LABEL_CHARS + 0.8)
    gap = kit.pt(8)
    rows: list[Flowable] = []
    for start in range(0, len(groups), COLUMNS):
        cells: list[Any] = [_card(kit, g, label_w, by) for g in groups[start:start + COLUMNS]]
        filled = len(cells)
        cells += [""] * (COLUMNS - filled)

        def make(w: float, cells: list[Any] = cells, filled: int = filled) -> Table:
            col = (w - gap * (COLUMNS - 1)) / COLUMNS
            row: list[Any] = []
            widths: list[float] = []
            for c in range(COLUMNS):
                row += ([""] if c else []) + [cells[c]]
                widths += ([gap] if c else []) + [col]
            commands: list[Any] = [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(7)),
                ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(5)),
                ("TOPPADDING", (0, 0), (-1, -1), kit.pt(3.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(4.5)),
            ]
            for c in range(1, COLUMNS):  # the gutters
                commands += [("LEFTPADDING", (2 * c - 1, 0), (2 * c - 1, 0), 0),
                             ("RIGHTPADDING", (2 * c - 1, 0), (2 * c - 1, 0), 0)]
            for c in range(filled):
                commands += [("BACKGROUND", (2 * c, 0), (2 * c, 0), p.primary_pale),
                             ("LINEBEFORE", (2 * c, 0), (2 * c, 0), kit.pt(3), p.citizen)]
            return kit.table([row], widths, commands)

        made = Sized(make)
        made.spaceAfter = gap * 0.6
        rows.append(made)
    return rows
