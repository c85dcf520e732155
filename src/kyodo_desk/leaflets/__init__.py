"""Printed leaflets (印刷物): A4 PDFs in the style of the guideline's summary edition.

The catalogue and `render` are all the UI and the command line need. `render` reads what a
leaflet shows through the services (as the printing account may read it) and hands it to the
leaflet module, which only draws: no leaflet module reads the database. Each print's
`Audience` is declared here, once: a staff print says 取扱注意 on every page (fitting.build
tells the footer) and `render` logs each one made. ReportLab, the
Japanese font and the services load on the first `render`, not on import: the window imports
this package at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kyodo_desk.database import Database
    from kyodo_desk.domain.facilities import FacilityDetail
    from kyodo_desk.domain.permissions import Actor

__all__ = ["FACILITY_LEAFLETS", "Audience", "LeafletDoesNotFit", "LeafletInfo", "catalog", "render",
           "render_facilities"]


class Audience(StrEnum):
    """Who reads a print, which decides what it may show and how it is handled."""

    # Handed out, put up or signed by citizens: of a person, only what their part there
    # needs (a name, its よみ, a number), never a note, a phone or a 配慮事項.
    PUBLIC = "public"
    # Kept by the staff: 取扱注意 on every page, and each one made leaves an audit row.
    STAFF = "staff"


@dataclass(frozen=True)
class LeafletInfo:
    name: str  # the name given to `render` and on the command line
    title: str  # Japanese, as the UI lists it
    description: str
    pages: int  # A4 pages the leaflet may take
    audience: Audience
    # What `render` must be told: "" nothing, "event" event_id, "registration"
    # registration_id, "programme" programme_id, "fiscal_year" fiscal_year, "contact"
    # contact_id.
    needs: str = ""
    # A staff print's audit row: the table of the records it shows.
    records: str = ""

    @property
    def staff_only(self) -> bool:
        return self.audience is Audience.STAFF


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


@dataclass(frozen=True)
class _Order:
    """What `render` was told; each leaflet's renderer takes what it needs of it."""

    db: Database
    actor: Actor
    info: LeafletInfo
    today: date
    month: date | None
    event_id: int | None
    registration_id: int | None
    programme_id: int | None
    fiscal_year: int | None
    reviewer: str | None
    contact_id: int | None = None
    district: str | None = None  # 地域: the group directory's, if limited to one
    by: str | None = None  # the group directory's sections: "field" or "district"
    reason: str | None = None  # a disclosure's (開示): the request's reason, as typed
    plan_id: int | None = None  # the district plan's edition of a plan report

    def subject_id(self) -> int | None:
        """The record a print is made of (the event of a roster, the contact of a カルテ)."""
        return {"event": self.event_id, "registration": self.registration_id,
                "programme": self.programme_id, "contact": self.contact_id,
                "plan": self.plan_id}.get(self.info.needs)

    def need(self, value: int | None, what: str, option: str) -> int:
        """*value*, or a UserError naming *what* the leaflet needs and its *option*."""
        if value is None:
            raise UserError(f"「{self.info.title}」を作るには{what}を指定してください"
                            f"（コマンドでは {option}）。")
        return value

    def event(self) -> int:
        return self.need(self.event_id, "イベント", "--event 番号")

    def programme(self) -> int:
        return self.need(self.programme_id, "交付金", "--programme 番号")

    def year(self) -> int:
        """The fiscal year, within the years a programme may be registered for."""
        from kyodo_desk.domain.bounds import FIRST_GRANT_YEAR, LATEST_DAY

        year = self.need(self.fiscal_year, "年度", "--fiscal-year 2026 のように西暦で")
        if not FIRST_GRANT_YEAR <= year <= LATEST_DAY.year:
            raise UserError(f"年度「{year}」は扱えません。2026（令和8年度）のように西暦で"
                            "指定してください。")
        return year


Renderer = Callable[[_Order], bytes]

# One renderer per leaflet: the service that reads its data and the module that draws it,
# both imported on first use.


def _facility_guide(order: _Order) -> bytes:
    from kyodo_desk.services import contacts

    return _of_facilities(order.info, contacts.list_facilities(order.db, order.actor),
                          order.today)


_summary_edition = _consultation_desk = _facility_guide  # the same facilities, drawn otherwise

# The public leaflets made of the active facilities alone, and nothing else of the database:
# the command line makes them from a quick read (database/quick_read.py).
FACILITY_LEAFLETS = ("facility-guide", "summary-edition", "consultation-desk")


