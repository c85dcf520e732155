"""Events and their sign-ups (イベントの申込・出席): events, sessions, registrations, attendance."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kyodo_desk.domain.events import (
    DoorDecision,
    DoorOutcome,
    EventKind,
    QuestionKind,
    QueueRule,
    RegistrationStatus,
)
from kyodo_desk.models.base import Base, OwnedRow, Searchable, Versioned, string_enum


class Event(Searchable, Versioned, Base):
    """イベント — a seminar, course, meeting, festa or workshop that people sign up for.

    Its row is the lock every sign-up takes (SELECT … FOR UPDATE; BEGIN IMMEDIATE on SQLite),
    so seats are counted and given by one counter at a time.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind, "event_kind"))
    title: Mapped[str] = mapped_column(Text)
    title_reading: Mapped[str] = mapped_column(Text, default="")  # イベント名_カナ
    description: Mapped[str] = mapped_column(Text, default="")
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)  # 主催
    venue_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"),
                                                          nullable=True)
    venue_name: Mapped[str] = mapped_column(Text, default="")  # when not a facility
    venue_address: Mapped[str] = mapped_column(Text, default="")
    # 地域: suggested from the venue's address (domain/districts.py), kept as chosen.
    district: Mapped[str] = mapped_column(String(8), default="", server_default=text("''"),
                                          index=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: 定員なし
    signup_opens_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    signup_closes_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    audience: Mapped[str] = mapped_column(Text, default="")  # 対象
    fee: Mapped[int] = mapped_column(Integer, default=0)  # 料金 (yen); 0: 無料
    fee_note: Mapped[str] = mapped_column(Text, default="")
    how_to_apply: Mapped[str] = mapped_column(Text, default="")  # 参加申込方法
    contact_name: Mapped[str] = mapped_column(Text, default="")  # 問い合わせ先
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    queue_rule: Mapped[QueueRule] = mapped_column(string_enum(QueueRule, "queue_rule"))
    offer_hold_hours: Mapped[int] = mapped_column(Integer, default=48)  # 繰り上げの回答期限
    has_booths: Mapped[bool] = mapped_column(Boolean, default=False)  # ブース出展
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)  # 中止
    # つむぎすと講座: 修了 when a participant attended at least this many of its sessions (None:
    # no completion rule), and the course's 期生 number (第N期).
    completion_sessions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cohort: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # 抽選: applications are taken until this day (status APPLIED), then drawn; None: first
    # come, first served. The draw's seed is recorded so the same draw can be shown again.
    lottery_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    lottery_seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lottery_drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                              nullable=True)
    lottery_drawn_by: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(EventSession.held_on, EventSession.start_time, EventSession.id)")
    questions: Mapped[list[EventQuestion]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(EventQuestion.position, EventQuestion.id)")

    def search_fields(self) -> tuple[str | None, ...]:
        return (self.title, self.title_reading, self.venue_name, self.description)

    def reading_and_name(self) -> tuple[str | None, str]:
        return self.title_reading, self.title


class EventSession(OwnedRow, Base):
    """開催日 — one date and time of an event (a course has several; attendance is per session)."""

    __tablename__ = "event_sessions"
    __version_owner__ = "event_id"
    __table_args__ = (Index("ix_event_sessions_held_on", "held_on", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    held_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    end_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    label: Mapped[str] = mapped_column(Text, default="")  # e.g. 第1回 基礎編

    event: Mapped[Event] = relationship(back_populates="sessions")


class Registration(Versioned, Base):
    """申込 — a person or group signed up for an event (personal information)."""

    __tablename__ = "registrations"
    # Notes hold accessibility and childcare needs, the keys who signed up, the token is the
    # receipt's QR secret (a copy would let anyone with the log make a valid receipt): the
    # audit log records that they changed, never their values.
    __audit_redact__ = frozenset({"notes", "token", "name_key", "reading_key", "phone_key"})
    __table_args__ = (
        UniqueConstraint("event_id", "queue_number", name="uq_registrations_event_queue"),
        UniqueConstraint("event_id", "booth_number", name="uq_registrations_event_booth"),
        # party_size too, so the seat count reads this index alone, never the rows.
        Index("ix_registrations_event_status", "event_id", "status", "queue_number",
              "party_size"),
        # The duplicate check (二重申込) looks a name, reading or phone up within one event.
        Index("ix_registrations_event_name_key", "event_id", "name_key"),
        Index("ix_registrations_event_reading_key", "event_id", "reading_key"),
        Index("ix_registrations_event_phone_key", "event_id", "phone_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    notes: Mapped[str] = mapped_column(Text, default="")  # 配慮事項・託児など
    status: Mapped[RegistrationStatus] = mapped_column(
        string_enum(RegistrationStatus, "registration_status"))
    # Arrival order within the event: max + 1, taken under the event's lock, so the queue is
    # the order in which sign-ups reached the database.
    queue_number: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(40), unique=True)  # the receipt's QR secret
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)  # 当日参加
    # 所属の区分 (domain/plans.Sector; "" not asked): 市民協働ミーティング's mix, and 行政 marks
    # city staff among a course's graduates.
    sector: Mapped[str] = mapped_column(String(20), default="", server_default=text("''"))
    # A promotion from the waitlist: who must be called, and until when the seat is held.
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True)
    offer_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True)
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    # ブース出展 (festa): what the exhibitor needs, and the booth given.
    booth_tables: Mapped[int] = mapped_column(Integer, default=0)
    booth_chairs: Mapped[int] = mapped_column(Integer, default=0)
    booth_power: Mapped[bool] = mapped_column(Boolean, default=False)
    booth_space: Mapped[str] = mapped_column(Text, default="")
    booth_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Who signed up, folded as the search columns are (domain.text.fold), as they were named at
    # sign-up: the duplicate check compares these within the event instead of every contact.
    name_key: Mapped[str] = mapped_column(Text, default="")
    reading_key: Mapped[str] = mapped_column(Text, default="")
    phone_key: Mapped[str] = mapped_column(Text, default="")
    # 抽選順位: the place the draw gave this application (1 first); None before a draw.
    lottery_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # 当選: whether the draw gave this application a seat (None: not in a draw). Kept apart
    # from the status, which moves on (a cancellation, a promotion), so 抽選結果 prints
    # what the draw decided however the sign-ups change afterwards.
    lottery_won: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="registration", cascade="all, delete-orphan")
    answers: Mapped[list[RegistrationAnswer]] = relationship(
        back_populates="registration", cascade="all, delete-orphan")


