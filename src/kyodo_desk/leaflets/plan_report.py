"""地域まちづくり計画の実施状況 (the plan report): one plan edition in one fiscal year, as the
city publishes it (公表), in the summary edition's style.

The title band names the district's center; then the plan (title, 地域, 地域づくり組織,
period, edition, 目指す姿), the PLAN → DO → CHECK → ACT cycle of the summary edition with the
year's stage marked (a ring and the word 現在, not colour alone), the year in numbered points,
the actions' table (取組, 主体, 指標, 目標, 実績, 達成, 実施状況, 実績・成果) running over as
many pages as it needs, the 評価 and 改善 notes, the workshops that made the plan and the
grant cases that fund its actions. A public print: it shows no individual (the service gives
none).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import CondPageBreak, Flowable

from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.plans import (
    PLAN_STAGE_LABELS,
    PLAN_STAGE_MEANINGS,
    PLAN_STAGE_WORDS,
    ActionStatus,
    PlanStage,
)
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.event_text import DEPARTMENT_PREFIX
from kyodo_desk.leaflets.style import CycleDiagram, Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.plans.publication import PlanReport, PublicAction

SUBJECT = "地域まちづくり計画の実施状況"
NOT_PUBLISHED = "公表前"
NO_ACTIONS = "この計画には、まだ取組が登録されていません。"
STAGES = tuple(PlanStage)
# A mark beside each status word, so the table reads the same printed in black and white.
STATUS_MARKS: dict[ActionStatus | None, str] = {
    ActionStatus.DONE: "◎", ActionStatus.PARTLY: "△", ActionStatus.NOT_DONE: "×", None: "－"}


def department(district: str) -> str:
    """The issuing center: the district's 市民サービスセンター."""
    return f"{DEPARTMENT_PREFIX}　{district}市民サービスセンター"


def build(report: PlanReport, *, info: LeafletInfo, today: date) -> bytes:
    """The report of *report* (one edition in one fiscal year), made *today*."""
    style = print_style()
    published = (f"公表日　{full_date(report.published_on, style)}"
                 if report.published_on is not None else f"{full_date(today, style)}現在")
    subtitle = f"{report.year_label}　{SUBJECT}"
    lead = (f"{report.district}地域の{report.organisation_name or '住民'}と市民が話し合って"
            f"つくった地域まちづくり計画について、{report.year_label}の取組の実施状況と"
            "目標に対する実績をお知らせします。")

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(department(report.district), report.title, subtitle,
                           issuer="秋田市", date_text=published),
            kit.spacer(8),
            kit.lead(lead),
            kit.section("計画の概要"),
            kit.facts(_plan_facts(report, today)),
        ]
        if report.vision:
            story += [kit.spacer(6), kit.emph("■ 目指す姿", "subheading",
                                              color=kit.palette.accent_dark),
                      kit.spacer(3), *_texts(kit, report.vision, "body")]
        story += [
            kit.section(f"PDCAサイクルと{report.year_label}の段階"),
            StageCycle(kit, [(PLAN_STAGE_LABELS[s], PLAN_STAGE_WORDS[s], PLAN_STAGE_MEANINGS[s])
                             for s in STAGES], current=STAGES.index(report.stage)),
            kit.spacer(4),
            kit.numbered_points(report.year_points()),
            CondPageBreak(kit.pt(120)),
            kit.section("取組の実施状況"),
        ]
        if report.actions:
            story += [_actions_table(kit, report.actions), kit.spacer(3),
                      kit.para("達成は、実績値を目標値で割った割合です。実施状況の記号: "
                               "◎ 実施、△ 一部実施、× 未実施、－ 未報告。", "note",
                               color=kit.palette.muted)]
        else:
            story.append(kit.para(NO_ACTIONS, "body"))
        story += _notes(kit, report)
        story += _links(kit, report)
        return story

    return fitting.build(
        info, compose, scales=(1.0,),
        # The footer is one line: the district and the year, not the plan's (long) title.
        decorate=lambda kit: kit.footer(f"{report.district}地域　{subtitle}", numbered=True),
        subject=f"{report.title} {subtitle}")