def _of_facilities(info: LeafletInfo, facilities: Sequence[FacilityDetail],
                   today: date) -> bytes:
    if info.name == "summary-edition":
        from kyodo_desk.leaflets import summary_edition

        return summary_edition.build(facilities, info=info, today=today)
    if info.name == "consultation-desk":
        from kyodo_desk.leaflets import consultation_desk

        return consultation_desk.build(facilities, info=info, today=today)
    from kyodo_desk.leaflets import facility_guide

    return facility_guide.build(facilities, info=info, today=today)


def render_facilities(name: str, facilities: Sequence[FacilityDetail], *,
                      today: date | None = None) -> bytes:
    """A leaflet of FACILITY_LEAFLETS from *facilities* as `list_facilities` gives them: what
    `render` makes of the database's, for a caller that read them itself. Public prints: no
    audit row, as `render` writes none for them."""
    if name not in FACILITY_LEAFLETS:
        raise ValueError(f"{name} is not made of the facilities alone")
    info = next(info for info, _ in _CATALOG if info.name == name)
    return _of_facilities(info, facilities, today or date.today())


def _consultation_report(order: _Order) -> bytes:
    from kyodo_desk.leaflets import consultation_report
    from kyodo_desk.services.consultations import stats

    month = order.month or order.today
    figures = stats.month_statistics(order.db, order.actor, month.year, month.month)
    return consultation_report.build(figures, info=order.info, today=order.today)


def _grant_call(order: _Order) -> bytes:
    from kyodo_desk.leaflets import grant_call
    from kyodo_desk.services.grants import prints

    data = prints.call_data(order.db, order.actor, order.programme())
    return grant_call.build(data, info=order.info, today=order.today)


def _grant_results(order: _Order) -> bytes:
    from kyodo_desk.leaflets import grant_results
    from kyodo_desk.services.grants import prints

    data = prints.results_data(order.db, order.actor, order.year())
    return grant_results.build(data, info=order.info, today=order.today)


def _grant_score_sheets(order: _Order) -> bytes:
    from kyodo_desk.leaflets import grant_score_sheets
    from kyodo_desk.services.grants import screening

    found = screening.screening(order.db, order.actor, order.programme())
    return grant_score_sheets.build(found, info=order.info, today=order.today,
                                    reviewer=order.reviewer)


def _grant_ranking(order: _Order) -> bytes:
    from kyodo_desk.leaflets import grant_ranking
    from kyodo_desk.services.grants import screening

    found = screening.screening(order.db, order.actor, order.programme())
    return grant_ranking.build(found, info=order.info, today=order.today)


def _contact_record(order: _Order) -> bytes:
    from kyodo_desk.leaflets import contact_record
    from kyodo_desk.services.contacts.record import contact_record as record_of

    chosen = order.need(order.contact_id, "団体・個人", "--contact 番号")
    return contact_record.build(record_of(order.db, order.actor, chosen), info=order.info,
                                today=order.today)


def _contact_disclosure(order: _Order) -> bytes:
    from kyodo_desk.leaflets import disclosure
    from kyodo_desk.services.contacts.disclosure import disclosure as held_about

    chosen = order.need(order.contact_id, "団体・個人", "--contact 番号")
    held = held_about(order.db, order.actor, chosen, reason=order.reason or "")
    return disclosure.build(held, info=order.info, today=order.today)


def _group_directory(order: _Order) -> bytes:
    from kyodo_desk.leaflets import group_directory
    from kyodo_desk.services.contacts import directory, registry

    groups = directory.public_directory(order.db, order.actor, district=order.district)
    by = order.by or group_directory.BY_FIELD
    if by not in group_directory.GROUPINGS:
        raise UserError(f"並べ方「{by}」はありません（field: 活動分野別、district: 地域別）。")
    order_of_fields = ([f.name for f in registry.list_activity_fields(
        order.db, order.actor, include_inactive=True)] if by == group_directory.BY_FIELD else [])
    return group_directory.build(groups, info=order.info, today=order.today, by=by,
                                 field_order=order_of_fields, district=order.district)


def _event_flyer(order: _Order) -> bytes:
    from kyodo_desk.leaflets import event_flyer
    from kyodo_desk.services.events import prints

    data = prints.event_print_data(order.db, order.actor, order.event(), with_sign_ups=False,
                                   with_photo=True)
    return event_flyer.build(data, info=order.info, today=order.today)


