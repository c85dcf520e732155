"""交付金の募集案内 (call for proposals): one programme's call on one or two A4 pages in the
summary edition's style: its purpose, who may apply, the amounts, the call period, the flow
of a case from 相談 to 公表 with the documents each step asks for, the screening criteria with
their weights, how to apply and whom to ask."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, TopPadder

from kyodo_desk.domain.dates import fiscal_year_label, print_style, year_month
from kyodo_desk.domain.grants import MAIN_LINE, STAGE_LABELS, Stage, yen
from kyodo_desk.leaflets import LeafletInfo, fitting, grant_text
from kyodo_desk.leaflets.event_text import day_text
from kyodo_desk.leaflets.style import Badge, Group, Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.grants import CriterionInfo, ProgrammeDetail
    from kyodo_desk.services.grants.prints import GrantCallData

SUBTITLE = "募集案内"
# What happens at each step, as the applicant meets it (the guideline's cycle).
STEP_NOTES: dict[Stage, str] = {
    Stage.CONSULTATION: "事業の内容や申請の方法について、お気軽にご相談ください。",
    Stage.APPLICATION: "募集期間内に、申請書類を提出してください。",
    Stage.SCREENING: "審査員が、下の審査の観点ごとに採点して審査します。",
    Stage.ADOPTED: "審査の結果、採択された事業をお知らせします。",
    Stage.GRANT_DECIDED: "交付の申請を受けて、市が交付額を決定します。",
    Stage.IN_PROGRESS: "市の担当課と協働で事業を実施します。",
    Stage.REPORTED: "事業が終わったら、実績を報告してください。",
    Stage.SETTLED: "実績をもとに交付額を確定し、交付金をお支払いします。",
    Stage.EVALUATED: "事業の成果と課題を、団体と市でふり返ります。",
    Stage.PUBLISHED: "採択した事業とその実施結果を、市が公表します。",
}
SCORING_NOTE = ("審査員が観点ごとに点数をつけ、重みを掛けた点数の合計で審査します。審査員が"
                "複数のときは、1人あたりの平均点の高い順に採択を検討します。")


def outline(p: ProgrammeDetail) -> list[tuple[str, str]]:
    """The 募集の概要 rows; what the programme leaves empty is left out, never invented."""
    ceiling = f"1件あたり {yen(p.ceiling)} まで" if p.ceiling else "上限は設けていません"
    rows = [
        ("対象", p.eligibility),
        ("交付額", f"{ceiling}（予算の範囲内で交付します）"),
        ("予算額", yen(p.budget)),
        ("募集期間", grant_text.period_text(p.call_opens_on, p.call_closes_on)),
    ]
    return [(label, value) for label, value in rows if value]


def build(data: GrantCallData, *, info: LeafletInfo, today: date) -> bytes:
    p = data.programme
    card = grant_text.programme_card(p, data.facility)
    title = grant_text.programme_title(p.fiscal_year, p.name)
    as_of = year_month(today, print_style())
    subtitle = f"{fiscal_year_label(p.fiscal_year)}　{SUBTITLE}"
    steps = [(STAGE_LABELS[s], STEP_NOTES[s], p.documents_for(s)) for s in MAIN_LINE]

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(grant_text.DEPARTMENT, p.name, subtitle, issuer="秋田市",
                           date_text=as_of),
            kit.spacer(8),
        ]
        if p.purpose:
            story.append(kit.lead(p.purpose))
        story += [
            kit.section("募集の概要"), kit.facts(outline(p)),
            kit.section("申請から公表までの流れと提出書類"),
            FlowStrip(kit, [label for label, _, _ in steps]),
            kit.spacer(4),
            _steps(kit, steps),
            kit.section("審査の観点"),
            _criteria(kit, p.criteria),
            kit.spacer(3),
            kit.para(f"※{SCORING_NOTE}", "note", color=kit.palette.muted),
        ]
        if p.how_to_apply:
            story += [kit.section("申請の方法"), kit.para(p.how_to_apply, "body")]
        story += [
            kit.spacer(6),
            kit.callout(f"申請の締切　{day_text(p.call_closes_on)}"),
            kit.spacer(4),
            # Where a reader looks for it: at the foot of the last page, as on the flyer.
            TopPadder(Group([kit.section("お申し込み・お問い合わせ"),
                             *kit.contact_block([card], columns=1,
                                                note=f"掲載内容は{as_of}現在のものです。")])),
        ]
        return story

    return fitting.build(
        info, compose, subject=f"{title} {SUBTITLE}",
        decorate=lambda kit: kit.footer(f"{title}　{SUBTITLE}", numbered=True),
        data_key=(p, card, as_of))


def _steps(kit: Kit, steps: Sequence[tuple[str, str, list[str]]]) -> Flowable:
    """A row per step: its number, its name and what happens, and the documents it asks
    for as ● bullets. The table may break between steps, never inside one."""
    p = kit.palette
    d = kit.pt(20)
    rows = [[Badge(str(n), d, p.accent, kit.font, kit.size("subheading")),
             [kit.emph(label, "subheading"), kit.para(note, "small", color=p.muted)],
             kit.bullets(documents, role="small") if documents else ""]
            for n, (label, note, documents) in enumerate(steps, start=1)]
    header = ["", kit.para("段階と内容", "note", color=p.muted),
              kit.para("提出する書類", "note", color=p.muted)]

    def make(w: float) -> Any:
        badge_w = d + kit.pt(10)
        docs_w = (w - badge_w) * 0.4
        return kit.table([header, *rows], [badge_w, w - badge_w - docs_w, docs_w], [
            ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(6)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(2.5)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(3)),
            ("LEFTPADDING", (2, 0), (2, -1), kit.pt(8)),
            ("BACKGROUND", (2, 1), (2, -1), p.primary_pale),
            ("LINEBELOW", (1, 1), (-1, -2), kit.pt(0.5), p.rule, None, (1, 2)),
        ], repeat_rows=1)

    return Sized(make)


def _criteria(kit: Kit, criteria: Sequence[CriterionInfo]) -> Flowable:
    """審査の観点 with 重み, the range of points and the full marks (配点), and the total."""
    rows = [[c.name, f"×{c.weight}", f"0～{c.max_score}点", f"{c.weight * c.max_score}点"]
            for c in criteria]
    total = sum(c.weight * c.max_score for c in criteria)
    rows.append([kit.emph("合計（満点）", "small"), "", "",
                 kit.emph(f"{total}点", "small", align=TA_RIGHT)])
    return kit.list_table(["審査の観点", "重み", "点数", "配点"], rows, [4.0, 1.0, 1.3, 1.2],
                          align=[TA_LEFT, TA_CENTER, TA_CENTER, TA_RIGHT])


class FlowStrip(Flowable):
    """The steps in one row of boxes with arrows between them (相談 → 申請 → … → 公表), so
    the whole cycle is seen at a glance before the table spells it out."""

    def __init__(self, kit: Kit, labels: Sequence[str]) -> None:
        super().__init__()
        self.kit = kit
        self.labels = list(labels)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        k = self.kit
        self.width = availWidth
        self.gap = k.pt(9)
        self.box_w = (availWidth - self.gap * (len(self.labels) - 1)) / len(self.labels)
        widest = max(stringWidth(label, k.font, 1.0) for label in self.labels)
        # The longest label (確定・支払) fills its box; the others match it.
        self.font_size = min(k.size("small"), (self.box_w - k.pt(4)) / widest)
        self.height = self.font_size * 2.6
        return self.width, self.height

    def draw(self) -> None:
        k, c = self.kit, self.canv
        p = k.palette
        h, last = self.height, len(self.labels) - 1
        c.saveState()
        c.setFont(k.font, self.font_size)
        for i, label in enumerate(self.labels):
            x = i * (self.box_w + self.gap)
            c.setFillColor(p.accent if i == last else p.primary)
            c.roundRect(x, 0, self.box_w, h, k.pt(3), stroke=0, fill=1)
            c.setFillColor(p.paper)
            c.drawCentredString(x + self.box_w / 2, h / 2 - self.font_size * 0.36, label)
            if i < last:
                tip = x + self.box_w + self.gap - k.pt(1.5)
                c.setFillColor(p.arrow)
                arrow = c.beginPath()
                arrow.moveTo(tip, h / 2)
                arrow.lineTo(tip - self.gap + k.pt(3), h / 2 + k.pt(4))
                arrow.lineTo(tip - self.gap + k.pt(3), h / 2 - k.pt(4))
                arrow.close()
                c.drawPath(arrow, stroke=0, fill=1)
        c.restoreState()
