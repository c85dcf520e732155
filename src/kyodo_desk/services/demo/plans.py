"""Demo district plans (`kyodo-desk demo --plans`, 架空の地域まちづくり計画): two districts'
plans (東部 and 河辺) over the last three fiscal years, for training.

Each plan was made in ワークショップ (events with sessions, made-up residents signed up and
marked 出席), its actions are funded by 地域づくり交付金 cases walked along their stages with
decided amounts, and each year has its stage, 実施状況 per action with figures against the
targets, 評価 and 改善. 東部's 改善 of the second year is carried into a second edition (第2版)
from this fiscal year. Everything goes through the services a counter uses.

Running it again adds nothing already there: each piece (the 協議会, the workshops, the
programmes, the cases, the plan, its second edition, each year) is looked up first and made only
if missing, so a second run finishes a first one that stopped halfway and otherwise adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import JAPAN_TIME, fiscal_year_label, fiscal_year_of
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.grants import MAIN_LINE, Stage
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import ActionCarrier, ActionStatus, PlanStage
from kyodo_desk.models import Contact, ContactKind, Facility, GroupType
from kyodo_desk.services import grants
from kyodo_desk.services import plans as svc
from kyodo_desk.services.contacts import ContactDraft, create_contact, search_contacts
from kyodo_desk.services.demo import DEMO_NOTE, add_demo_contacts
from kyodo_desk.services.demo.grants import advance_case, community_programme
from kyodo_desk.services.events import (
    EventDetail,
    EventDraft,
    SessionDraft,
    create_event,
    get_event,
    list_events,
)
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, list_registrations, sign_up
from kyodo_desk.services.grants import cases as grant_cases

_C, _O, _J = ActionCarrier.CITY, ActionCarrier.ORGANISATION, ActionCarrier.JOINT
_DONE, _PARTLY, _NOT = ActionStatus.DONE, ActionStatus.PARTLY, ActionStatus.NOT_DONE


@dataclass(frozen=True)
class _Done:
    """One action's 実施状況 in one year."""

    status: ActionStatus
    figure: int | None
    result: str = ""


@dataclass(frozen=True)
class _Action:
    title: str
    carrier: ActionCarrier
    detail: str
    # May name {p01} (the first two years), {p02} (all three) or {y2} (this year), in the era.
    schedule: str
    indicator: str
    target: int | None
    unit: str
    # The first year, the second, and this year (None: not reported yet).
    years: tuple[_Done | None, _Done | None, _Done | None]


@dataclass(frozen=True)
class _Year:
    stage: PlanStage
    evaluation: str = ""
    improvement: str = ""


@dataclass(frozen=True)
class _Workshop:
    title: str
    year: int  # 0: the fiscal year before the plan's first; 2: the second year of the plan
    months: tuple[tuple[int, int], ...]  # (offset of the calendar year from the FY, month)
    sign_ups: int
    description: str
    for_revision: bool = False  # made the second edition, linked to it alone


@dataclass(frozen=True)
class _Case:
    year: int  # 0, 1, 2: the plan's first, second and this fiscal year
    title: str
    summary: str
    requested: int
    decided: int
    stage: Stage
    actions: tuple[str, ...]  # the titles of the actions it funds
    result: str = ""


@dataclass(frozen=True)
class _Revision:
    """改善 carried into a second edition from this fiscal year."""

    changes: dict[str, dict[str, object]]  # action title → fields changed
    added: tuple[_Action, ...]


@dataclass(frozen=True)
class _District:
    district: str
    facility: str
    organisation: str
    title: str
    vision: str
    actions: tuple[_Action, ...]
    years: tuple[_Year, _Year, _Year]
    workshops: tuple[_Workshop, ...]
    cases: tuple[_Case, ...]
    revision: _Revision | None = None


