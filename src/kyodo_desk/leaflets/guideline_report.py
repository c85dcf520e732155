"""市民協働の推進状況 (the guideline's five directions measured): A4 in the summary-edition
style. Per direction its number and name (as the summary edition numbers them), its aim, a
small bar chart of its main figures this year beside last year, the table of every
indicator (今年度・前年度・増減) and what the map counts toward it; the definitions (定義) close
the report. Figures only, no personal data: a public print (公表用)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_RIGHT

from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.style import Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.guideline import DirectionFigures, GuidelineReport

DEPARTMENT = "秋田市市民生活部　中央市民サービスセンター"
TITLE = "市民協働の推進状況"


def build(report: GuidelineReport, *, today: date, info: LeafletInfo) -> bytes:
    """The report of *report*'s figures, made *today*."""
    made_on = f"{full_date(today, print_style())}作成"
    subtitle = f"{report.label}（前年度: {report.previous_label}）"

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(DEPARTMENT, TITLE, subtitle, issuer="秋田市", date_text=made_on),
            kit.spacer(6),
            kit.lead("秋田市市民協働指針の目指す5つの方向ごとに、協働デスクの記録（相談、イベントの"
                     "申込と出席、交付金案件、地域まちづくり計画）から数えた指標を前年度と比べます。"
                     "各指標の数え方は末尾の「指標の定義」のとおりです。"),
        ]
        for figures in report.directions:
            story += _direction(kit, report, figures)
        story += [kit.section("指標の定義"),
                  kit.glossary(list(report.notes), title="定義")]
        return story

    return fitting.build(info, compose, decorate=lambda kit: kit.footer(
        f"{TITLE}（{report.label}）", numbered=True),
        subject=report.title, data_key=(report, made_on))


def _direction(kit: Kit, report: GuidelineReport, figures: DirectionFigures) -> list[Any]:
    from reportlab.platypus import KeepTogether

    p = kit.palette
    headline = figures.headline()
    chart = kit.bars([i.label for i in headline],
                     [[i.last_year for i in headline], [i.this_year for i in headline]],
                     names=[report.previous_label, report.label], height=70)
    mapped = "・".join(figures.mapped) if figures.mapped else "（対応づけなし）"
    # A direction stays on one page where it fits: its chart never apart from its table.
    return [KeepTogether([
        kit.numbered_points([(figures.label, figures.aim)], start=figures.number),
        kit.spacer(3),
        chart,
        kit.spacer(3),
        _table(kit, report, figures),
        kit.para(f"対応づけた記録: {mapped}", "note", color=p.muted),
    ]), kit.spacer(8)]


def _table(kit: Kit, report: GuidelineReport, figures: DirectionFigures) -> Any:
    p = kit.palette
    header = ["指標", report.label, report.previous_label, "増減"]
    rows: list[list[Any]] = [[kit.para(header[0], "small", color=p.paper)]
                             + [kit.para(h, "small", color=p.paper, align=TA_RIGHT)
                                for h in header[1:]]]
    for i in figures.indicators:
        label = f"　{i.label}" if i.part else i.label
        colour = p.muted if i.part else p.text
        rows.append([kit.para(label, "small", color=colour),
                     kit.para(f"{i.this_year:,}{i.unit}", "small", align=TA_RIGHT),
                     kit.para(f"{i.last_year:,}{i.unit}", "small", color=p.muted, align=TA_RIGHT),
                     kit.para(i.difference_text(), "small",
                              color=p.accent_dark if i.difference > 0 else colour,
                              align=TA_RIGHT)])

    def make(w: float) -> Any:
        number_w = min(kit.pt(80), w / 5)
        commands: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), p.primary),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(4)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(5)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(1.6)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(2.2)),
            ("LINEBELOW", (0, 1), (-1, -1), kit.pt(0.4), p.rule),
            ("BACKGROUND", (1, 1), (1, -1), p.primary_pale),
        ]
        return kit.table(rows, [w - 3 * number_w, number_w, number_w, number_w], commands)

    return Sized(make)
