"""The guideline's own cycle (地域まちづくり計画と PDCA) and its five directions (指針の目指す方向):
the words the plans, the yearly reports and the publication share."""

from __future__ import annotations

import enum


class PlanStage(enum.StrEnum):
    """Where a plan stands in a fiscal year: PLAN → DO → CHECK → ACT, then the next year's
    plan (a new edition carrying the ACT notes)."""

    PLAN = "plan"  # 計画
    DO = "do"  # 実行
    CHECK = "check"  # 評価
    ACT = "act"  # 改善


PLAN_STAGE_LABELS = {PlanStage.PLAN: "計画", PlanStage.DO: "実行", PlanStage.CHECK: "評価",
                     PlanStage.ACT: "改善"}
# The cycle as the summary edition draws it: its English word beside the Japanese one.
PLAN_STAGE_WORDS = {PlanStage.PLAN: "PLAN", PlanStage.DO: "DO", PlanStage.CHECK: "CHECK",
                    PlanStage.ACT: "ACT"}
# What each stage means in the summary edition's own words.
PLAN_STAGE_MEANINGS = {
    PlanStage.PLAN: "市民と市が白紙から話し合い、まちづくり計画を作成",
    PlanStage.DO: "計画した事業を実施",
    PlanStage.CHECK: "実施状況をホームページなどで公表",
    PlanStage.ACT: "課題の掘り起こし、計画の見直し",
}


class ActionCarrier(enum.StrEnum):
    """Who carries an action (取組の主体)."""

    ORGANISATION = "organisation"  # 地域づくり組織
    CITY = "city"  # 市
    JOINT = "joint"  # 協働


ACTION_CARRIER_LABELS = {ActionCarrier.ORGANISATION: "組織", ActionCarrier.CITY: "市",
                         ActionCarrier.JOINT: "協働"}


class ActionStatus(enum.StrEnum):
    """How far an action got in a fiscal year (実施状況)."""

    DONE = "done"  # 実施
    PARTLY = "partly"  # 一部実施
    NOT_DONE = "not_done"  # 未実施


ACTION_STATUS_LABELS = {ActionStatus.DONE: "実施", ActionStatus.PARTLY: "一部実施",
                        ActionStatus.NOT_DONE: "未実施"}


class Direction(enum.IntEnum):
    """The guideline's five directions (指針の目指す方向), numbered as the summary edition does."""

    PARTICIPATION = 1  # 参加から参画へ
    CIVIC_GROUPS = 2  # 市民活動団体への支援拡充
    DISTRICTS = 3  # 地域づくり組織を核とした住民主体のまちづくりの実践
    NEW_PUBLIC = 4  # 新しい公共の推進
    CHANGING_TIMES = 5  # 市民活動を取り巻く環境変化への対応


DIRECTION_LABELS = {
    Direction.PARTICIPATION: "参加から参画へ",
    Direction.CIVIC_GROUPS: "市民活動団体への支援拡充",
    Direction.DISTRICTS: "地域づくり組織を核とした住民主体のまちづくりの実践",
    Direction.NEW_PUBLIC: "新しい公共の推進",
    Direction.CHANGING_TIMES: "市民活動を取り巻く環境変化への対応",
}
DIRECTION_AIMS = {
    Direction.PARTICIPATION: "市政や公共的活動への参加者が円滑に参画者に変われる環境づくり",
    Direction.CIVIC_GROUPS: "市民活動団体の運営体制強化に向けた支援拡充",
    Direction.DISTRICTS: "住民主体の特色あるまちづくりを進めるための取組の実践",
    Direction.NEW_PUBLIC: "新しい公共を推進するための市民協働の実践",
    Direction.CHANGING_TIMES: "NPO法人や企業の社会貢献活動に関する期待が高まっている流れへの対応",
}


class DirectionSource(enum.StrEnum):
    """What an administrator maps to a direction (方向への対応づけ)."""

    TOPIC = "topic"  # 相談の分野 (key: the topic's id)
    EVENT_KIND = "event_kind"  # イベントの種類 (key: EventKind's value)
    PROGRAMME_KIND = "programme_kind"  # 交付金の種類 (key: GrantKind's value)


class Sector(enum.StrEnum):
    """A participant's sector (所属の区分), asked at sign-up for 市民協働ミーティング; 行政 marks
    city staff (市職員), e.g. in つむぎすと講座 where citizens and city staff learn together."""

    CITIZEN = "citizen"  # 市民
    CIVIC_GROUP = "civic_group"  # 市民活動団体
    COMMUNITY_GROUP = "community_group"  # 地域活動団体
    COMPANY = "company"  # 企業
    GOVERNMENT = "government"  # 行政


SECTOR_LABELS = {Sector.CITIZEN: "市民", Sector.CIVIC_GROUP: "市民活動団体",
                 Sector.COMMUNITY_GROUP: "地域活動団体", Sector.COMPANY: "企業",
                 Sector.GOVERNMENT: "行政"}
