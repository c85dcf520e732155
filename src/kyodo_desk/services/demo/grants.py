"""Demo grant programmes and cases (`kyodo-desk demo --grants`): the seed's two programmes for
this fiscal year, with groups' cases at every step, scored, paid and published, so every screen
and print has something to show in training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import JAPAN_TIME, fiscal_year_of, fiscal_year_range
from kyodo_desk.domain.grants import MAIN_LINE, GrantKind, Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind, GroupType
from kyodo_desk.services.contacts import ContactDraft, create_contact
from kyodo_desk.services.grants import (
    ProgrammeDraft,
    create_programme,
    get_programme,
    list_programmes,
)
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import screening as grant_screening

SUPPORT_PURPOSE = (
    "地域課題や社会的課題の解決を目指し、秋田市と協働で事業を実施する市民活動団体等の優れた"
    "提案に、秋田市協働サポート交付金を交付します。")
COMMUNITY_PURPOSE = (
    "地域づくり組織が、市民と市が白紙から話し合って作成した地域まちづくり計画に基づいて行う、"
    "地域の特性を生かした事業を支援します。")


def support_programme(fiscal_year: int, facility_id: int | None = None) -> ProgrammeDraft:
    """協働サポート交付金 of *fiscal_year*, as the guideline describes it."""
    return ProgrammeDraft(
        kind=GrantKind.COLLABORATION_SUPPORT, fiscal_year=fiscal_year,
        name="秋田市協働サポート交付金", purpose=SUPPORT_PURPOSE,
        eligibility="市内で活動する市民活動団体、NPO法人、地域活動団体等（5人以上で構成され、"
                    "規約があること）が、市の担当課と協働で実施する公益的な事業",
        call_opens_on=date(fiscal_year, 4, 1), call_closes_on=date(fiscal_year, 5, 31),
        budget=3_000_000, ceiling=500_000,
        how_to_apply="申請書に事業計画書・収支予算書・団体規約・役員名簿を添えて、募集期間内に"
                     "中央市民サービスセンターへ持参または郵送してください。事前の相談をお勧めします。",
        contact_name="秋田市市民生活部 中央市民サービスセンター 市民協働担当",
        contact_phone="018-866-2019", facility_id=facility_id)


def community_programme(fiscal_year: int, facility_id: int | None = None) -> ProgrammeDraft:
    return ProgrammeDraft(
        kind=GrantKind.COMMUNITY, fiscal_year=fiscal_year, name="秋田市地域づくり交付金",
        purpose=COMMUNITY_PURPOSE,
        eligibility="市内各地域の地域づくり組織（地域まちづくり計画に基づく事業）",
        call_opens_on=date(fiscal_year, 4, 1), call_closes_on=date(fiscal_year, 6, 30),
        budget=7_000_000, ceiling=1_000_000,
        how_to_apply="各地域の市民サービスセンターにご相談のうえ、申請書類を提出してください。",
        contact_name="秋田市市民生活部 中央市民サービスセンター 市民協働担当",
        contact_phone="018-866-2019", facility_id=facility_id)


@dataclass(frozen=True)
class DemoCase:
    group: str
    group_type: GroupType
    title: str
    department: str
    requested: int
    stage: Stage
    decided: int = 0
    summary: str = ""
    result: str = ""


SUPPORT_CASES = (
    DemoCase("NPO法人あきた子ども未来ネット", GroupType.NPO, "放課後こども食堂と学習支援",
             "子ども未来部 子ども総務課", 480_000, Stage.PUBLISHED, 450_000,
             "市内3か所で月2回、こども食堂と学習支援を行う。",
             "延べ1,240人の子どもが参加。ボランティア登録は42人に増えた。"),
    DemoCase("秋田まちなか音楽の会", GroupType.CIVIC_GROUP, "まちなかコンサートでにぎわい創出",
             "観光文化スポーツ部 文化振興課", 300_000, Stage.EVALUATED, 280_000,
             "中心市街地で季節ごとに野外コンサートを開く。",
             "4回開催し来場者は延べ2,100人。出演団体は18団体。"),
    DemoCase("防災ママの会あきた", GroupType.CIVIC_GROUP, "子育て世帯の防災講座",
             "総務部 防災安全対策課", 250_000, Stage.IN_PROGRESS, 250_000,
             "保育所・児童館で子ども連れで参加できる防災講座を開く。"),
    DemoCase("NPO法人あきたシニアサポート", GroupType.NPO, "高齢者の買い物支援ボランティア",
             "福祉保健部 長寿福祉課", 500_000, Stage.SCREENING,
             summary="ボランティアによる買い物の付き添いと配送の仕組みをつくる。"),
    DemoCase("秋田外国人住民ともだちの会", GroupType.CIVIC_GROUP, "やさしい日本語の暮らし講座",
             "企画調整部 国際交流課", 200_000, Stage.ADOPTED,
             summary="外国人住民向けに、ごみ出しや防災をやさしい日本語で学ぶ講座を開く。"),
    DemoCase("川反まちあるきガイドの会", GroupType.CIVIC_GROUP, "歴史まちあるきマップの作成",
             "観光文化スポーツ部 観光振興課", 350_000, Stage.APPLICATION,
             summary="川反・旭川沿いの歴史をたどるまちあるきマップを作り、ガイドを育てる。"),
    DemoCase("あきた環境クラブ", GroupType.CIVIC_GROUP, "雄物川の清掃と水辺の観察会",
             "環境部 環境総務課", 150_000, Stage.CONSULTATION),
)

COMMUNITY_CASES = (
    DemoCase("東部地域づくり協議会", GroupType.COMMUNITY_ORG, "東部ふれあい夏まつり",
             "東部市民サービスセンター", 800_000, Stage.SETTLED, 800_000,
             "地域まちづくり計画の重点事業として、世代をこえて集う夏まつりを開く。",
             "来場者約3,000人。中学生ボランティア60人が運営に参加した。"),
    DemoCase("河辺地域づくり協議会", GroupType.COMMUNITY_ORG, "岩見三内の里山保全と体験交流",
             "河辺市民サービスセンター", 900_000, Stage.REPORTED, 850_000,
             "里山の下草刈りと、親子で参加する自然体験会を行う。"),
    DemoCase("雄和地域づくり協議会", GroupType.COMMUNITY_ORG, "雄和ふるさと伝統芸能の継承",
             "雄和市民サービスセンター", 700_000, Stage.GRANT_DECIDED, 650_000,
             "地域の伝統芸能の練習会と発表会を開き、記録映像を残す。"),
    DemoCase("西部地域づくり協議会", GroupType.COMMUNITY_ORG, "西部防災マップづくり",
             "西部市民サービスセンター", 600_000, Stage.REJECTED),
    DemoCase("北部地域づくり協議会", GroupType.COMMUNITY_ORG, "北部子ども見守り隊",
             "北部市民サービスセンター", 400_000, Stage.WITHDRAWN),
)

REVIEWERS = ("審査員A（学識経験者）", "審査員B（市民活動団体）", "審査員C（市職員）")


def advance_case(db: Database, actor: Actor, case_id: int, target: Stage, *,
                 decided: int = 0, when: datetime | None = None) -> grant_cases.CaseDetail:
    """Walk a case from where it stands to *target*, as an officer would at the counter:
    each step's documents received first, *decided* yen at 交付決定, the grant paid in full
    before 確定・支払. 不採択 is reached through 審査; 取下げ is one move from anywhere."""
    detail = grant_cases.get_case(db, actor, case_id)
    moment = when or datetime.now(UTC)
    here = MAIN_LINE.index(detail.stage)
    if target is Stage.WITHDRAWN:
        steps: tuple[Stage, ...] = (Stage.WITHDRAWN,)
    elif target is Stage.REJECTED:
        steps = (*MAIN_LINE[here + 1:MAIN_LINE.index(Stage.SCREENING) + 1], Stage.REJECTED)
    else:
        steps = MAIN_LINE[here + 1:MAIN_LINE.index(target) + 1]
    for step in steps:
        moment += timedelta(days=12)
        for name in detail.missing_for(step):
            detail = grant_cases.receive_document(db, actor, case_id, name, moment.date())
        if step is Stage.SETTLED and detail.money.net_paid < detail.money.decided:
            detail = grant_cases.record_payment(
                db, actor, case_id, detail.money.decided - detail.money.net_paid, moment.date())
        detail = grant_cases.move_case(
            db, actor, case_id, detail.version, step, comment=_COMMENTS.get(step, ""),
            decided_amount=decided if step is Stage.GRANT_DECIDED else None, now=moment)
    return detail


_COMMENTS = {Stage.WITHDRAWN: "団体の事情により取下げ", Stage.REJECTED: "審査会の結果による",
             Stage.ADOPTED: "審査会の結果による"}


def load_demo_grants(db: Database, actor: Actor, *, today: date | None = None) -> int:
    """This fiscal year's two programmes with their cases; returns the number of cases added.
    A programme already there (an earlier run, or `demo --plans`' 地域づくり交付金) is reused
    and a demo case already in it is not made again, so a second run adds nothing."""
    today = today or date.today()
    year = fiscal_year_of(today)
    start, _ = fiscal_year_range(year)
    count = 0
    screened = {Stage.REJECTED, *MAIN_LINE[MAIN_LINE.index(Stage.SCREENING):]}
    existing = {p.name: p.id for p in list_programmes(db, actor, fiscal_year=year)}
    for draft, cases in ((support_programme(year), SUPPORT_CASES),
                         (community_programme(year), COMMUNITY_CASES)):
        programme = get_programme(db, actor, existing[draft.name]) if draft.name in existing \
            else create_programme(db, actor, draft)
        made = {c.title for c in grant_cases.list_cases(db, actor, programme_id=programme.id)}
        for n, demo in enumerate(cases):
            if demo.title in made:
                continue
            group = create_contact(db, actor, ContactDraft(
                kind=ContactKind.GROUP, name=demo.group, group_type=demo.group_type)).id
            opened = datetime.combine(start + timedelta(days=5 + n), time(10), JAPAN_TIME)  # 10時 at the counter
            case = grant_cases.create_case(db, actor, grant_cases.CaseDraft(
                programme.id, group, demo.title, demo.department, demo.summary,
                demo.requested, demo.result), now=opened)
            later = opened + timedelta(days=40)
            if demo.stage is Stage.WITHDRAWN:
                advance_case(db, actor, case.id, Stage.APPLICATION, when=opened)
                advance_case(db, actor, case.id, Stage.WITHDRAWN, when=later)
            elif demo.stage in screened:
                advance_case(db, actor, case.id, Stage.SCREENING, when=opened)
                _score(db, actor, programme.id, case.id, n)
                if demo.stage is not Stage.SCREENING:
                    advance_case(db, actor, case.id, demo.stage, decided=demo.decided,
                                 when=later)
            elif demo.stage is not Stage.CONSULTATION:
                advance_case(db, actor, case.id, demo.stage, when=opened)
            if demo.stage in (Stage.GRANT_DECIDED, Stage.IN_PROGRESS):
                grant_cases.add_deadline(db, actor, case.id, "実績報告書の提出",
                                         today + timedelta(days=10 + 15 * n),
                                         closes_with=Stage.REPORTED)
            count += 1
    return count


def _score(db: Database, actor: Actor, programme_id: int, case_id: int, n: int) -> None:
    criteria = get_programme(db, actor, programme_id).criteria
    for r, reviewer in enumerate(REVIEWERS):
        grant_screening.record_scores(db, actor, case_id, reviewer, {
            c.id: max(1, c.max_score - (n * 5 + r * 2 + i * 3) % 4) for i, c in enumerate(criteria)})
