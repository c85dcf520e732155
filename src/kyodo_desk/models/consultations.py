"""Consultation log (相談記録): consultations held at a facility, and their topics (相談の分野)."""

from __future__ import annotations

import enum
from datetime import date, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kyodo_desk.models.base import Base, OwnedRow, Searchable, Versioned, string_enum


class ConsultationChannel(enum.StrEnum):
    VISIT = "visit"  # 来所
    PHONE = "phone"  # 電話
    EMAIL = "email"  # メール
    OUTREACH = "outreach"  # 訪問
    OTHER = "other"  # その他


class ConsultationStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"  # 対応中
    DONE = "done"  # 完了



class ConsultationTopic(Base):
    """相談の分野 — one entry of the administrator-editable topic list."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Consultation(Searchable, Versioned, Base):
    """相談記録 — one consultation with a citizen or group (personal information)."""

    __tablename__ = "consultations"
    # The append-only audit log records that these changed, never what they said: a copy
    # there would outlive the anonymisation that the retention period requires.
    __audit_redact__ = frozenset({"consultee_contact_id", "age_band", "area", "asked",
                                  "answered", "referral", "follow_up_plan"})
    # Every order of the list (services/consultations/listing.py) reads a page from one of these,
    # starting at the row the last page ended with, so a deep page costs what the first does:
    # 相談日 (either way, also within a facility), 施設, 期限 (overall and within a 状況).
    __table_args__ = (
        Index("ix_consultations_facility_order", "facility_id", "held_on", "id"),
        Index("ix_consultations_status_due_order", "status", "follow_up_due", "held_on", "id"),
        Index("ix_consultations_due_order", "follow_up_due", "held_on", "id"),
        Index("ix_consultations_facility_due_order", "facility_id", "follow_up_due", "held_on",
              "id"),
        Index("ix_consultations_held_on_order", "held_on", "id"),
        Index("ix_consultations_staff_held_on", "staff_account_id", "held_on"),
        Index("ix_consultations_figures", "held_on", "facility_id", "channel",
              "returning_consultee"),
        # 市民協働の推進状況: a person's first consultation, a group's consultations in a year.
        Index("ix_consultations_consultee_held_on", "consultee_contact_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    staff_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    consultee_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"),
                                                             nullable=True, index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    age_band: Mapped[str] = mapped_column(String(20), default="")
    area: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[ConsultationChannel] = mapped_column(
        string_enum(ConsultationChannel, "consultation_channel"))
    asked: Mapped[str] = mapped_column(Text)
    answered: Mapped[str] = mapped_column(Text, default="")
    referral: Mapped[str] = mapped_column(Text, default="")
    follow_up_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    # フォローアップの予定: what is to be done by the due date (a template fills it in).
    follow_up_plan: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    status: Mapped[ConsultationStatus] = mapped_column(
        string_enum(ConsultationStatus, "consultation_status"))
    # 継続 (True) or 新規 (False) as the consultee stood when recorded; None when anonymous.
    # Stored, so that anonymising older records never changes a year's figures.
    returning_consultee: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    anonymised_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 匿名化した日
    # The grant case the consultation led to or belongs to (交付金案件の経過に載る).
    grant_case_id: Mapped[int | None] = mapped_column(ForeignKey("grant_cases.id"),
                                                      nullable=True, index=True)

    topic_links: Mapped[list[ConsultationTopicLink]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan")

    def search_fields(self) -> tuple[str | None, ...]:
        return (self.asked, self.answered, self.referral)

    def reading_and_name(self) -> tuple[str | None, str]:
        return None, ""  # listed by date, never by name


class ConsultationTopicLink(OwnedRow, Base):
    """A topic chosen for a consultation (one consultation has one or more)."""

    __tablename__ = "consultation_topics"
    __version_owner__ = "consultation_id"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), primary_key=True, index=True)

    consultation: Mapped[Consultation] = relationship(back_populates="topic_links")
    topic: Mapped[ConsultationTopic] = relationship()