_EAST = _District(
    district="東部", facility="east", organisation="東部地域づくり協議会",
    title="東部地域まちづくり計画",
    vision="世代をこえて顔の見える、安心して暮らし続けられる東部。子どもから高齢者までが"
           "地域の行事と支え合いにかかわり、災害にも強いまちを住民と市が一緒につくります。",
    actions=(
        _Action("東部ふれあい夏まつりの開催", _O,
                "町内会・子ども会・商店会が実行委員会をつくり、世代をこえて集う夏まつりを開く。",
                "毎年8月", "来場者数", 3000, "人",
                (_Done(_DONE, 2600, "猛暑のため時間を短縮して開催。中学生ボランティア45人が運営に参加した。"),
                 _Done(_DONE, 3100, "来場者が目標を上回った。ごみの持ち帰りを呼びかけ、会場の清掃も住民で行った。"),
                 _Done(_DONE, 3200, "中高生ボランティア62人が企画から参加し、模擬店を2店出した。"))),
        _Action("高齢者の見守り・声かけ活動", _J,
                "見守り協力員が一人暮らしの高齢者宅を訪ね、地域包括支援センターと情報を共有する。",
                "通年", "見守り協力員の登録者数", 80, "人",
                (_Done(_PARTLY, 52, "町内会ごとに協力員の数の偏りが大きい。"),
                 _Done(_PARTLY, 61, "協力員の高齢化で登録が伸び悩んだ。"),
                 _Done(_PARTLY, 74, "中高生の見守りボランティアと組んで訪問する仕組みを試行中。"))),
        _Action("防災マップの作成と地域合同避難訓練", _J,
                "町内会ごとの危険箇所を歩いて調べ、防災マップを作って全戸に配り、合同で避難訓練を行う。",
                "{p01}", "避難訓練の参加者数", 400, "人",
                (_Done(_PARTLY, 180, "防災マップの素案を作成。避難訓練は2つの町内会で実施した。"),
                 _Done(_DONE, 420, "防災マップを全戸に配布し、地域合同避難訓練を実施した。"),
                 _Done(_PARTLY, 310, "9月に訓練を実施。冬期の訓練は2月に予定している。"))),
        _Action("通学路の花いっぱい運動", _O,
                "通学路沿いの花壇を町内会と小学校で手入れし、見守りの目を増やす。",
                "毎年5〜10月", "手入れする花壇の数", 20, "か所",
                (_Done(_DONE, 18, "小学校の3・4年生と一緒に植え付けを行った。"),
                 _Done(_DONE, 21, "新たに商店会の前に3か所の花壇を設けた。"),
                 None)),
        _Action("地域情報紙「東部だより」の発行", _O,
                "行事の案内と計画の進み具合を載せた情報紙を全戸に配る。",
                "年4回", "発行回数", 4, "回",
                (_Done(_DONE, 4, "計画の概要を特集した号を発行した。"),
                 _Done(_PARTLY, 3, "編集担当が不在となり、1回休刊した。"),
                 _Done(_PARTLY, 2, "編集を中学生と高校生が手伝っている。残り2回を発行予定。"))),
    ),
    years=(
        _Year(PlanStage.ACT,
              "5つの取組のうち3つを実施、2つを一部実施。夏まつりと花いっぱい運動は住民の参加が多く、"
              "計画の1年目として順調に始まった。",
              "見守り協力員が一部の町内会に偏っている。町内会長会議で協力員の募集を呼びかけ、"
              "防災マップづくりを残りの町内会にも広げる。"),
        _Year(PlanStage.ACT,
              "防災マップの全戸配布と合同避難訓練を実現した。見守り協力員と情報紙の編集は担い手が"
              "不足し、目標に届かなかった。",
              "担い手の不足と高齢化が共通の課題。中学生・高校生が地域活動に加わる取組を新たに設け、"
              "見守り協力員の目標を100人に引き上げて計画を改定する（第2版）。"),
        _Year(PlanStage.DO),
    ),
    workshops=(
        _Workshop("東部地域まちづくり計画ワークショップ", 0, ((0, 10), (0, 11), (1, 1)), 24,
                  "東部地域の将来像と、その実現に向けた取組を住民のみなさんと市が白紙から話し合います。"
                  "全3回。"),
        _Workshop("東部地域まちづくり計画 見直しワークショップ", 2, ((0, 11), (1, 1)), 18,
                  "2年間の実施状況をふりかえり、課題を掘り起こして計画の見直しを話し合います。全2回。",
                  for_revision=True),
    ),
    cases=(
        _Case(0, "東部ふれあい夏まつり", "地域まちづくり計画の重点事業として、世代をこえて集う夏まつりを開く。",
              800_000, 780_000, Stage.PUBLISHED, ("東部ふれあい夏まつりの開催",),
              "来場者約2,600人。中学生ボランティア45人が運営に参加した。"),
        _Case(1, "東部ふれあい夏まつり", "地域まちづくり計画の重点事業として、世代をこえて集う夏まつりを開く。",
              800_000, 800_000, Stage.PUBLISHED, ("東部ふれあい夏まつりの開催",),
              "来場者約3,100人。ごみの持ち帰りと会場清掃を住民で行った。"),
        _Case(1, "東部地域防災マップづくりと合同避難訓練",
              "町内会ごとの危険箇所を調べて防災マップを作り、全戸配布と合同避難訓練を行う。",
              450_000, 420_000, Stage.SETTLED, ("防災マップの作成と地域合同避難訓練",),
              "防災マップ4,800部を全戸に配布。合同避難訓練に420人が参加した。"),
        _Case(2, "東部ふれあい夏まつり", "地域まちづくり計画の重点事業として、世代をこえて集う夏まつりを開く。",
              800_000, 800_000, Stage.IN_PROGRESS, ("東部ふれあい夏まつりの開催",)),
        _Case(2, "中高生の地域活動参加促進事業",
              "中学生・高校生が夏まつりの企画や見守り訪問に加わる機会をつくり、担い手を育てる。",
              300_000, 300_000, Stage.IN_PROGRESS,
              ("中高生の地域活動への参加促進", "高齢者の見守り・声かけ活動")),
    ),
    revision=_Revision(
        changes={
            "高齢者の見守り・声かけ活動": {
                "target": 100,
                "detail": "見守り協力員と中高生ボランティアが組んで一人暮らしの高齢者宅を訪ね、"
                          "地域包括支援センターと情報を共有する。"},
            "防災マップの作成と地域合同避難訓練": {
                "title": "防災マップの更新と地域合同避難訓練", "schedule": "毎年9月・2月",
                "target": 450,
                "detail": "防災マップを毎年更新し、夏と冬の2回、地域合同避難訓練を行う。"},
        },
        added=(
            _Action("中高生の地域活動への参加促進", _J,
                    "中学校・高校と協力し、夏まつりの企画、見守り訪問、情報紙の編集に中高生が加わる"
                    "機会をつくる。", "{y2}から", "参加した中高生の数", 60, "人",
                    (None, None,
                     _Done(_PARTLY, 38, "夏まつりに62人、見守り訪問に8人が参加（実人数38人）。"))),
        ),
    ),
)

