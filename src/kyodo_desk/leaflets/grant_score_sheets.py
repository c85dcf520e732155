"""審査表 (score sheets): one A4 page per case in the screening (申請 or later) of a programme:
the case, the group and the amount requested, a row per criterion with its weight and boxes
for 点数 and 小計 (重み×点数), the total, the reviewer's name and a box for comments.

Blank for reviewers to fill in by hand; for one reviewer, filled in with the scores recorded
(a case that reviewer has not scored stays blank and says so).

A sheet never runs over pages (up to 15 criteria with long names): it is one block, its
comment box taking what the page leaves; a sheet too tall at one type scale is set at the
next smaller one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import Flowable, PageBreak

from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.grants import STAGE_LABELS, yen
from kyodo_desk.leaflets import LeafletInfo, fitting, grant_text
from kyodo_desk.leaflets.style import Group, Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.grants import CriterionInfo
    from kyodo_desk.services.grants.screening import Screening, ScreeningRow

TITLE = "審査表"
NOT_SCORED = "この審査員の採点は記録されていません。"
FILL_NOTE = "点数は観点ごとに0点から満点までの整数で記入し、小計には重み×点数を記入してください。"
CRITERIA_AT_BODY_SIZE = 8
BOX_HEIGHT = 22  # points: room for a handwritten number
COMMENT_MIN_HEIGHT = 50  # points at scale 1.0: the comment box takes the rest of the page


def build(s: Screening, *, info: LeafletInfo, today: date, reviewer: str | None = None) -> bytes:
    """The sheets of *s*'s cases: blank, or filled in with *reviewer*'s recorded scores."""
    if not s.rows:
        raise UserError(f"「{s.programme_name}」には審査表を作る案件がありません"
                        "（申請まで進んだ案件がありません）。")
    who = _reviewer(s, reviewer)
    cases = sorted(s.rows, key=lambda r: r.case_id)  # in the order applied, not ranked
    made_on = f"{full_date(today, print_style())}作成"

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = []
        for row in cases:
            if story:
                story.append(PageBreak())
            given = s.scores.get((row.case_id, who)) if who else None
            story += _sheet(kit, s, row, who, given, made_on)
        return story

    title = grant_text.programme_title(s.fiscal_year, s.programme_name)
    return fitting.build(info, compose,
                         decorate=lambda kit: kit.footer(f"{TITLE}　{title}", numbered=True),
                         subject=f"{TITLE}　{title}")


def _reviewer(s: Screening, reviewer: str | None) -> str:
    """The reviewer as recorded (spaces as record_scores stores them), or "" for blank sheets."""
    if not reviewer or not reviewer.strip():
        return ""
    name = " ".join(reviewer.split())
    if name not in s.reviewers:
        known = "、".join(s.reviewers) or "まだありません"
        raise UserError(f"審査員「{name}」の採点は「{s.programme_name}」に記録されていません"
                        f"（採点の記録がある審査員: {known}）。")
    return name


def _sheet(kit: Kit, s: Screening, row: ScreeningRow, reviewer: str, given: dict[int, int] | None,
           made_on: str) -> list[Any]:
    p = kit.palette
    story: list[Any] = [
        kit.title_band(grant_text.DEPARTMENT, TITLE,
                       grant_text.programme_title(s.fiscal_year, s.programme_name),
                       date_text=made_on),
        kit.spacer(6),
        # Number, amount and stage share a row: room for 15 criteria on the page.
        kit.facts([("申請団体", row.group_name), ("事業名", row.title),
                   ("案件", f"番号 {row.case_id}　申請額 {yen(row.requested)}　"
                           f"段階 {STAGE_LABELS[row.stage]}")], role="body"),
        kit.section("採点"),
    ]
    if reviewer and given is None:
        story += [kit.para(NOT_SCORED, "small", color=p.accent_dark, space_after=3)]
    story += [_score_table(kit, s.criteria, given),
              kit.spacer(3),
              kit.para(f"※{FILL_NOTE}", "note", color=p.muted),
              kit.spacer(8),
              _name_line(kit, reviewer), kit.spacer(8),
              kit.emph("コメント", "subheading"), kit.spacer(3)]
    return [_Sheet(story, _CommentBox(kit, kit.pt(COMMENT_MIN_HEIGHT)))]


class _CommentBox(Flowable):
    """A ruled box to write comments in, as tall as it is given (at least *least*)."""

    def __init__(self, kit: Kit, least: float) -> None:
        super().__init__()
        self.kit = kit
        self.least = least

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, max(self.least, availHeight)
        return self.width, self.height

    def draw(self) -> None:
        p = self.kit.palette
        self.canv.setStrokeColor(p.primary)
        self.canv.setLineWidth(self.kit.pt(0.8))
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


class _Sheet(Group):
    """One case's sheet as a block that never splits, the comment box filling the page."""

    def __init__(self, parts: Sequence[Flowable], box: _CommentBox) -> None:
        super().__init__([*parts, box])
        self.box = box

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        above = [part.wrap(availWidth, availHeight)[1] for part in self.parts[:-1]]
        # The frame's own rounding: a box a hair too tall would push the sheet off the page.
        room = availHeight - sum(above) - 1
        self.heights = [*above, self.box.wrap(availWidth, room)[1]]
        self.width, self.height = availWidth, sum(self.heights)
        return self.width, self.height


def _score_table(kit: Kit, criteria: Sequence[CriterionInfo], given: dict[int, int] | None) -> Any:
    """A row per criterion: its name with the points it takes (0～5点), 重み, and the
    点数 and 小計 boxes, empty or filled with *given* (criterion id → score)."""
    p = kit.palette
    # Many criteria are set a step smaller, so that the sheet stays one page.
    role = "body" if len(criteria) <= CRITERIA_AT_BODY_SIZE else "small"
    rows: list[list[Any]] = []
    for c in criteria:
        score = given.get(c.id) if given else None
        rows.append([
            [kit.para(c.name, role), kit.para(f"0～{c.max_score}点", "note", color=p.muted)],
            f"×{c.weight}",
            _filled(kit, score),
            _filled(kit, None if score is None else c.weight * score),
        ])
    full = sum(c.weight * c.max_score for c in criteria)
    total = (sum(c.weight * given[c.id] for c in criteria if c.id in given)
             if given else None)
    rows.append([kit.emph("合計", "body"), "", kit.para(f"満点 {full}点", "small", align=TA_RIGHT),
                 _filled(kit, total, emphasised=True)])
    return kit.list_table(["審査の観点", "重み", "点数", "小計（重み×点数）"], rows,
                          [4.2, 1.0, 1.6, 1.8], align=[TA_LEFT, TA_CENTER, TA_CENTER, TA_RIGHT],
                          role="body")


def _filled(kit: Kit, value: int | None, *, emphasised: bool = False) -> Any:
    """A box's content: the number recorded, or room to write one."""
    if value is None:
        return kit.spacer(BOX_HEIGHT)
    if emphasised:
        return kit.emph(f"{value}点", "title", align=TA_RIGHT)
    return kit.para(str(value), "title", align=TA_CENTER)


def _name_line(kit: Kit, reviewer: str) -> Any:
    """審査員名 with a line to sign on (or the reviewer's name)."""
    p = kit.palette
    cells = [[kit.emph("審査員名", "subheading"), kit.para(reviewer, "title")]]
    return Sized(lambda w: kit.table(cells, [kit.pt(72), w - kit.pt(72)], [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (1, 0), (1, 0), kit.pt(0.8), p.text),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), kit.pt(10)),
        ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(3)),
    ]))