def _event_receipt(order: _Order) -> bytes:
    from kyodo_desk.leaflets import event_receipt
    from kyodo_desk.services.events import prints

    chosen = order.need(order.registration_id, "申込", "--registration 番号")
    data = prints.receipt_data(order.db, order.actor, chosen, event_id=order.event_id)
    return event_receipt.build(data, info=order.info, today=order.today)


def _event_roster(order: _Order) -> bytes:
    from kyodo_desk.leaflets import event_roster
    from kyodo_desk.services.events import prints

    data = prints.event_print_data(order.db, order.actor, order.event(), with_answers=True)
    return event_roster.build(data, info=order.info, today=order.today)


def _event_sign_in(order: _Order) -> bytes:
    from kyodo_desk.leaflets import event_sign_in
    from kyodo_desk.services.events import prints

    data = prints.event_print_data(order.db, order.actor, order.event())
    return event_sign_in.build(data, info=order.info, today=order.today)


def _certificates(order: _Order) -> bytes:
    from kyodo_desk.leaflets import certificates
    from kyodo_desk.services.events.completion import certificate_data

    data = certificate_data(order.db, order.actor, order.event())
    return certificates.build(data, info=order.info, today=order.today)


def _guideline_report(order: _Order) -> bytes:
    from kyodo_desk.leaflets import guideline_report
    from kyodo_desk.services.guideline import guideline_report as figures

    report = figures(order.db, order.actor, order.year())
    return guideline_report.build(report, info=order.info, today=order.today)


def _plan_report(order: _Order) -> bytes:
    from kyodo_desk.leaflets import plan_report
    from kyodo_desk.services.plans.publication import plan_report as gather

    plan_id = order.need(order.plan_id, "計画（版）", "--plan 番号")
    year = order.need(order.fiscal_year, "年度", "--fiscal-year 2026 のように西暦で")
    return plan_report.build(gather(order.db, order.actor, plan_id, year), info=order.info,
                             today=order.today)


def _event_badges(order: _Order) -> bytes:
    from kyodo_desk.leaflets import event_badges
    from kyodo_desk.services.events import prints

    data = prints.event_print_data(order.db, order.actor, order.event())
    return event_badges.build(data, info=order.info, today=order.today)


def _lottery_result(order: _Order) -> bytes:
    from kyodo_desk.leaflets import lottery_result
    from kyodo_desk.services.events import get_event
    from kyodo_desk.services.events.lottery import lottery_result as drawn

    event_id = order.event()
    result = drawn(order.db, order.actor, event_id, logged=False)  # a staff print logs itself
    return lottery_result.build(get_event(order.db, order.actor, event_id), result,
                                info=order.info, today=order.today)


