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
    # What `render` must be told: "" nothing, "event" event_id, "registration" registration_id.
    needs: str = ""


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


# Lists and badge sheets run to as many pages as the sign-ups need.
_LIST_PAGES = 999

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
    (LeafletInfo(
        name="event-flyer",
        title="イベントのチラシ",
        description="イベントの内容、日時（和暦）、会場、対象、定員、参加費、申込方法と主催施設の"
                    "連絡先（A4 1枚）",
        pages=1, needs="event",
    ), "kyodo_desk.leaflets.event_flyer"),
    (LeafletInfo(
        name="event-receipt",
        title="受付票",
        description="申込者に渡す受付票: イベント、日時、会場、お名前、人数、受付番号、状況と"
                    "当日受付用のQRコード（A4 1枚）",
        pages=1, needs="registration",
    ), "kyodo_desk.leaflets.event_receipt"),
    (LeafletInfo(
        name="event-roster",
        title="参加者名簿",
        description="受付済・出席の申込の受付番号、氏名・団体名、よみ、人数、配慮事項（ブース番号）、"
                    "続けてキャンセル待ちの一覧（A4、必要なページ数）",
        pages=_LIST_PAGES, needs="event",
    ), "kyodo_desk.leaflets.event_roster"),
    (LeafletInfo(
        name="event-sign-in",
        title="受付簿",
        description="開催日ごとの、会場の受付で署名と出席を記入する一覧（A4、必要なページ数）",
        pages=_LIST_PAGES, needs="event",
    ), "kyodo_desk.leaflets.event_sign_in"),
    (LeafletInfo(
        name="event-badges",
        title="名札",
        description="受付済・出席の方の名札を、切り取って使うA4用紙に10枚ずつ（よみ、お名前、"
                    "イベント名）",
        pages=_LIST_PAGES, needs="event",
    ), "kyodo_desk.leaflets.event_badges"),
)
# Leaflets made for a chosen month (`render(..., month=)`); the others take no month.
_MONTHLY = frozenset({"consultation-report"})


def catalog(*, every: bool = False) -> list[LeafletInfo]:
    """The leaflets that can be printed as they are, in the order the UI lists them; with
    *every*, also the event prints, which are made for one event or one sign-up."""
    return [info for info, _ in _CATALOG if every or not info.needs]


def render(name: str, db: Database, actor: Actor, *, today: date | None = None,
           month: date | None = None, event_id: int | None = None,
           registration_id: int | None = None) -> bytes:
    """The leaflet *name* as PDF bytes, with the current data of *db* as *actor* may read it.

    *today* is the date printed on the leaflet (default: today). *month* (any day of it) is
    the month a monthly leaflet reports (default: the month of *today*). *event_id* is the
    event of an event print, *registration_id* the sign-up of a receipt (受付票); a leaflet
    ignores what it does not need, and a missing one is a UserError. Raises UserError for an
    unknown name and LeafletDoesNotFit when the content cannot fit the leaflet's pages.
    """
    for info, module_name in _CATALOG:
        if info.name == name:
            module = importlib.import_module(module_name)
            extra: dict[str, object] = {}
            if name in _MONTHLY and month is not None:
                extra["month"] = month
            if info.needs == "event":
                extra["event_id"] = event_id
            elif info.needs == "registration":
                extra.update(event_id=event_id, registration_id=registration_id)
            return module.render(db, actor, info=info, today=today or date.today(), **extra)
    names = "、".join(info.name for info, _ in _CATALOG)
    raise UserError(f"「{name}」という印刷物はありません。使える名前: {names}")
