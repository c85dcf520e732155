"""保有個人情報の開示 (contact-disclosure): everything held about one person or group, printed to
be handed to them on their request. The data comes gathered and labelled
(services/contacts/disclosure.py); this module only draws it, on as many A4 pages as it needs.

It is personal data leaving the office: 取扱注意 on every page (a staff print), and the
heading gives the date, the record's number and the request's reason. Every section is
there even when empty (「該当なし」), so the reader sees that nothing was left out. Free text
(what was asked and answered, notes, comments) is set as paragraphs or in full-width rows,
never in a narrow cell, so that the longest a field may hold still flows over the pages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import CondPageBreak, Flowable

from kyodo_desk.domain.dates import date_and_time, fiscal_year_label, print_style
from kyodo_desk.domain.grants import yen
from kyodo_desk.leaflets import LeafletInfo, fitting, grant_text
from kyodo_desk.leaflets.contact_record import _days, day
from kyodo_desk.leaflets.style import Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.contacts.disclosure import (
        Disclosure,
        HeldCase,
        HeldConsultation,
    )

TITLE = "保有個人情報の開示"
NONE_HELD = "該当なし"
EMPTY_FIELD = "（登録なし）"
LEAD = ("秋田市（市民協働の窓口）が保有している、{whom}に関する個人情報の全部を、"
        "開示の請求に応じて記載したものです。相談記録の内容、イベントの申込、交付金案件、"
        "記録を作成・変更・閲覧・印刷した履歴を含みます。")
HISTORY_NOTE = ("操作記録には、個人情報の項目の値を残していません。変更の行には、変更した項目の"
                "名前だけを記載しています。")


def when(moment: datetime) -> str:
    return date_and_time(moment, print_style())


def build(held: Disclosure, *, info: LeafletInfo, today: date) -> bytes:
    footer = f"{TITLE}　番号 {held.contact_id}"

    def compose(kit: Kit) -> list[Any]:
        heading = [("開示日", day(today)), ("番号", str(held.contact_id))]
        if held.reason:
            heading.append(("請求の理由", held.reason))
        whom = "貴団体" if held.is_group else "あなた"
        story: list[Any] = [
            kit.title_band(grant_text.DEPARTMENT, TITLE, held.name, date_text=f"{day(today)}作成"),
            kit.spacer(6), kit.facts(heading, role="small"), kit.spacer(4),
            kit.para(LEAD.format(whom=whom), "small"),
            *_heading(kit, "登録内容"),
            kit.facts([(label, text or EMPTY_FIELD) for label, text in held.record],
                      role="small"),
        ]
        story += _affiliations(kit, held)
        story += _consultations(kit, held)
        story += _sign_ups(kit, held)
        story += _grant_cases(kit, held)
        story += _history(kit, held)
        return story

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(footer, numbered=True),
                         subject=footer)


def _heading(kit: Kit, title: str, room: float = 80) -> list[Flowable]:
    """A section heading, moved to the next page with what follows when less than *room*
    points (of the design) are left under it."""
    heading = kit.section(title)
    heading.keepWithNext = False  # the break above does it: a long list may not be kept
    return [CondPageBreak(kit.pt(room)), heading]


def _none(kit: Kit) -> Flowable:
    return kit.para(NONE_HELD, "body")


def _ruled(kit: Kit, header: list[str], rows: list[tuple[list[str], str]],
           shares: list[float], align: list[int]) -> Flowable:
    """A ruled list as Kit.list_table draws it, each entry's long text (notes, a comment),
    if any, in a full-width row under it, so that it never has to fit a narrow cell."""
    p = kit.palette
    data: list[list[Any]] = [[kit.para(h, "small", color=p.paper, align=align[c])
                              for c, h in enumerate(header)]]
    spans: list[Any] = []
    shaded: list[Any] = []
    for n, (cells, below) in enumerate(rows):
        first = len(data)
        data.append([kit.para(v, "small", align=align[c]) if v else ""
                     for c, v in enumerate(cells)])
        if below:
            data.append([kit.para(below, "small")] + [""] * (len(header) - 1))
            spans.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
            spans.append(("LINEABOVE", (0, len(data) - 1), (-1, len(data) - 1), kit.pt(0.3),
                          p.rule))
        if n % 2:
            shaded.append(("BACKGROUND", (0, first), (-1, len(data) - 1), p.primary_pale))
        spans.append(("LINEBELOW", (0, len(data) - 1), (-1, len(data) - 1), kit.pt(0.4),
                      p.rule))
    total = sum(shares)

    def make(w: float) -> Any:
        return kit.table(data, [w * s / total for s in shares], [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), p.primary),
            ("LINEAFTER", (0, 0), (-2, 0), kit.pt(0.4), p.primary_tint),
            ("BOX", (0, 0), (-1, -1), kit.pt(0.8), p.primary),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(4)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(4)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(2.5)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(3)),
            *shaded, *spans,
        ], repeat_rows=1)

    return Sized(make)


def _affiliations(kit: Kit, held: Disclosure) -> list[Any]:
    title = "構成員" if held.is_group else "所属団体"
    entries = held.affiliations
    story = _heading(kit, f"{title}（{len(entries)}件）")
    if not entries:
        return [*story, _none(kit)]
    rows = [[str(a.contact_id), a.name, a.role] for a in entries]
    return [*story, kit.list_table(["番号", "氏名" if held.is_group else "団体名", "役割"], rows,
                                   [1.0, 6.0, 3.0], align=[TA_RIGHT, TA_LEFT, TA_LEFT])]


def _consultations(kit: Kit, held: Disclosure) -> list[Any]:
    story = _heading(kit, f"相談記録（{len(held.consultations)}件）")
    if not held.consultations:
        return [*story, _none(kit)]
    for n, c in enumerate(held.consultations):
        story += _consultation(kit, c, first=n == 0)
    return story


def _consultation(kit: Kit, c: HeldConsultation, *, first: bool) -> list[Any]:
    """One consultation: its day and facility, the short fields on a line or two, then each
    text under its label as running paragraphs, which break over pages wherever they must.
    A label is kept with the start of its text, the heading with what follows it."""
    p = kit.palette
    story: list[Any] = [CondPageBreak(kit.pt(90))]
    if not first:
        story.append(kit.spacer(6))
    story.append(_kept(kit.emph(f"{day(c.held_on)}　{c.facility_name}（番号 {c.id}）",
                                "subheading")))
    if c.facts:
        story.append(_kept(kit.para("　".join(f"{label}：{text}" for label, text in c.facts),
                                    "small", color=p.muted)))
    for label, text in c.texts:
        story += [_kept(kit.spacer(3)), _kept(kit.emph(label, "small", color=p.primary)),
                  kit.para(text, "body")]
    return story


def _kept(flowable: Flowable) -> Flowable:
    """*flowable*, kept on the page of the one after it."""
    flowable.keepWithNext = True
    return flowable


def _sign_ups(kit: Kit, held: Disclosure) -> list[Any]:
    entries = held.sign_ups
    story = _heading(kit, f"イベントの申込・出席（{len(entries)}件）")
    if not entries:
        return [*story, _none(kit)]
    rows = [([_days(s.entry), s.entry.event_title, s.entry.facility_name, str(s.queue_number),
              f"{s.entry.party_size}名", s.entry.status_label, s.entry.attendance_label],
             f"{s.notes_label}：{s.notes}" if s.notes.strip() else "") for s in entries]
    return [*story, _ruled(
        kit, ["開催日", "イベント", "主催", "受付番号", "人数", "状況", "出席"], rows,
        [2.7, 3.2, 2.4, 1.0, 0.8, 1.0, 1.3],
        [TA_LEFT, TA_LEFT, TA_LEFT, TA_RIGHT, TA_RIGHT, TA_CENTER, TA_LEFT])]


def _grant_cases(kit: Kit, held: Disclosure) -> list[Any]:
    entries = held.grant_cases
    story = _heading(kit, f"交付金案件（{len(entries)}件）")
    if not entries:
        return [*story, _none(kit)]
    for case in entries:
        story += _grant_case(kit, case)
    return story


def _grant_case(kit: Kit, case: HeldCase) -> list[Any]:
    g = case.entry
    money = g.money
    facts = [("年度", fiscal_year_label(g.fiscal_year)), ("交付金", g.programme_name),
             ("事業名", g.title), ("協働担当課", g.department), ("段階", g.stage_label),
             ("申請額", yen(money.requested)),
             ("交付決定額", yen(money.decided) if money.decided else ""),
             ("支払額", yen(money.net_paid) if money.paid else "")]
    story: list[Any] = [CondPageBreak(kit.pt(110)), kit.spacer(8),
                        kit.facts([(k, v) for k, v in facts if v], role="small")]
    if case.moves:
        rows = [([when(m.at), f"{m.from_label} → {m.to_label}" if m.from_label else m.to_label,
                  m.moved_by], f"コメント：{m.comment}" if m.comment.strip() else "")
                for m in case.moves]
        story += [kit.spacer(3), _ruled(kit, ["移動した日時", "段階", "移動した人"], rows,
                                        [3.0, 4.0, 3.0], [TA_LEFT, TA_LEFT, TA_LEFT])]
    return story


def _history(kit: Kit, held: Disclosure) -> list[Any]:
    lines = held.history
    story = _heading(kit, f"記録の操作履歴（{len(lines)}件）", room=150)
    story.append(kit.para(f"※{HISTORY_NOTE}", "note", color=kit.palette.muted))
    story.append(kit.spacer(2))
    if not lines:
        return [*story, _none(kit)]
    rows = [[when(h.at), h.actor, h.action_label, h.target, h.what] for h in lines]
    return [*story, kit.list_table(["日時", "操作した人", "操作", "対象", "内容"], rows,
                                   [2.5, 1.8, 1.0, 2.8, 4.0],
                                   align=[TA_LEFT, TA_LEFT, TA_CENTER, TA_LEFT, TA_LEFT])]