_CATALOG: tuple[tuple[LeafletInfo, Renderer], ...] = (
    (LeafletInfo(
        name="facility-guide",
        title="拠点施設のご案内",
        description="市民サービスセンター・市民交流サロンの所在地、電話、E-mail、ホームページ"
                    "（A4 1枚、登録されている最新の連絡先で作成）",
        pages=1, audience=Audience.PUBLIC,
    ), _facility_guide),
    (LeafletInfo(
        name="summary-edition",
        title="秋田市市民協働指針 概要版",
        description="指針の目指す方向、市と市民の役割、PDCAサイクル、用語解説と拠点施設の連絡先"
                    "（A4 2ページ）",
        pages=2, audience=Audience.PUBLIC,
    ), _summary_edition),
    (LeafletInfo(
        name="consultation-desk",
        title="相談窓口のご案内",
        description="市民交流サロンのアドバイザーと各センターが受ける相談の内容と窓口"
                    "（A4 1枚）",
        pages=1, audience=Audience.PUBLIC,
    ), _consultation_desk),
    (LeafletInfo(
        name="consultation-report",
        title="市民活動相談 月報",
        description="その月の相談件数を分野・施設・相談方法・新規継続の別に、年度累計とともに"
                    "（A4 1枚、印刷するアカウントが集計できる施設の件数）",
        pages=1, audience=Audience.STAFF, records="consultations",
    ), _consultation_report),
    (LeafletInfo(
        name="group-directory",
        title="市民活動団体一覧",
        description="団体一覧への掲載に同意した団体の名称と、公開に同意した項目（代表者名、所在地、"
                    "連絡先、活動分野など）を活動分野別または地域別に（A4、必要なページ数。公開用）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC,
    ), _group_directory),
    (LeafletInfo(
        name="grant-call",
        title="交付金の募集案内",
        description="交付金の目的、対象、交付額、募集期間（和暦）、申請から公表までの流れと段階ごとの"
                    "提出書類、審査の観点と配点、申請の方法と問い合わせ先（A4 2ページまで）",
        pages=2, audience=Audience.PUBLIC, needs="programme",
    ), _grant_call),
    (LeafletInfo(
        name="grant-results",
        title="採択事業一覧・実施結果",
        description="年度の交付金ごとの採択事業（団体名、事業名、協働担当課、交付決定額）と、"
                    "終了した事業の交付額・実績・評価の公表用一覧（A4、必要なページ数）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC, needs="fiscal_year",
    ), _grant_results),
    (LeafletInfo(
        name="grant-score-sheets",
        title="審査表",
        description="申請以降の案件1件ごとに1ページの、審査の観点・重み・点数・小計と審査員名・"
                    "コメント欄（手書き用。審査員を指定すると記録した点数を記入）",
        pages=_LIST_PAGES, audience=Audience.STAFF, needs="programme", records="grant_cases",
    ), _grant_score_sheets),
    (LeafletInfo(
        name="grant-ranking",
        title="審査結果（順位表）",
        description="審査の順位、団体名・事業名、審査員ごとの合計点、合計・平均、申請額と段階"
                    "（A4、必要なページ数）",
        pages=_LIST_PAGES, audience=Audience.STAFF, needs="programme", records="grant_cases",
    ), _grant_ranking),
    (LeafletInfo(
        name="contact-record",
        title="団体カルテ・個人カルテ",
        description="団体・個人の歩み（チャレンジ・ステップアップ・パートナーシップ）、相談記録、"
                    "イベントの申込と出席、交付金案件、所属（A4、必要なページ数。職員用・取扱注意）",
        pages=_LIST_PAGES, audience=Audience.STAFF, needs="contact", records="contacts",
    ), _contact_record),
    (LeafletInfo(
        name="contact-disclosure",
        title="保有個人情報の開示",
        description="本人・団体の請求に応じて渡す、保有するすべての情報: 登録内容、所属、相談記録"
                    "（内容を含む）、イベントの申込と出席、交付金案件、記録の操作履歴（A4、必要な"
                    "ページ数。管理者のみ。取扱注意）",
        pages=_LIST_PAGES, audience=Audience.STAFF, needs="contact", records="contacts",
    ), _contact_disclosure),
    (LeafletInfo(
        name="event-flyer",
        title="イベントのチラシ",
        description="イベントの内容、日時、会場、対象、定員、参加費、申込方法、主催施設の連絡先と"
                    "切り取って出せる申込書（A4 1枚。質問が多いときは申込書を裏面に）",
        pages=1, audience=Audience.PUBLIC, needs="event",
    ), _event_flyer),
    (LeafletInfo(
        name="event-receipt",
        title="受付票",
        description="申込者に渡す受付票: イベント、日時、会場、お名前、人数、受付番号、状況と"
                    "当日の出席確認用のQRコード（A4 1枚）",
        pages=1, audience=Audience.PUBLIC, needs="registration",
    ), _event_receipt),
    (LeafletInfo(
        name="event-roster",
        title="参加者名簿",
        description="参加者（受付済・出席・欠席の申込）をよみの順（あ行〜わ行の見出しつき）に、"
                    "受付番号、氏名・団体名、よみ、人数、配慮事項（ブース番号）、状況、"
                    "続けてキャンセル待ちの一覧（受付順。A4、必要なページ数）",
        pages=_LIST_PAGES, audience=Audience.STAFF, needs="event", records="registrations",
    ), _event_roster),
    (LeafletInfo(
        name="event-sign-in",
        title="出席簿",
        description="開催日ごとの、会場の入口で署名と出席を記入する一覧（よみの順、あ行〜わ行の"
                    "見出しつき。ページ番号は開催日ごと。A4、必要なページ数）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC, needs="event",
    ), _event_sign_in),
    (LeafletInfo(
        name="event-badges",
        title="名札",
        description="受付済・出席の方の名札を、切り取って使うA4用紙に10枚ずつ（よみ、お名前、"
                    "イベント名。同行の方にも1人1枚）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC, needs="event",
    ), _event_badges),
    (LeafletInfo(
        name="lottery-result",
        title="抽選結果（掲示用）",
        description="抽選のイベントの抽選日時、抽選の種と方法、当選の受付番号（小さい順）と"
                    "キャンセル待ちの順番（氏名なし。A4、必要なページ数。公開用）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC, needs="event",
    ), _lottery_result),
    (LeafletInfo(
        name="lottery-result-staff",
        title="抽選結果（職員用）",
        description="抽選の結果を抽選順に、受付番号、氏名・団体名、人数、現在の状況とともに"
                    "（A4、必要なページ数。職員用・取扱注意）",
        pages=_LIST_PAGES, audience=Audience.STAFF, needs="event", records="registrations",
    ), _lottery_result),
    (LeafletInfo(
        name="certificates",
        title="修了証",
        description="つむぎすと講座の修了者それぞれに渡す修了証（A4 1人1枚: 期生、お名前、講座名、"
                    "出席回数、講座の日程、発行日（和暦）と発行者）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC, needs="event",
    ), _certificates),
    (LeafletInfo(
        name="guideline-report",
        title="市民協働の推進状況",
        description="指針の5つの方向ごとの指標を、今年度と前年度で比べたグラフと表、指標の定義"
                    "（A4、必要なページ数。公表用）",
        pages=6, audience=Audience.PUBLIC, needs="fiscal_year",
    ), _guideline_report),
    (LeafletInfo(
        name="plan-report",
        title="地域まちづくり計画の実施状況",
        description="地域まちづくり計画の1つの版の、年度の段階（PDCAサイクル）、取組ごとの実施状況と"
                    "目標に対する実績、評価・改善、計画をつくったワークショップと取組を支える交付金"
                    "（A4、必要なページ数。公表用）",
        pages=_LIST_PAGES, audience=Audience.PUBLIC, needs="plan",
    ), _plan_report),
)


