"""Event registration: events, their sessions, sign-ups (registrations) and attendance.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SORT_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _kind(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", _kind("event_kind", "seminar", "tsumugist", "meeting", "festa",
                                "center_festival", "workshop", "other"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_reading", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("venue_facility_id", sa.Integer(), sa.ForeignKey("facilities.id"),
                  nullable=True),
        sa.Column("venue_name", sa.Text(), nullable=False),
        sa.Column("venue_address", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("signup_opens_on", sa.Date(), nullable=True),
        sa.Column("signup_closes_on", sa.Date(), nullable=True),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("fee_note", sa.Text(), nullable=False),
        sa.Column("how_to_apply", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("queue_rule", _kind("queue_rule", "strict", "first_fit"), nullable=False),
        sa.Column("offer_hold_hours", sa.Integer(), nullable=False),
        sa.Column("has_booths", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        *_versioned(),
        sa.Column("sort_key", SORT_TEXT, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
    )
    op.create_index("ix_events_facility_id", "events", ["facility_id"])

    op.create_table(
        "event_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
    )
    op.create_index("ix_event_sessions_event_id", "event_sessions", ["event_id"])
    op.create_index("ix_event_sessions_held_on", "event_sessions", ["held_on", "event_id"])

    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", _kind("registration_status", "confirmed", "waitlisted",
                                  "cancelled", "attended", "no_show"), nullable=False),
        sa.Column("queue_number", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booth_tables", sa.Integer(), nullable=False),
        sa.Column("booth_chairs", sa.Integer(), nullable=False),
        sa.Column("booth_power", sa.Boolean(), nullable=False),
        sa.Column("booth_space", sa.Text(), nullable=False),
        sa.Column("booth_number", sa.String(20), nullable=True),
        *_versioned(),
        sa.UniqueConstraint("token"),
        sa.UniqueConstraint("event_id", "queue_number", name="uq_registrations_event_queue"),
        sa.UniqueConstraint("event_id", "booth_number", name="uq_registrations_event_booth"),
    )
    op.create_index("ix_registrations_contact_id", "registrations", ["contact_id"])
    op.create_index("ix_registrations_event_status", "registrations",
                    ["event_id", "status", "queue_number"])

    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registration_id", sa.Integer(),
                  sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("session_id", sa.Integer(),
                  sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_by", sa.Text(), nullable=False),
        sa.UniqueConstraint("registration_id", "session_id",
                            name="uq_attendances_registration_session"),
    )
    op.create_index("ix_attendances_session_id", "attendances", ["session_id"])


def downgrade() -> None:
    op.drop_table("attendances")
    op.drop_table("registrations")
    op.drop_table("event_sessions")
    op.drop_table("events")
