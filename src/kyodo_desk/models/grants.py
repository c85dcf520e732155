"""Grant programmes and cases (交付金案件): programmes with their criteria and document lists,
cases with their moves, documents, payments, scores, notes and deadlines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kyodo_desk.domain.grants import GrantKind, Stage
from kyodo_desk.models.base import Base, OwnedRow, Searchable, Versioned, string_enum


class GrantProgramme(Versioned, Base):
    """交付金の募集 — one programme in one fiscal year: call period, budget, ceiling per case.

    Its row is the lock a grant decision takes, so two officers deciding at once can never
    decide more than the budget together.
    """

    __tablename__ = "grant_programmes"
    __table_args__ = (UniqueConstraint("fiscal_year", "name",
                                       name="uq_grant_programmes_year_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[GrantKind] = mapped_column(string_enum(GrantKind, "grant_kind"))
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)  # 年度 (April–March)
    name: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")  # 目的
    eligibility: Mapped[str] = mapped_column(Text, default="")  # 対象となる団体・事業
    call_opens_on: Mapped[date] = mapped_column(Date)  # 募集期間
    call_closes_on: Mapped[date] = mapped_column(Date)
    budget: Mapped[int] = mapped_column(BigInteger)  # 予算額 (yen)
    ceiling: Mapped[int] = mapped_column(BigInteger, default=0)  # 1件あたりの上限; 0: なし
    how_to_apply: Mapped[str] = mapped_column(Text, default="")  # 申込方法
    contact_name: Mapped[str] = mapped_column(Text, default="")  # 問い合わせ先
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)

    criteria: Mapped[list[GrantCriterion]] = relationship(
        cascade="all, delete-orphan", order_by="GrantCriterion.position")
    documents: Mapped[list[GrantRequiredDocument]] = relationship(
        cascade="all, delete-orphan", order_by="GrantRequiredDocument.position")


class GrantCriterion(OwnedRow, Base):
    """審査の観点 — a criterion, its weight and the highest score a reviewer may give."""

    __tablename__ = "grant_criteria"
    __version_owner__ = "programme_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    max_score: Mapped[int] = mapped_column(Integer, default=5)


class GrantRequiredDocument(OwnedRow, Base):
    """必要書類 — a document a case must have received before it may enter *stage*."""

    __tablename__ = "grant_required_documents"
    __version_owner__ = "programme_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programmes.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, "grant_stage"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)


class GrantCase(Searchable, Versioned, Base):
    """交付金案件 — one group's project in one programme, from 相談 to 公表."""

    __tablename__ = "grant_cases"
    # One group proposes a project once per call; the title is compared folded (width, kana).
    __table_args__ = (UniqueConstraint("programme_id", "contact_id", "title_key",
                                       name="uq_grant_cases_programme_contact_title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("grant_programmes.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)  # 申請団体
    title: Mapped[str] = mapped_column(Text)  # 事業名
    title_key: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(Text, default="")  # 協働する担当課
    summary: Mapped[str] = mapped_column(Text, default="")  # 事業の概要
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, "grant_stage"))
    requested: Mapped[int] = mapped_column(BigInteger, default=0)  # 申請額
    decided: Mapped[int] = mapped_column(BigInteger, default=0)  # 交付決定額
    result: Mapped[str] = mapped_column(Text, default="")  # 実績（公表する成果）
    evaluation: Mapped[str] = mapped_column(Text, default="")  # 評価
    # 地域 of the project: suggested from the applying group's, kept as chosen.
    district: Mapped[str] = mapped_column(String(8), default="", server_default=text("''"),
                                          index=True)

    def search_fields(self) -> tuple[str | None, ...]:
        return (self.title, self.department, self.summary)

    def reading_and_name(self) -> tuple[str | None, str]:
        return None, self.title


class GrantCaseMove(OwnedRow, Base):
    """段階の移動 — who moved the case, when, from where to where, and why."""

    __tablename__ = "grant_case_moves"
    # Free text may name people: the audit log records that it changed, never its words.
    __audit_redact__ = frozenset({"comment"})
    __version_owner__ = "case_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"),
                                         index=True)
    from_stage: Mapped[Stage | None] = mapped_column(string_enum(Stage, "grant_from_stage"),
                                                     nullable=True)
    to_stage: Mapped[Stage] = mapped_column(string_enum(Stage, "grant_to_stage"))
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    moved_by: Mapped[str] = mapped_column(Text)  # the account's name as it was
    comment: Mapped[str] = mapped_column(Text, default="")


class GrantCaseDocument(OwnedRow, Base):
    """受理した書類 — a document received for the case, on a date."""

    __tablename__ = "grant_case_documents"
    # Free text may name people: the audit log records that it changed, never its words.
    __audit_redact__ = frozenset({"note"})
    __version_owner__ = "case_id"
    __table_args__ = (UniqueConstraint("case_id", "name", name="uq_grant_case_documents_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


class GrantPayment(OwnedRow, Base):
    """支払・返還 — money paid to the group (positive kind "payment") or paid back ("refund")."""

    __tablename__ = "grant_payments"
    # Free text may name people: the audit log records that it changed, never its words.
    __audit_redact__ = frozenset({"note"})
    __version_owner__ = "case_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(10))  # payment | refund
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


class GrantScore(OwnedRow, Base):
    """審査の点数 — one reviewer's score for one criterion of one case."""

    __tablename__ = "grant_scores"
    # Free text may name people: the audit log records that it changed, never its words.
    __audit_redact__ = frozenset({"reviewer"})
    __version_owner__ = "case_id"
    __table_args__ = (UniqueConstraint("case_id", "reviewer", "criterion_id",
                                       name="uq_grant_scores_case_reviewer_criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"))
    reviewer: Mapped[str] = mapped_column(Text)  # 審査員 (often from outside the city)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("grant_criteria.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)


class GrantCaseNote(OwnedRow, Base):
    """メモ — a dated note on the case."""

    __tablename__ = "grant_case_notes"
    # Free text may name people: the audit log records that it changed, never its words.
    __audit_redact__ = frozenset({"text"})
    __version_owner__ = "case_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"),
                                         index=True)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    written_by: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class GrantDeadline(OwnedRow, Base):
    """期限 — something the case must do by a date (実績報告の提出 …); done when *done_on* is set."""

    __tablename__ = "grant_deadlines"
    __version_owner__ = "case_id"
    __table_args__ = (Index("ix_grant_deadlines_open", "done_on", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id", ondelete="CASCADE"),
                                         index=True)
    label: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Done by itself when the case reaches this stage (申請 closes 申請書類の提出).
    closes_with: Mapped[Stage | None] = mapped_column(string_enum(Stage, "grant_closes_with"),
                                                      nullable=True)
    created_by: Mapped[str] = mapped_column(Text)
