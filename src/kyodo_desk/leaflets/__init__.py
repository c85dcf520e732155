"""Printed leaflets (印刷物): A4 PDFs in the style of the guideline's summary edition.

The catalogue and `render` are all the UI and the command line need. ReportLab and the
Japanese font load on the first `render`, not on import: the window imports this package
at start-up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from kyodo_desk.database import Database
    from kyodo_desk.domain.permissions import Actor

__all__ = ["LeafletDoesNotFit", "LeafletInfo", "catalog", "render"]


@dataclass(frozen=True)
class LeafletInfo:
    name: str  # the name given to `render` and on the command line
    title: str  # Japanese, as the UI lists it
    description: str
    pages: int  # A4 pages the leaflet may take


class LeafletDoesNotFit(UserError):
    """The content does not fit the leaflet's pages even with the type scale reduced."""

    def __init__(self, info: LeafletInfo, smallest_scale: float) -> None:
        pages = "1枚" if info.pages == 1 else f"{info.pages}ページ"
        super().__init__(
            f"「{info.title}」の内容がA4判{pages}に収まりません"
            f"（文字を{round(smallest_scale * 100)}%まで縮小しても入りきりません）。"
            "掲載する施設や文章を減らしてから、もう一度印刷してください。"
        )
        self.info = info


_CATALOG: tuple[tuple[LeafletInfo, str], ...] = (
    (LeafletInfo(
        name="facility-guide",
        title="拠点施設のご案内",
        description="市民サービスセンター・市民交流サロンの所在地、電話、E-mail、ホームページ"
                    "（A4 1枚、登録されている最新の連絡先で作成）",
        pages=1,
    ), "kyodo_desk.leaflets.facility_guide"),
    (LeafletInfo(
        name="summary-edition",
        title="秋田市市民協働指針 概要版",
        description="指針の目指す方向、市と市民の役割、PDCAサイクル、用語解説と拠点施設の連絡先"
                    "（A4 2ページ）",
        pages=2,
    ), "kyodo_desk.leaflets.summary_edition"),
    (LeafletInfo(
        name="consultation-desk",
        title="相談窓口のご案内",
        description="市民交流サロンのアドバイザーと各センターが受ける相談の内容と窓口"
                    "（A4 1枚）",
        pages=1,
    ), "kyodo_desk.leaflets.consultation_desk"),
    (LeafletInfo(
        name="consultation-report",
        title="市民活動相談 月報",
        description="その月の相談件数を分野・施設・相談方法・新規継続の別に、年度累計とともに"
                    "（A4 1枚、印刷するアカウントが集計できる施設の件数）",
        pages=1,
    ), "kyodo_desk.leaflets.consultation_report"),
)
# Leaflets made for a chosen month (`render(..., month=)`); the others take no month.
_MONTHLY = frozenset({"consultation-report"})


def catalog() -> list[LeafletInfo]:
    """The leaflets that can be printed, in the order the UI lists them."""
    return [info for info, _ in _CATALOG]


def render(name: str, db: Database, actor: Actor, *, today: date | None = None,
           month: date | None = None) -> bytes:
    """The leaflet *name* as PDF bytes, with the current data of *db* as *actor* may read it.

    *today* is the date printed on the leaflet (default: today). *month* (any day of it) is
    the month a monthly leaflet reports (default: the month of *today*); other leaflets
    ignore it. Raises UserError for an unknown name and LeafletDoesNotFit when the content
    cannot fit the leaflet's pages.
    """
    for info, module_name in _CATALOG:
        if info.name == name:
            module = importlib.import_module(module_name)
            extra = {"month": month} if name in _MONTHLY and month is not None else {}
            return module.render(db, actor, info=info, today=today or date.today(), **extra)
    names = "、".join(info.name for info, _ in _CATALOG)
    raise UserError(f"「{name}」という印刷物はありません。使える名前: {names}")
