"""拠点施設のご案内 (facility guide): every active facility's address, phone, e-mail and web
pages on one A4 page, as on the back of the summary edition, from the current database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kyodo_desk.domain.dates import print_style, year_month
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.style import FacilityLike, Kit, facility_card

DEPARTMENT = "秋田市市民生活部　中央市民サービスセンター"
TITLE = "市民協働・都市内地域分権の拠点施設"
SUBTITLE = "市民サービスセンター・市民交流サロンのご案内"
LEAD = ("市民活動や地域づくりの相談、交流、情報発信の拠点です。"
        "お近くの施設をご利用ください。")


def build(facilities: Sequence[FacilityLike], *, info: LeafletInfo, today: date) -> bytes:
    """The guide for *facilities* (in the order given), dated *today*."""
    as_of = year_month(today, print_style())
    cards = [facility_card(f, codes=f.kind == "salon") for f in facilities]

    def compose(kit: Kit) -> list[Any]:
        return [
            kit.title_band(DEPARTMENT, TITLE, SUBTITLE, issuer="秋田市", date_text=as_of),
            kit.spacer(8),
            kit.para(LEAD, "body", space_after=4),
            kit.section("所在地・連絡先"),
            *kit.contact_block(cards, columns=1, note=f"掲載内容は{as_of}現在のものです。"),
        ]

    return fitting.build(info, compose,
                         decorate=lambda kit: kit.footer(DEPARTMENT),
                         data_key=(tuple(facilities), as_of))