_KAWABE = _District(
    district="河辺", facility="kawabe", organisation="河辺地域づくり協議会",
    title="河辺地域まちづくり計画",
    vision="里山と川の恵みを次の世代へ。人が行き交い、住み慣れた地域で暮らし続けられる河辺を、"
           "住民と市が力を合わせてつくります。",
    actions=(
        _Action("岩見三内の里山保全活動", _O,
                "荒れた里山の下草刈りと遊歩道の手入れを、住民と地域外のボランティアで行う。",
                "毎年6〜10月", "下草刈りの参加者数（延べ）", 150, "人",
                (_Done(_DONE, 132, "5回実施。市内の大学生ボランティアが初めて参加した。"),
                 _Done(_DONE, 158, "遊歩道の案内板を新たに4か所設置した。"),
                 _Done(_DONE, 141, "6回実施。雨天で1回を順延した。"))),
        _Action("親子自然体験会の開催", _J,
                "里山と岩見川で、親子で参加する自然観察や川遊びの体験会を開く。",
                "毎年7〜10月", "参加した親子の組数", 40, "組",
                (_Done(_PARTLY, 22, "大雨のため2回のうち1回を中止した。"),
                 _Done(_DONE, 41, "市の出前講座と合同で開き、市街地からの参加もあった。"),
                 _Done(_PARTLY, 25, "夏の回を実施。秋の回は紅葉の時期に開く予定。"))),
        _Action("買い物・通院の移動支援の検討", _J,
                "バス路線の減った集落の買い物・通院の足について、住民と市の関係課で検討会を開く。",
                "{p02}", "検討会の開催回数", 6, "回",
                (_Done(_PARTLY, 2, "集落ごとの困りごとを聞き取った。"),
                 _Done(_PARTLY, 3, "乗り合いの試行を話し合ったが、運行の担い手の確保が課題となった。"),
                 _Done(_PARTLY, 2, "社会福祉協議会と運転ボランティアの募集方法を検討している。"))),
        _Action("伝統行事の継承と記録", _O,
                "地域の伝統行事に子どもが参加できるよう練習会を開き、映像で記録を残す。",
                "通年", "行事に参加した子どもの数", 50, "人",
                (_Done(_NOT, None, "担い手の調整がつかず、練習会を見送った。"),
                 _Done(_PARTLY, 28, "練習会を4回開き、行事の記録映像を作成した。"),
                 None)),
        _Action("空き家を活用した交流サロンの開設", _J,
                "空き家を借りて、誰でも立ち寄れる交流サロンを開く。",
                "{y2}まで", "開設した交流サロンの数", 1, "か所",
                (_Done(_NOT, 0, "候補となる空き家を探した。"),
                 _Done(_NOT, 0, "候補の空き家の所有者と協議を続けている。"),
                 _Done(_PARTLY, 0, "所有者の了解を得て、改修の見積りを取った。"))),
    ),
    years=(
        _Year(PlanStage.ACT,
              "里山保全は目標に近い参加があった。伝統行事の継承と交流サロンは着手できなかった。",
              "伝統行事は保存会と学校に協力を求め、練習会の日程を早めに決める。交流サロンは"
              "空き家の情報を市の空き家バンクと共有して候補を探す。"),
        _Year(PlanStage.ACT,
              "5つの取組のうち2つを実施、2つを一部実施、1つは未実施。親子自然体験会は目標を達成した。",
              "移動支援は運転の担い手確保を次年度の重点とし、社会福祉協議会と連携する。"
              "交流サロンは改修費の見積りを取り、地域づくり交付金の活用を検討する。"),
        _Year(PlanStage.DO),
    ),
    workshops=(
        _Workshop("河辺地域まちづくり計画ワークショップ", 0, ((0, 10), (0, 12), (1, 2)), 20,
                  "河辺地域の将来像と取組を住民のみなさんと市が白紙から話し合います。全3回。"),
        _Workshop("河辺地域まちづくり計画 ふりかえりワークショップ", 2, ((1, 2),), 16,
                  "1年目・2年目の実施状況をふりかえり、次の年度の取組を話し合います。"),
    ),
    cases=(
        _Case(0, "岩見三内の里山保全と体験交流", "里山の下草刈りと、親子で参加する自然体験会を行う。",
              900_000, 850_000, Stage.PUBLISHED, ("岩見三内の里山保全活動", "親子自然体験会の開催"),
              "下草刈りに延べ132人、自然体験会に22組が参加した。"),
        _Case(1, "岩見三内の里山保全と体験交流", "里山の下草刈りと、親子で参加する自然体験会を行う。",
              900_000, 880_000, Stage.PUBLISHED, ("岩見三内の里山保全活動", "親子自然体験会の開催"),
              "下草刈りに延べ158人、自然体験会に41組が参加。案内板を4か所設置した。"),
        _Case(1, "河辺ふるさと行事継承事業", "伝統行事の練習会を開き、記録映像を残す。",
              500_000, 480_000, Stage.SETTLED, ("伝統行事の継承と記録",),
              "練習会を4回開き、子ども28人が参加。記録映像を作成した。"),
        _Case(2, "岩見三内の里山保全と体験交流", "里山の下草刈りと、親子で参加する自然体験会を行う。",
              900_000, 850_000, Stage.IN_PROGRESS, ("岩見三内の里山保全活動", "親子自然体験会の開催")),
    ),
)