def _log_made(order: _Order, pdf: bytes) -> None:
    """One audit row ("print") for a staff print made: which print, of which record and how
    many pages, never a value printed on it. Written before the PDF is handed over, so a
    print that cannot be logged is not made."""
    from kyodo_desk.database.audit import record_event

    # ReportLab writes each page's dictionary uncompressed; /Pages (the tree) does not match.
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    with order.db.writing(order.actor) as session:
        record_event(session, order.actor, "print", order.info.records, order.subject_id(),
                     {"印刷物": [None, order.info.title], "ページ数": [None, pages]})


def catalog(*, every: bool = False) -> list[LeafletInfo]:
    """The leaflets that can be printed as they are, in the order the UI lists them; with
    *every*, also the grant and event prints, which are made for one programme, one fiscal
    year, one event or one sign-up."""
    return [info for info, _ in _CATALOG if every or not info.needs]


def render(name: str, db: Database, actor: Actor, *, today: date | None = None,
           month: date | None = None, event_id: int | None = None,
           registration_id: int | None = None, programme_id: int | None = None,
           fiscal_year: int | None = None, reviewer: str | None = None,
           contact_id: int | None = None, district: str | None = None,
           by: str | None = None, reason: str | None = None,
           plan_id: int | None = None) -> bytes:
    """The leaflet *name* as PDF bytes, with the current data of *db* as *actor* may read it.

    *today* is the date printed on the leaflet (default: today). *month* (any day of it) is
    the month a monthly leaflet reports (default: the month of *today*). *event_id* is the
    event of an event print, *registration_id* the sign-up of a receipt (受付票),
    *programme_id* the programme of a grant print, *fiscal_year* (2026 = 令和8年度) the year
    of the publication (公表), *reviewer* the reviewer whose recorded scores fill the score
    sheets (審査表; blank sheets without), *contact_id* the group or person of a カルテ,
    *district* the 地域 the group directory (団体一覧) is limited to and *by* its sections
    ("field" 活動分野別, the default, or "district" 地域別), *reason* the request's reason
    a disclosure (開示) records and prints, *plan_id* the district plan's edition of a plan
    report (with *fiscal_year*). A leaflet ignores what it does
    not need, and a missing one is a UserError naming the option. Raises UserError for an unknown name and
    LeafletDoesNotFit when the content cannot fit the leaflet's pages.
    """
    for info, renderer in _CATALOG:
        if info.name == name:
            order = _Order(db, actor, info, today or date.today(), month, event_id,
                           registration_id, programme_id, fiscal_year, reviewer, contact_id,
                           district, by, reason, plan_id)
            pdf = renderer(order)
            if info.staff_only:
                _log_made(order, pdf)
            return pdf
    names = "、".join(info.name for info, _ in _CATALOG)
    raise UserError(f"「{name}」という印刷物はありません。使える名前: {names}")
