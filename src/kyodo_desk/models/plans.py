"""District plans (地域まちづくり計画) through the yearly PLAN–DO–CHECK–ACT cycle, and the map of
records to the guideline's five directions (指針の目指す方向)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kyodo_desk.domain.plans import ActionCarrier, ActionStatus, DirectionSource, PlanStage
from kyodo_desk.models.base import Base, OwnedRow, Searchable, Versioned, string_enum


class DistrictPlan(Searchable, Versioned, Base):
    """地域まちづくり計画 — one edition (版) of a district's plan. A revision after 改善 is a new
    edition that names the one it revises; earlier editions are kept as they were."""

    __tablename__ = "district_plans"
    __table_args__ = (
        CheckConstraint("first_year <= last_year", name="period"),
        CheckConstraint("edition >= 1", name="edition"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(8), index=True)  # 地域 (services/districts)
    # 地域づくり組織 that drew it up with the citizens (a group contact), if one did.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"),
                                                        nullable=True, index=True)
    title: Mapped[str] = mapped_column(Text)
    first_year: Mapped[int] = mapped_column(Integer)  # 計画期間 (fiscal years, e.g. 2026–2030)
    last_year: Mapped[int] = mapped_column(Integer)
    vision: Mapped[str] = mapped_column(Text, default="")  # 目指す姿
    edition: Mapped[int] = mapped_column(Integer, default=1)  # 第N版
    # The edition this one revises (None for a first edition); an edition is revised once.
    revises_id: Mapped[int | None] = mapped_column(ForeignKey("district_plans.id"),
                                                   nullable=True, unique=True)
    adopted_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 策定日・改定日

    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanAction.position")
    workshops: Mapped[list[PlanWorkshop]] = relationship(cascade="all, delete-orphan")

    def search_fields(self) -> tuple[str | None, ...]:
        return (self.title, self.vision)

    def reading_and_name(self) -> tuple[str | None, str]:
        return None, self.title


class PlanAction(OwnedRow, Base):
    """取組 — one action of a plan edition: who carries it, when, and how it is measured."""

    __tablename__ = "plan_actions"
    __version_owner__ = "plan_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("district_plans.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")  # 内容
    carrier: Mapped[ActionCarrier] = mapped_column(string_enum(ActionCarrier, "action_carrier"))
    schedule: Mapped[str] = mapped_column(Text, default="")  # 実施時期 (e.g. 令和8〜9年度)
    indicator: Mapped[str] = mapped_column(Text, default="")  # 指標 (e.g. 参加者数)
    target: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 目標値
    unit: Mapped[str] = mapped_column(Text, default="")  # 単位 (人, 回, %)
    # The action of the edition before that this one carries on (its years read as one).
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_actions.id", ondelete="SET NULL"), nullable=True, index=True)

    plan: Mapped[DistrictPlan] = relationship(back_populates="actions")


class PlanWorkshop(OwnedRow, Base):
    """A workshop (an event, usually of kind ワークショップ) in which the plan was made."""

    __tablename__ = "plan_workshops"
    __version_owner__ = "plan_id"

    plan_id: Mapped[int] = mapped_column(ForeignKey("district_plans.id", ondelete="CASCADE"),
                                         primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)


class PlanActionCase(Base):
    """A grant case (usually 地域づくり交付金) that funds an action."""

    __tablename__ = "plan_action_cases"

    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"),
                                           primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)


class PlanYear(Versioned, Base):
    """One fiscal year of a plan edition in the cycle: its stage, the 評価 and the 改善 notes,
    the day its progress was published (公表). Edited apart from the plan itself, so a clerk
    recording this year's results never collides with one correcting the plan's wording."""

    __tablename__ = "plan_years"
    __table_args__ = (UniqueConstraint("plan_id", "fiscal_year",
                                       name="uq_plan_years_plan_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("district_plans.id", ondelete="CASCADE"),
                                         index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)  # 年度
    stage: Mapped[PlanStage] = mapped_column(string_enum(PlanStage, "plan_stage"))
    evaluation: Mapped[str] = mapped_column(Text, default="")  # 評価（全体の振り返り）
    improvement: Mapped[str] = mapped_column(Text, default="")  # 改善（課題と見直し）
    published_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 公表日

    progress: Mapped[list[ActionProgress]] = relationship(
        back_populates="plan_year", cascade="all, delete-orphan")


class ActionProgress(OwnedRow, Base):
    """実施状況 — how far one action got in one fiscal year, and its figure against the target."""

    __tablename__ = "action_progress"
    __version_owner__ = "plan_year_id"
    __table_args__ = (UniqueConstraint("plan_year_id", "action_id",
                                       name="uq_action_progress_year_action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_year_id: Mapped[int] = mapped_column(ForeignKey("plan_years.id", ondelete="CASCADE"))
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[ActionStatus] = mapped_column(string_enum(ActionStatus, "action_status"))
    result: Mapped[str] = mapped_column(Text, default="")  # 実績・成果
    figure: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 実績値

    plan_year: Mapped[PlanYear] = relationship(back_populates="progress")


class DirectionLink(Base):
    """方向への対応づけ — a topic, an event kind or a programme kind counted toward one of the
    guideline's five directions (one record may count toward several)."""

    __tablename__ = "direction_links"
    __table_args__ = (CheckConstraint("direction BETWEEN 1 AND 5", name="direction"),)

    source: Mapped[DirectionSource] = mapped_column(
        string_enum(DirectionSource, "direction_source"), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    direction: Mapped[int] = mapped_column(Integer, primary_key=True)
