"""採択事業一覧・実施結果 (publication, 公表): a fiscal year's civic-collaboration grants as the
city publishes them: per programme, the adopted projects (団体名, 事業名, 協働担当課, 交付決定額)
with their total, then the results of the finished ones (交付額, 実績, 評価), on as many A4
pages as they need."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.platypus import CondPageBreak, Flowable

from kyodo_desk.domain.dates import fiscal_year_label, full_date, print_style
from kyodo_desk.domain.grants import yen
from kyodo_desk.leaflets import LeafletInfo, fitting, grant_text
from kyodo_desk.leaflets.style import Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.grants.prints import GrantResultsData, ProgrammeResults
    from kyodo_desk.services.grants.publication import PublishedCase

TITLE = "採択事業一覧・実施結果"
SUBJECT = "市民協働交付金"
NONE_ADOPTED = "採択された事業はまだありません。"
NONE_FINISHED = "実施結果は、事業が終わり交付額が確定してから掲載します。"
NOT_DECIDED = "決定前"


def build(data: GrantResultsData, *, info: LeafletInfo, today: date) -> bytes:
    programmes = data.programmes
    year = fiscal_year_label(data.fiscal_year)
    subtitle = f"{year}　{SUBJECT}"
    as_of = f"{full_date(today, print_style())}現在"
    adopted = sum(len(p.cases) for p in programmes)
    lead = (f"{year}に採択した{SUBJECT}の事業と、終了した事業の実施結果をお知らせします。"
            "交付額は、事業の終了後に確定した額（返還があった場合は差し引いた額）です。")

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(grant_text.DEPARTMENT, TITLE, subtitle, issuer="秋田市",
                           date_text=as_of),
            kit.spacer(8),
            kit.lead(lead),
        ]
        if not adopted:
            story += [kit.spacer(6), kit.callout(NONE_ADOPTED)]
        for programme in programmes:
            story += _programme(kit, programme)
        return story

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{subtitle}　{TITLE}", numbered=True),
                         subject=f"{subtitle} {TITLE}")


def _programme(kit: Kit, programme: ProgrammeResults) -> list[Any]:
    p = kit.palette
    story: list[Any] = [CondPageBreak(kit.pt(150)), kit.section(programme.name)]
    if not programme.cases:
        return [*story, kit.para(NONE_ADOPTED, "body")]
    finished = programme.finished
    story += [
        kit.para(f"採択 {len(programme.cases)}件　交付決定額の合計 {yen(programme.decided)}"
                 f"（予算額 {yen(programme.budget)}）", "small", color=p.muted, space_after=3),
        *_subheading(kit, "採択事業"),
        _adopted_table(kit, programme),
        kit.spacer(6),
        *_subheading(kit, f"実施結果（終了した事業 {len(finished)}件・交付額の合計 "
                          f"{yen(programme.paid)}）" if finished else "実施結果"),
    ]
    if not finished:
        return [*story, kit.para(NONE_FINISHED, "body")]
    for case in finished:
        # A result's heading never stands alone at the foot of a page.
        story += [CondPageBreak(kit.pt(70)), _result(kit, case), kit.spacer(5)]
    return story


def _subheading(kit: Kit, text: str) -> list[Flowable]:
    """A heading over a list: on a new page only when a few rows would not fit under it
    (kept with the whole list instead, a list that fits one page would leave this page
    empty)."""
    made = kit.emph(f"■ {text}", "subheading", color=kit.palette.accent_dark)
    return [CondPageBreak(kit.pt(80)), made, kit.spacer(3)]


def _adopted_table(kit: Kit, programme: ProgrammeResults) -> Flowable:
    rows: list[list[Any]] = [
        [c.group_name, c.title, c.department, yen(c.decided) if c.decided else NOT_DECIDED]
        for c in programme.cases]
    rows.append([kit.emph(f"合計 {len(programme.cases)}件", "small"), "", "",
                 kit.emph(yen(programme.decided), "small", align=TA_RIGHT)])
    return kit.list_table(["団体名", "事業名", "協働担当課", "交付決定額"], rows,
                          [2.6, 3.4, 2.4, 1.4], align=[TA_LEFT, TA_LEFT, TA_LEFT, TA_RIGHT])


def _result(kit: Kit, case: PublishedCase) -> Flowable:
    """One finished project: the group and project over its 交付額, then 実績 and 評価 in
    full. A long text runs on to the next page inside its row."""
    p = kit.palette
    head = [kit.para(case.group_name, "small", color=p.muted),
            kit.emph(case.title, "subheading")]
    amount = [kit.para("交付額", "note", color=p.muted, align=TA_RIGHT),
              kit.emph(yen(case.paid), "subheading", align=TA_RIGHT)]
    texts = [(label, text) for label, text in (("実績", case.result), ("評価", case.evaluation))
             if text]
    rows: list[list[Any]] = [[head, "", amount]]
    rows += [[kit.emph(label, "small"), kit.para(text, "small"), ""] for label, text in texts]
    pad = kit.pt(7)

    def make(w: float) -> Any:
        label_w = kit.size("small") * 2 + 2 * pad + 1
        amount_w = kit.pt(96)
        commands: list[Any] = [
            ("SPAN", (0, 0), (1, 0)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("BACKGROUND", (0, 0), (-1, 0), p.primary_pale),
            ("LINEBEFORE", (0, 0), (0, 0), kit.pt(3), p.accent),
            ("LINEBELOW", (0, 0), (-1, 0), kit.pt(0.8), p.primary),
            ("BACKGROUND", (0, 1), (0, -1), p.primary_tint),
            ("LINEBELOW", (0, 1), (-1, -1), kit.pt(0.4), p.rule),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(3)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(4)),
        ]
        commands += [("SPAN", (1, r), (2, r)) for r in range(1, len(rows))]
        table = kit.table(rows, [label_w, w - label_w - amount_w, amount_w], commands)
        # An 800- or 4,000-character 実績 may be taller than a page: split inside the row.
        table.splitInRow = 1
        return table

    return Sized(make)
