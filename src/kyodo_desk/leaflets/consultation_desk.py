"""相談窓口のご案内 (consultation desk): what the salon advisors and the centers help with,
the opening hours as recorded (never invented), and where to come, on one A4 page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kyodo_desk.domain.dates import print_style, year_month
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.style import FacilityLike, Kit, facility_card

DEPARTMENT = "秋田市市民生活部　中央市民サービスセンター"
TITLE = "相談窓口のご案内"
SUBTITLE = "市民活動・地域づくりのご相談をお受けします"
LEAD = ("市民交流サロンのアドバイザーと市民サービスセンターの職員が、団体の立ち上げから"
        "運営、資金、協働事業の提案まで、市民活動や地域づくりに関するご相談をお受けします。")

# The consultation topics of the consultation log, each with what it covers.
TOPICS: tuple[tuple[str, str], ...] = (
    ("団体設立", "仲間づくりや会則づくりなど、団体の立ち上げについて"),
    ("NPO法人化", "NPO法人の設立手続きや、法人化の検討について"),
    ("団体運営", "会議や会計、役員の引継ぎなど、日ごろの運営について"),
    ("資金・交付金", "協働サポート交付金や地域づくり交付金などの活用について"),
    ("広報・PR", "チラシやホームページなど、活動を知ってもらう工夫について"),
    ("協働事業提案", "市と協働で行う事業の提案について"),
    ("地域づくり", "地域づくり組織の活動や、地域のまちづくり計画について"),
    ("施設利用", "市民サービスセンターや市民交流サロンの利用について"),
    ("人材・ボランティア", "担い手やボランティアの募集、育成について"),
    ("その他", "市民活動に関することは、まずはお気軽にご相談ください"),
)
WAYS = ("窓口へのご来所", "電話", "E-mail")
ASK_FOR_HOURS = "開館時間は各施設にお問い合わせください"


def hours_lines(facilities: Sequence[FacilityLike]) -> list[str]:
    """The opening hours as recorded (「9:00〜17:00（月〜金）　休館日: 年末年始」); where none is
    recorded, the sentence asking to call."""
    lines = [f"{f.name}　{f.opening_hours}" for f in facilities if f.opening_hours]
    if not lines:
        return [f"{ASK_FOR_HOURS}。"]
    if len(lines) < len(facilities):
        lines.append(f"記載のない施設の{ASK_FOR_HOURS}。")
    return lines


def build(facilities: Sequence[FacilityLike], *, info: LeafletInfo, today: date) -> bytes:
    # The advisors sit at the salon: it comes first, then the centers in their usual order.
    ordered = sorted(facilities, key=lambda f: f.kind != "salon")
    cards = [facility_card(f) for f in ordered]
    as_of = year_month(today, print_style())
    hours = hours_lines(ordered)

    def compose(kit: Kit) -> list[Any]:
        return [
            kit.title_band(DEPARTMENT, TITLE, SUBTITLE, issuer="秋田市", date_text=as_of),
            kit.spacer(8),
            kit.lead(LEAD),
            kit.section("こんなご相談をお受けします"),
            kit.tiles(TOPICS, columns=2),
            kit.section("ご相談の方法と開館時間"),
            kit.columns(
                kit.bullets([f"{'・'.join(WAYS)}でご相談いただけます。",
                             "内容をうかがい、必要に応じて担当の窓口や団体をご紹介します。"]),
                kit.bullets(hours, mark="◦", color=kit.palette.primary),
                left_share=0.5, gap=14),
            kit.section("相談窓口"),
            *kit.contact_block(cards, columns=2, note=f"連絡先は{as_of}現在のものです。"),
        ]

    return fitting.build(info, compose, decorate=lambda kit: kit.footer(DEPARTMENT),
                         data_key=(tuple(facilities), as_of))