# --- parts --------------------------------------------------------------------------------

def _plan_facts(report: PlanReport, today: date) -> list[tuple[str, str]]:
    style = print_style()
    rows = [("計画の名称", report.title), ("地域", f"{report.district}地域")]
    if report.organisation_name:
        rows.append(("地域づくり組織", report.organisation_name))
    rows += [("計画期間", report.period_label), ("版", report.edition_label)]
    if report.adopted_on is not None:
        rows.append(("策定日" if report.edition == 1 else "改定日",
                     full_date(report.adopted_on, style)))
    rows.append(("公表日", full_date(report.published_on, style)
                 if report.published_on is not None
                 else f"{NOT_PUBLISHED}（{full_date(today, style)}現在の内容です）"))
    return rows


def _texts(kit: Kit, text: str, role: str) -> list[Flowable]:
    """A note as paragraphs, one a line: each splits over a page on its own."""
    return [kit.para(line, role, space_after=2) for line in text.splitlines() if line.strip()]


def _notes(kit: Kit, report: PlanReport) -> list[Any]:
    """評価 and 改善: headed paragraphs (a long note runs on to the next page)."""
    story: list[Any] = [CondPageBreak(kit.pt(90)), kit.section("評価と改善")]
    for head, text, empty in (
            (f"評価（CHECK）　{report.year_label}の振り返り", report.evaluation,
             "評価はまだ記入されていません。"),
            ("改善（ACT）　課題と計画の見直し", report.improvement,
             "改善の内容はまだ記入されていません。")):
        story += [kit.emph(f"■ {head}", "subheading", color=kit.palette.accent_dark),
                  kit.spacer(3)]
        story += (_texts(kit, text, "body") if text
                  else [kit.para(empty, "body", color=kit.palette.muted)])
        story.append(kit.spacer(5))
    return story


def _links(kit: Kit, report: PlanReport) -> list[Any]:
    """The workshops that made the plan and the cases that fund its actions, ● bullets."""
    workshops, cases = report.workshop_lines(), report.funding_lines()
    story: list[Any] = [CondPageBreak(kit.pt(80)),
                        kit.section("計画をつくったワークショップ・取組を支える交付金")]
    for head, items, empty in (
            ("計画をつくったワークショップ", workshops, "登録されたワークショップはありません。"),
            ("取組を支える交付金（地域づくり交付金など）", cases,
             "取組に結びついた交付金の事業はありません。")):
        story += [kit.emph(f"■ {head}", "subheading", color=kit.palette.accent_dark),
                  kit.spacer(3)]
        story += (kit.bullets(items) if items
                  else [kit.para(empty, "body", color=kit.palette.muted)])
        story.append(kit.spacer(5))
    return story


HEADER = ("No.", "取組", "主体", "指標", "目標", "実績", "達成", "実施状況", "実績・成果")
SHARES = (0.6, 2.4, 0.75, 1.3, 0.95, 0.95, 0.75, 1.3, 2.6)
ALIGN = (TA_CENTER, TA_LEFT, TA_CENTER, TA_LEFT, TA_RIGHT, TA_RIGHT, TA_RIGHT, TA_LEFT, TA_LEFT)


