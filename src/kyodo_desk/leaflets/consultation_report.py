"""市民活動相談 月報 (monthly consultation report): one month's consultations by topic and
facility, by channel and by new or returning consultee, each beside the fiscal year to date
(年度累計), on one A4 page. The counts are those the printing account may count: an advisor
prints the salon's, the administrator every facility's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from kyodo_desk.domain.dates import FISCAL_MONTHS, full_date, print_style
from kyodo_desk.domain.labels import TOTAL
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.style import Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.consultations.stats import MonthBreakdown, MonthStatistics

DEPARTMENT = "秋田市市民生活部　中央市民サービスセンター"
TITLE = "市民活動相談 月報"
TO_DATE = "年度累計"
GLOSSARY = (
    ("新規・継続", "新規は、その相談者の初めての相談（どの施設かを問いません）。継続は、以前にも"
                   "相談があった方の相談。匿名・不明は、匿名の相談と、相談者を記録していない相談です。"),
    ("年度累計", "4月1日からその月の末日までの件数です。"),
)
TOPIC_NOTE = ("複数の分野にわたる相談は各分野に1件ずつ数えるため、分野の件数の和は"
              "合計（相談件数）を上回ることがあります。")


def build(figures: MonthStatistics, *, info: LeafletInfo, today: date) -> bytes:
    """The report of *figures* (one month's), made *today*."""
    made_on = f"{full_date(today, print_style())}作成"
    subtitle = f"{figures.label}分（{figures.fiscal_year_label}）"
    if figures.one_facility and figures.facilities:
        subtitle += f"　{figures.facilities[0].name}"
    by_what = "分野別" if len(figures.facilities) <= 1 else "分野別・施設別"

    def compose(kit: Kit) -> list[Any]:
        return [
            kit.title_band(DEPARTMENT, TITLE, subtitle, issuer="秋田市", date_text=made_on),
            kit.spacer(8),
            _key_figures(kit, figures),
            kit.section(f"{by_what}の相談件数（{figures.label}）"),
            _topic_table(kit, figures),
            kit.spacer(3),
            kit.para(f"※{TOPIC_NOTE}", "note", color=kit.palette.muted),
            kit.section("相談方法・相談者の別"),
            kit.columns([_breakdown_table(kit, figures.channels, "相談方法")],
                        [_breakdown_table(kit, figures.consultees, "相談者※1")],
                        left_share=0.5, gap=14),
            kit.section(f"月別の相談件数（{figures.fiscal_year_label}）"),
            _month_bars(kit, figures),
            kit.spacer(8),
            kit.glossary(GLOSSARY),
        ]

    return fitting.build(info, compose, decorate=lambda kit: kit.footer(DEPARTMENT),
                         subject=f"{TITLE}　{figures.label}", data_key=(figures, made_on))


# --- parts --------------------------------------------------------------------------------

def _key_figures(kit: Kit, figures: MonthStatistics) -> Any:
    """Three boxes with the month's count, the year to date and the month's new consultees."""
    p = kit.palette
    new_this_month = figures.consultees.this_month[0]
    span = f"4月〜{figures.month}月" if figures.month != 4 else "4月"
    boxes = [
        ("当月の相談件数", figures.total, figures.label),
        (f"{TO_DATE}※2", figures.total_to_date, f"{figures.fiscal_year_label}　{span}"),
        ("当月の新規相談者※1", new_this_month, "初めて相談された方の人数"),
    ]
    units = ("件", "件", "人")
    cells = [[kit.para(label, "small", color=p.primary_dark),
              kit.emph(f"{count:,}{unit}", "display", color=p.primary_dark),
              kit.para(note, "note", color=p.muted)]
             for (label, count, note), unit in zip(boxes, units, strict=True)]
    gap = kit.pt(8)

    def make(w: float) -> Any:
        box = (w - 2 * gap) / 3
        row: list[Any] = [cells[0], "", cells[1], "", cells[2]]
        commands: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(10)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(6)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(5)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(6)),
        ]
        for c in (0, 2, 4):
            commands += [("BACKGROUND", (c, 0), (c, 0), p.primary_pale),
                         ("LINEBEFORE", (c, 0), (c, 0), kit.pt(3), p.accent)]
        return kit.table([row], [box, gap, box, gap, box], commands)

    return Sized(make)