DEMO_DISTRICTS = (_EAST, _KAWABE)


@dataclass
class DemoPlansAdded:
    """What a run of `add_demo_plans` made (0 everywhere: everything was there already)."""

    plans: int = 0  # plans made (their first edition)
    editions: int = 0  # later editions made (改定)
    workshops: int = 0
    cases: int = 0
    years: int = 0  # fiscal years recorded
    first_year: int = 0
    districts: tuple[str, ...] = field(default=())

    @property
    def anything(self) -> bool:
        return any((self.plans, self.editions, self.workshops, self.cases, self.years))

    def message(self) -> str:
        """What the command prints."""
        if not self.anything:
            return ("架空の地域まちづくり計画（" + "・".join(self.districts) + "）はすでにあります。"
                    "追加したものはありません。")
        years = svc.period_label(self.first_year, self.first_year + 2)
        return (f"架空の地域まちづくり計画を{self.plans}件（{'・'.join(self.districts)}、"
                f"{years}の3年度分）追加しました: 改定版{self.editions}件、ワークショップ"
                f"{self.workshops}件、地域づくり交付金の案件{self.cases}件、年度の記録{self.years}件。")


def add_demo_plans(db: Database, actor: Actor, *, today: date | None = None,
                   seed: int = 1) -> DemoPlansAdded:
    """東部's and 河辺's plans over the three fiscal years up to *today*'s, with their
    workshops, grant cases and yearly records; only what is not there yet is made."""
    actor.require(Action.CREATE, Resource.PLANS)
    today = today or date.today()
    first = fiscal_year_of(today) - 2
    added = DemoPlansAdded(first_year=first, districts=tuple(d.district for d in DEMO_DISTRICTS))
    rng = random.Random(seed)
    for demo in DEMO_DISTRICTS:
        _DistrictRun(db, actor, demo, first, today, rng, added).make()
    return added


