"""審査結果（順位表） (ranking): a programme's screened cases in the order of
`services.grant_screening.screening`: rank, group and project, each reviewer's weighted
total, the total and the average per reviewer, the amount requested and the stage, on as
many A4 pages as needed, the header row repeated."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.pdfbase.pdfmetrics import stringWidth

from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.grants import STAGE_LABELS, yen
from kyodo_desk.leaflets import LeafletInfo, fitting, grant_text
from kyodo_desk.leaflets.style import Kit

if TYPE_CHECKING:
    from kyodo_desk.services.grants.screening import Screening

TITLE = "審査結果（順位表）"
NO_CASES = "審査の対象となる案件（申請以降の案件）はまだありません。"
NOT_SCORED = "—"
# Reviewers' names head their columns; longer names or more reviewers than this get numbered
# columns (①②…) with the names in the outline, or the columns would be too narrow to read.
NAMED_COLUMNS = 5
NAME_IN_HEADER = 12
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
RANKING_NOTE = ("平均は、採点した審査員1人あたりの合計点（重み×点数の合計）です。平均の高い順に"
                "並べ、同じ平均は同じ順位です。まだ採点のない案件は順位を付けずに最後に並べています。")


def build(s: Screening, *, info: LeafletInfo, today: date) -> bytes:
    title = grant_text.programme_title(s.fiscal_year, s.programme_name)
    as_of = f"{full_date(today, print_style())}現在"
    scored = sum(1 for r in s.rows if r.rank)
    headings = reviewer_headings(s.reviewers)
    named = [name if heading == name else f"{heading}{name}"
             for heading, name in zip(headings, s.reviewers, strict=True)]
    outline = [
        ("審査員", "、".join(named) or "まだ採点がありません"),
        ("満点", f"審査員1人あたり {s.full_marks}点（{len(s.criteria)}観点）"),
        ("案件", f"{len(s.rows)}件（うち採点済み {scored}件）"),
    ]

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(grant_text.DEPARTMENT, TITLE, title, date_text=as_of),
            kit.spacer(6),
            kit.facts(outline, role="small"),
            kit.spacer(8),
        ]
        if not s.rows:
            return [*story, kit.para(NO_CASES, "body")]
        return [*story, _table(kit, s, headings), kit.spacer(3),
                kit.para(f"※{RANKING_NOTE}", "note", color=kit.palette.muted)]

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{TITLE}　{title}", numbered=True),
                         subject=f"{TITLE}　{title}")


def reviewer_headings(reviewers: tuple[str, ...]) -> list[str]:
    """The reviewers' column headings: their names, or ①②… when names are long or many."""
    if len(reviewers) <= NAMED_COLUMNS and all(len(n) <= NAME_IN_HEADER for n in reviewers):
        return list(reviewers)
    return [CIRCLED[n] if n < len(CIRCLED) else f"({n + 1})" for n in range(len(reviewers))]


def heading_words(heading: str) -> list[str]:
    """What a reviewer's heading must hold on one line: five characters, or a longer word
    (a katakana or Latin run) whole — a heading is never broken inside a word."""
    runs = re.findall(r"[\u30a1-\u30fa\u30fc\uff66-\uff9f]+|[!-~]+", heading)
    return [heading[:5], *runs]


def _table(kit: Kit, s: Screening, headings: list[str]) -> Any:
    p = kit.palette
    texts: list[list[str]] = []  # every cell but 団体名・事業名, as printed
    cases: list[Any] = []
    for r in s.rows:
        cases.append([kit.para(r.group_name, "note", color=p.muted),
                      kit.para(r.title, "small")])
        texts.append([
            f"{r.rank}位" if r.rank else NOT_SCORED,
            *[str(r.by_reviewer[name]) if name in r.by_reviewer else NOT_SCORED
              for name in s.reviewers],
            str(r.total) if r.rank else NOT_SCORED,
            f"{r.average:.2f}" if r.rank else NOT_SCORED,
            yen(r.requested), STAGE_LABELS[r.stage],
        ])
    header = ["順位", *headings, "合計", "平均", "申請額", "段階"]
    # Numbers never wrap: each column as wide as its widest cell (a reviewer's name in the
    # heading may wrap, five characters a line); 団体名・事業名 takes the rest.
    pad = kit.pt(8) + 1
    widths = []
    for c, heading in enumerate(header):
        cells = [row[c] for row in texts]
        shown = heading_words(heading) if c in range(1, 1 + len(headings)) else [heading]
        head_w = max(stringWidth(word, kit.font, kit.size("small")) for word in shown)
        widths.append(max([head_w, *(stringWidth(t, kit.font, kit.size("small")) * 1.04
                                     for t in cells)]) + pad)
    rows = [[kit.emph(t[0], "small", align=TA_CENTER) if t[0] != NOT_SCORED else t[0], case,
             *t[1:]] for t, case in zip(texts, cases, strict=True)]
    reviewers = len(headings)
    align = [TA_CENTER, TA_LEFT, *[TA_RIGHT] * reviewers, TA_RIGHT, TA_RIGHT, TA_RIGHT,
             TA_CENTER]
    shares = [widths[0], max(kit.width - sum(widths), kit.width * 0.25), *widths[1:]]
    return kit.list_table(["順位", "団体名・事業名", *header[1:]], rows, shares, align=align)
