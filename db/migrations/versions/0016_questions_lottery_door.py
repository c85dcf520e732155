"""Sign-up questions, the lottery (抽選) and the offline door (当日受付の端末).

- event_questions (申込時の質問) and registration_answers (回答).
- event_photos (チラシの写真).
- events.lottery_until / lottery_seed / lottery_drawn_at / lottery_drawn_by, registrations.
  lottery_rank / lottery_won, and the registration status "applied" (抽選待ち).
- door_acts: check-ins and walk-ins made offline, merged back, and the conflicts' decisions.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_STATUSES = ("confirmed", "waitlisted", "cancelled", "attended", "no_show")


def _kind(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "event_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("kind", _kind("question_kind", "text", "choice", "yes_no"), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name="fk_event_questions_event_id_events"),
    )
    op.create_index("ix_event_questions_event_id", "event_questions", ["event_id"])

    op.create_table(
        "registration_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE",
                                name="fk_registration_answers_registration_id_registrations"),
        sa.ForeignKeyConstraint(["question_id"], ["event_questions.id"], ondelete="CASCADE",
                                name="fk_registration_answers_question_id_event_questions"),
        sa.UniqueConstraint("registration_id", "question_id",
                            name="uq_registration_answers_registration_question"),
    )
    op.create_index("ix_registration_answers_question_id", "registration_answers",
                    ["question_id"])

    op.create_table(
        "event_photos",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name="fk_event_photos_event_id_events"),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_photos"),
    )

    op.add_column("events", sa.Column("lottery_until", sa.Date(), nullable=True))
    op.add_column("events", sa.Column("lottery_seed", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("lottery_drawn_at", sa.DateTime(timezone=True),
                                      nullable=True))
    op.add_column("events", sa.Column("lottery_drawn_by", sa.Text(), nullable=False,
                                      server_default=sa.text("''")))
    op.add_column("registrations", sa.Column("lottery_rank", sa.Integer(), nullable=True))
    op.add_column("registrations", sa.Column("lottery_won", sa.Boolean(), nullable=True))
    _statuses(_STATUSES, (*_STATUSES, "applied"))

    op.create_table(
        "door_acts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("act_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("walk_in_name", sa.Text(), nullable=False),
        sa.Column("walk_in_reading", sa.Text(), nullable=False),
        sa.Column("walk_in_phone", sa.String(length=20), nullable=False),
        sa.Column("walk_in_answers", sa.Text(), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by", sa.Text(), nullable=False),
        sa.Column("outcome", _kind("door_outcome", "applied", "already", "both", "cancelled",
                                   "full", "unknown"), nullable=False),
        sa.Column("decision", _kind("door_decision", "pending", "accepted", "set_aside"),
                  nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=False),
        *_versioned(),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name="fk_door_acts_event_id_events"),
        sa.ForeignKeyConstraint(["session_id"], ["event_sessions.id"], ondelete="CASCADE",
                                name="fk_door_acts_session_id_event_sessions"),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="SET NULL",
                                name="fk_door_acts_registration_id_registrations"),
        sa.UniqueConstraint("act_id", name="uq_door_acts_act_id"),
    )
    op.create_index("ix_door_acts_event_decision", "door_acts", ["event_id", "decision"])
    op.create_index("ix_door_acts_registration_id", "door_acts", ["registration_id"])


def _statuses(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Let registrations.status take *new* instead of *old* (its named CHECK, rebuilt on SQLite)."""
    with op.batch_alter_table("registrations") as batch:
        batch.alter_column("status", existing_type=_kind("registration_status", *old),
                           type_=_kind("registration_status", *new), existing_nullable=False)


def downgrade() -> None:
    op.drop_table("door_acts")
    op.execute("UPDATE registrations SET status = 'waitlisted' WHERE status = 'applied'")
    _statuses((*_STATUSES, "applied"), _STATUSES)
    op.drop_column("registrations", "lottery_won")
    op.drop_column("registrations", "lottery_rank")
    for column in ("lottery_drawn_by", "lottery_drawn_at", "lottery_seed", "lottery_until"):
        op.drop_column("events", column)
    op.drop_table("event_photos")
    op.drop_table("registration_answers")
    op.drop_table("event_questions")