class _DistrictRun:
    """One district's plan with everything around it, each piece made only if missing."""

    def __init__(self, db: Database, actor: Actor, demo: _District, first: int, today: date,
                 rng: random.Random, added: DemoPlansAdded) -> None:
        self.db, self.actor, self.demo, self.first = db, actor, demo, first
        self.today, self.rng, self.added = today, rng, added
        self.labels = {"p01": svc.period_label(first, first + 1),
                       "p02": svc.period_label(first, first + 2),
                       "y2": fiscal_year_label(first + 2)}

    def make(self) -> None:
        organisation = self._organisation()
        workshops = [(w, self._workshop(w)) for w in self.demo.workshops]
        plan = self._first_edition(organisation)
        for w, event_id in workshops:
            if not w.for_revision:
                svc.link_workshop(self.db, self.actor, plan.id, event_id)
        for offset in (0, 1):
            self._year(plan, offset)
        current = plan
        if self.demo.revision is not None:
            current = self._second_edition(plan)
            for w, event_id in workshops:
                if w.for_revision:
                    svc.link_workshop(self.db, self.actor, current.id, event_id)
        self._year(current, 2)
        for case in self.demo.cases:
            case_id = self._case(organisation, case)
            if case_id is None:
                continue
            edition = current if case.year == 2 else plan
            for action in edition.actions:
                if action.title in case.actions or self._renamed_from(action.title) in case.actions:
                    svc.link_case(self.db, self.actor, action.id, case_id)

    # --- the 協議会 -----------------------------------------------------------------------

    def _organisation(self) -> int:
        name = self.demo.organisation
        page = search_contacts(self.db, self.actor, name, kinds=[ContactKind.GROUP], limit=20)
        found = sorted(e.ref.id for e in page.entries if e.name == name)
        if found:
            return found[0]
        return create_contact(self.db, self.actor, ContactDraft(
            kind=ContactKind.GROUP, name=name, group_type=GroupType.COMMUNITY_ORG,
            district=self.demo.district, notes=DEMO_NOTE,
            activity_area="地域内")).id

    # --- workshops ----------------------------------------------------------------------

    def _workshop(self, w: _Workshop) -> int:
        fiscal_year = self.first - 1 if w.year == 0 else self.first + 1
        found = [e for e in list_events(self.db, self.actor, query=w.title)
                 if e.title == w.title and e.kind is EventKind.WORKSHOP]
        if found:
            return found[0].id
        with self.db.reading(self.actor) as session:
            facility_id = session.scalar(select(Facility.id).where(
                Facility.code == self.demo.facility))
        if facility_id is None:
            raise LookupError(f"施設「{self.demo.facility}」が登録されていません。")
        days = [_third_saturday(fiscal_year + year, month) for year, month in w.months]
        opens = days[0] - timedelta(days=40)
        event = create_event(self.db, self.actor, EventDraft(
            kind=EventKind.WORKSHOP, title=w.title, facility_id=facility_id,
            venue_facility_id=facility_id, district=self.demo.district,
            sessions=tuple(SessionDraft(day, time(13, 30), time(16),
                                        f"第{n}回" if len(days) > 1 else "")
                           for n, day in enumerate(days, start=1)),
            description=w.description, capacity=30,
            audience=f"{self.demo.district}地域にお住まいの方、{self.demo.district}地域で活動する方",
            signup_opens_on=opens, signup_closes_on=days[0] - timedelta(days=3),
            how_to_apply=f"電話または{self.demo.district}市民サービスセンターの窓口で申込"))
        self.added.workshops += 1
        self._sign_up_and_attend(event, w.sign_ups, opens)
        return event.id

    def _sign_up_and_attend(self, event: EventDetail, count: int, on: date) -> None:
        if list_registrations(self.db, self.actor, event.id, logged=False):
            return
        people = _residents(self.db, self.actor, self.demo.district, count + 10)
        chosen = self.rng.sample(people, min(count, len(people)))
        sessions = get_event(self.db, self.actor, event.id).sessions
        for contact_id in sorted(chosen):
            registered = sign_up(self.db, self.actor, event.id, SignUpDraft(contact_id),
                                 today=on, allow_similar=True).registration
            for held in sessions:
                if self.rng.random() < 0.8:  # most came to every session, some missed one
                    check_in(self.db, self.actor, registered.id, held.id, now=datetime.combine(
                        held.held_on, time(13, 20), JAPAN_TIME))

    # --- the plan and its second edition ---------------------------------------------------

    def _action_draft(self, a: _Action) -> svc.ActionDraft:
        return svc.ActionDraft(a.title, a.carrier, a.detail, a.schedule.format(**self.labels),
                               a.indicator, a.target, a.unit)

    def _lineage(self) -> list[svc.PlanSummary]:
        return sorted((p for p in svc.list_plans(self.db, self.actor, district=self.demo.district,
                                                 include_earlier_editions=True)
                       if p.title == self.demo.title and p.first_year >= self.first),
                      key=lambda p: p.edition)

    def _first_edition(self, organisation: int) -> svc.PlanDetail:
        lineage = self._lineage()
        if lineage:
            return svc.get_plan(self.db, self.actor, lineage[0].id)
        self.added.plans += 1
        return svc.create_plan(self.db, self.actor, svc.PlanDraft(
            district=self.demo.district, title=self.demo.title, first_year=self.first,
            last_year=self.first + 4, vision=self.demo.vision, organisation_id=organisation,
            adopted_on=date(self.first, 3, 25),
            actions=tuple(self._action_draft(a) for a in self.demo.actions)))

    def _second_edition(self, plan: svc.PlanDetail) -> svc.PlanDetail:
        revision = self.demo.revision
        assert revision is not None
        lineage = self._lineage()
        if len(lineage) > 1:
            current = svc.get_plan(self.db, self.actor, lineage[-1].id)
        else:
            plan = svc.get_plan(self.db, self.actor, plan.id)  # its version after the years
            current = svc.revise_plan(self.db, self.actor, plan.id, plan.version,
                                      from_year=self.first + 2,
                                      adopted_on=date(self.first + 2, 3, 24))
            self.added.editions += 1
        titles = {a.title for a in current.actions}
        if all(a.title in titles for a in revision.added):
            return current
        actions = [replace(a.as_draft(), **revision.changes.get(a.title, {}))  # type: ignore[arg-type]
                   for a in current.actions]
        actions += [self._action_draft(a) for a in revision.added]
        return svc.update_plan(self.db, self.actor, current.id, current.version,
                               replace(current.as_draft(), actions=tuple(actions)))

    def _renamed_from(self, title: str) -> str:
        """The first edition's title of an action the second edition renamed."""
        if self.demo.revision is None:
            return title
        return next((old for old, change in self.demo.revision.changes.items()
                     if change.get("title") == title), title)

    # --- the years ------------------------------------------------------------------------

    def _year(self, plan: svc.PlanDetail, offset: int) -> None:
        fiscal_year = self.first + offset
        year = svc.get_year(self.db, self.actor, plan.id, fiscal_year)
        if year.version:
            return
        spec = self.demo.years[offset]
        done = {self._renamed_from(a.title): a.years[offset]
                for a in (*self.demo.actions,
                          *(self.demo.revision.added if self.demo.revision else ()))}
        progress = []
        for view in year.progress:
            d = done.get(self._renamed_from(view.title))
            if d is not None:
                progress.append(svc.ProgressDraft(view.action_id, d.status, d.result, d.figure))
        published = date(fiscal_year + 1, 6, 20)
        svc.save_year(self.db, self.actor, plan.id, fiscal_year, 0, svc.YearDraft(
            spec.stage, spec.evaluation, spec.improvement,
            published if spec.stage is not PlanStage.DO and published <= self.today else None,
            tuple(progress)))
        self.added.years += 1

    # --- 地域づくり交付金 ---------------------------------------------------------------------

    def _programme(self, fiscal_year: int) -> int:
        draft = community_programme(fiscal_year)
        found = [p for p in grants.list_programmes(self.db, self.actor, fiscal_year=fiscal_year)
                 if p.name == draft.name]
        if found:
            return found[0].id
        return grants.create_programme(self.db, self.actor, draft).id

    def _case(self, organisation: int, c: _Case) -> int | None:
        fiscal_year = self.first + c.year
        programme = self._programme(fiscal_year)
        found = [s for s in grant_cases.list_cases(self.db, self.actor, programme_id=programme,
                                                   contact_id=organisation)
                 if s.title == c.title]
        if found:
            case_id, stage = found[0].id, found[0].stage
        else:
            opened = self._moment(date(fiscal_year, 4, 10))
            case_id = grant_cases.create_case(self.db, self.actor, grant_cases.CaseDraft(
                programme, organisation, c.title, f"{self.demo.district}市民サービスセンター",
                c.summary, c.requested, c.result, district=self.demo.district), now=opened).id
            stage = Stage.CONSULTATION
            self.added.cases += 1
        if stage in (Stage.REJECTED, Stage.WITHDRAWN):
            return None  # another demo ended it: it funds nothing
        if _before(stage, Stage.IN_PROGRESS):
            advance_case(self.db, self.actor, case_id, Stage.IN_PROGRESS, decided=c.decided,
                         when=self._moment(date(fiscal_year, 4, 12)))
            stage = Stage.IN_PROGRESS
        if _before(stage, c.stage):
            advance_case(self.db, self.actor, case_id, c.stage,
                         when=self._moment(date(fiscal_year + 1, 2, 1)))
        return case_id

    def _moment(self, day: date) -> datetime:
        return datetime.combine(min(day, self.today), time(10), JAPAN_TIME)


def _before(stage: Stage, target: Stage) -> bool:
    return MAIN_LINE.index(stage) < MAIN_LINE.index(target)


def _third_saturday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(5 - first.weekday()) % 7 + 14)


def _residents(db: Database, actor: Actor, district: str, wanted: int) -> list[int]:
    """Made-up people of *district* (their town lies in it), adding made-up contacts if too
    few; any made-up people when the district still has too few."""
    def read(only_district: bool) -> list[int]:
        stmt = (select(Contact.id).where(Contact.notes == DEMO_NOTE, Contact.active,
                                         Contact.kind == ContactKind.PERSON)
                .order_by(Contact.id).limit(wanted))
        if only_district:
            stmt = stmt.where(Contact.district == district)
        with db.reading(actor) as session:
            return list(session.scalars(stmt))

    people = read(True)
    if len(people) < wanted:
        add_demo_contacts(db, actor, wanted * 12, seed=7_001)
        people = read(True)
    return people if len(people) >= wanted else read(False)