def _actions_table(kit: Kit, actions: Sequence[PublicAction]) -> Flowable:
    """The actions, the header repeated on every page; a long 実績・成果 runs on to the next
    page inside its row."""
    p = kit.palette
    role = "small"

    def text(value: str, column: int) -> Any:
        return kit.para(value, role, align=ALIGN[column]) if value else ""

    def name_cell(a: PublicAction) -> list[Flowable]:
        cell: list[Flowable] = [kit.emph(a.title, role)]
        details = [t for t in (a.detail, f"実施時期: {a.schedule}" if a.schedule else "") if t]
        cell += [kit.para(t, "note", color=p.muted) for t in details]
        return cell

    def status_cell(a: PublicAction) -> Flowable:
        word = f"{STATUS_MARKS[a.status]} {a.status_text}"
        colour = {ActionStatus.DONE: p.citizen_dark, ActionStatus.PARTLY: p.accent_dark,
                  ActionStatus.NOT_DONE: p.text}.get(a.status, p.muted) \
            if a.status is not None else p.muted
        return kit.emph(word, role, color=colour)

    data: list[list[Any]] = [[kit.para(h, role, color=p.paper, align=ALIGN[c])
                              for c, h in enumerate(HEADER)]]
    for a in actions:
        data.append([
            kit.para(str(a.position), role, align=TA_CENTER), name_cell(a),
            text(a.carrier_text, 2), text(a.indicator, 3), text(a.target_text, 4),
            text(a.figure_text, 5), text(a.reached_text, 6), status_cell(a),
            text(a.result, 8)])
    total = sum(SHARES)

    def make(w: float) -> Any:
        table = kit.table(data, [w * s / total for s in SHARES], [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), p.primary),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [p.paper, p.primary_pale]),
            ("LINEBELOW", (0, 1), (-1, -1), kit.pt(0.4), p.rule),
            ("LINEAFTER", (0, 1), (-2, -1), kit.pt(0.4), p.rule),
            ("LINEAFTER", (0, 0), (-2, 0), kit.pt(0.4), p.primary_tint),
            ("BOX", (0, 0), (-1, -1), kit.pt(0.8), p.primary),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(3.5)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(3.5)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(2.5)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(3)),
        ], repeat_rows=1)
        # A 実績・成果 of thousands of characters may be taller than a page: a row splits
        # inside itself, but only where at least this much of it goes on the page (ReportLab
        # reads the number as the least height of a piece), so an ordinary row never leaves
        # a sliver of itself under a repeated header at a page's foot.
        table.splitInRow = round(kit.pt(120))
        return table

    return Sized(make)


class StageCycle(CycleDiagram):
    """The summary edition's cycle with one stage marked as the current one: a thick ring
    round it and the word 現在 beside it (so the mark survives a black-and-white copy), the
    other stages drawn paler."""

    MARK = "現在"

    def __init__(self, kit: Kit, stages: Sequence[tuple[str, str, str]], *,
                 current: int) -> None:
        super().__init__(kit, stages)
        self.current = current

    def draw(self) -> None:
        super().draw()
        c = self.canv
        k = self.kit
        p = k.palette
        for i in range(len(self.stages)):
            if i == self.current:
                continue
            x, y = self._centre(i)
            c.saveState()
            c.setFillColor(p.paper)
            c.setFillAlpha(0.45)
            c.circle(x, y, self.node_r + 0.5, stroke=0, fill=1)
            c.restoreState()
        x, y = self._centre(self.current)
        c.saveState()
        c.setStrokeColor(p.accent)
        c.setLineWidth(k.pt(3))
        c.circle(x, y, self.node_r + k.pt(4.5), stroke=1, fill=0)
        size = k.size("small")
        label_w = c.stringWidth(self.MARK, k.font, size) + k.pt(10)
        label_h = size + k.pt(5)
        # The tag sits toward the ring's centre, where nothing else is drawn.
        lx = x + (self.cx - x) * 0.62 - label_w / 2
        ly = y + (self.cy - y) * 0.62 - label_h / 2
        c.setFillColor(p.accent_dark)
        c.roundRect(lx, ly, label_w, label_h, label_h / 2, stroke=0, fill=1)
        c.setFillColor(p.paper)
        c.setFont(k.font, size)
        c.drawCentredString(lx + label_w / 2, ly + k.pt(2.5) + size * 0.12, self.MARK)
        c.restoreState()