class Attendance(OwnedRow, Base):
    """出席 — a sign-up checked in for one session; the pair is unique, so a second scan of
    the same code never counts twice."""

    __tablename__ = "attendances"
    __version_owner__ = "registration_id"
    __table_args__ = (UniqueConstraint("registration_id", "session_id",
                                       name="uq_attendances_registration_session"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"),
                                            index=True)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[str] = mapped_column(Text, default="")  # the account's name

    registration: Mapped[Registration] = relationship(back_populates="attendances")


class EventQuestion(OwnedRow, Base):
    """申込時の質問 — what an event asks everyone who signs up (アレルギーの有無, 参加する回 …),
    at the counter and at the door, answered on the roster and in the participants export."""

    __tablename__ = "event_questions"
    __version_owner__ = "event_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    prompt: Mapped[str] = mapped_column(Text)
    kind: Mapped[QuestionKind] = mapped_column(string_enum(QuestionKind, "question_kind"))
    choices: Mapped[str] = mapped_column(Text, default="")  # one per line (kind CHOICE)
    required: Mapped[bool] = mapped_column(Boolean, default=False)  # 必須

    event: Mapped[Event] = relationship(back_populates="questions")


class RegistrationAnswer(OwnedRow, Base):
    """申込時の回答 — one sign-up's answer to one question of its event (personal information:
    the audit log records that it changed, never its value)."""

    __tablename__ = "registration_answers"
    __version_owner__ = "registration_id"
    __audit_redact__ = frozenset({"answer"})
    __table_args__ = (UniqueConstraint("registration_id", "question_id",
                                       name="uq_registration_answers_registration_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("event_questions.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(Text, default="")  # はい／いいえ as "yes"/"no"

    registration: Mapped[Registration] = relationship(back_populates="answers")


class DoorAct(Versioned, Base):
    """当日受付の記録 — one check-in or walk-in made on a laptop at the door with no network
    (the offline check-in pack), as merged back into the database.

    Its act_id is the laptop's own id for the act, unique: merging the same file twice finds
    every act already here and changes nothing. An act that could not simply be applied (the
    person was checked in at a counter too, the sign-up was cancelled meanwhile, no seat was
    left for a walk-in) waits here for a person's decision.
    """

    __tablename__ = "door_acts"
    # A walk-in's name and phone are personal information until the act becomes a sign-up.
    __audit_redact__ = frozenset({"walk_in_name", "walk_in_reading", "walk_in_phone",
                                  "walk_in_answers"})
    __table_args__ = (Index("ix_door_acts_event_decision", "event_id", "decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    act_id: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"))
    # The sign-up checked in, or the one a walk-in became; None for a walk-in not (yet) made.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), nullable=True, index=True)
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)  # 当日参加
    walk_in_name: Mapped[str] = mapped_column(Text, default="")
    walk_in_reading: Mapped[str] = mapped_column(Text, default="")
    walk_in_phone: Mapped[str] = mapped_column(String(20), default="")
    # The walk-in's answers to the event's sign-up questions, as JSON {question id: answer}.
    walk_in_answers: Mapped[str] = mapped_column(Text, default="")
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # at the laptop
    recorded_by: Mapped[str] = mapped_column(Text, default="")  # the laptop's clerk
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    merged_by: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[DoorOutcome] = mapped_column(string_enum(DoorOutcome, "door_outcome"))
    decision: Mapped[DoorDecision] = mapped_column(string_enum(DoorDecision, "door_decision"),
                                                   default=DoorDecision.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str] = mapped_column(Text, default="")


class EventPhoto(Base):
    """チラシの写真 — the photo an event's flyer prints (JPEG or PNG, as chosen), in a table of
    its own so that reading or saving the event never carries its bytes."""

    __tablename__ = "event_photos"
    __audit_redact__ = frozenset({"image"})  # the log records that it changed, not its bytes

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(20))  # image/jpeg or image/png