def _topic_table(kit: Kit, figures: MonthStatistics) -> Any:
    """Topic rows × facility columns of the month, with the month's 合計 and the 年度累計
    column, then a 合計 row and a 年度累計 row."""
    month, to_date = figures.topic_by_facility, figures.topic_by_facility_to_date
    if len(month.columns) <= 1:  # one facility, named in the title: its column is the 合計
        body = [[label, total, year_total] for label, total, year_total
                in zip(month.rows, month.row_totals, to_date.row_totals, strict=True)]
        return _count_table(kit, [month.row_heading, "当月", TO_DATE], body,
                            [[TOTAL, month.total, to_date.total]], highlight_last=True)
    header = [month.row_heading, *month.columns, TOTAL, TO_DATE]
    body = [[label, *cells, total, year_total]
            for label, cells, total, year_total
            in zip(month.rows, month.cells, month.row_totals, to_date.row_totals, strict=True)]
    totals: list[list[str | int | None]] = [
        [TOTAL, *month.column_totals, month.total, to_date.total],
        [TO_DATE, *to_date.column_totals, to_date.total, None]]
    return _count_table(kit, header, body, totals, highlight_last=True)


def _breakdown_table(kit: Kit, part: MonthBreakdown, heading: str) -> Any:
    body = [[label, n, year] for label, n, year in
            zip(part.rows, part.this_month, part.to_date, strict=True)]
    totals = [[TOTAL, part.total_this_month, part.total_to_date]]
    return _count_table(kit, [heading, "当月", TO_DATE], body, totals, highlight_last=True)


def _count_table(kit: Kit, header: Sequence[str], body: Sequence[Sequence[Any]],
                 totals: Sequence[Sequence[Any]], *, highlight_last: bool) -> Any:
    """A table of counts: a label column, number columns right-aligned, zeros in grey, the
    header on the city's blue and the total rows below a rule; the last column (年度累計)
    on a pale ground when *highlight_last*."""
    p = kit.palette
    rows: list[list[Any]] = [
        [kit.para(header[0], "small", color=p.paper)]
        + [kit.para(_two_lines(h), "small", color=p.paper, align=TA_RIGHT) for h in header[1:]]
    ]
    for line in (*body, *totals):
        rows.append([kit.para(str(line[0]), "small")] + [_number(kit, n) for n in line[1:]])
    label_need = max(stringWidth(str(line[0]), kit.font, kit.size("small"))
                     for line in (*body, *totals)) + kit.pt(12)
    columns = len(header) - 1
    first_total = 1 + len(body)

    def make(w: float) -> Any:
        number_w = min(kit.pt(58), (w - label_need) / columns)
        label_w = w - number_w * columns
        commands: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), p.primary),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(4)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(5)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(1.6)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(2.2)),
            ("LINEBELOW", (0, 1), (-1, first_total - 2), kit.pt(0.4), p.rule),
            ("LINEABOVE", (0, first_total), (-1, first_total), kit.pt(1), p.primary),
            ("BACKGROUND", (0, first_total), (-1, -1), p.primary_tint),
            ("LINEBELOW", (0, -1), (-1, -1), kit.pt(1), p.primary),
            ("LINEBEFORE", (-2, 0), (-2, -1), kit.pt(0.6), p.rule),
        ]
        if highlight_last:
            commands += [("BACKGROUND", (-1, 1), (-1, first_total - 1), p.accent_tint),
                         ("BACKGROUND", (-1, 0), (-1, 0), p.accent_dark),
                         ("LINEBEFORE", (-1, 0), (-1, -1), kit.pt(0.6), p.rule)]
        return kit.table(rows, [label_w] + [number_w] * columns, commands)

    return Sized(make)


def _two_lines(heading: str) -> str:
    """A long column heading broken where kanji turn to kana (市民交流|サロン), so a narrow
    column never splits a word; short ones as they are."""
    if len(heading) <= 4:
        return heading
    for i in range(2, len(heading) - 1):
        if _is_kanji(heading[i - 1]) != _is_kanji(heading[i]):
            return f"{heading[:i]}\n{heading[i:]}"
    return heading


def _is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _number(kit: Kit, n: int | None) -> Any:
    if n is None:
        return ""
    colour = kit.palette.muted if n == 0 else kit.palette.text
    return kit.para(f"{n:,}", "small", color=colour, align=TA_RIGHT)


def _month_bars(kit: Kit, figures: MonthStatistics) -> Flowable:
    """A bar per month of the fiscal year, April to March, with its count above it; the
    report's month in orange, the months still to come left empty."""
    values = list(figures.monthly_totals)
    return kit.bars([f"{m}月" for m in FISCAL_MONTHS], [values],
                    colors=[kit.palette.primary], highlight=len(values) - 1)
