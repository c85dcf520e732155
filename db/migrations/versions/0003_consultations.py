"""Consultation log: topics (seeded), consultations and their topics, with a search index.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SORT_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

# 相談の分野 as first shipped; administrators may add, rename or retire them later.
TOPICS = ("団体設立", "NPO法人化", "団体運営", "資金・交付金", "広報・PR", "協働事業提案",
          "地域づくり", "施設利用", "人材・ボランティア", "その他")


def _kind(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    topics = op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("name"),
    )
    op.bulk_insert(topics, [
        {"id": i, "name": name, "display_order": i * 10, "active": True}
        for i, name in enumerate(TOPICS, start=1)
    ])
    if op.get_context().dialect.name == "postgresql":
        # Rows given their ids: move the sequence past them for the topics added later.
        op.execute("SELECT setval(pg_get_serial_sequence('topics', 'id'), "
                   "(SELECT max(id) FROM topics))")

    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("staff_account_id", sa.Integer(), sa.ForeignKey("accounts.id"),
                  nullable=False),
        sa.Column("consultee_contact_id", sa.Integer(), sa.ForeignKey("contacts.id"),
                  nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("age_band", sa.String(20), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("channel",
                  _kind("consultation_channel", "visit", "phone", "email", "outreach", "other"),
                  nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("answered", sa.Text(), nullable=False),
        sa.Column("referral", sa.Text(), nullable=False),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("status", _kind("consultation_status", "in_progress", "done"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("sort_key", SORT_TEXT, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
    )
    op.create_index("ix_consultations_facility_held_on", "consultations",
                    ["facility_id", "held_on"])
    op.create_index("ix_consultations_status_follow_up", "consultations",
                    ["status", "follow_up_due"])
    op.create_index("ix_consultations_consultee_contact_id", "consultations",
                    ["consultee_contact_id"])

    op.create_table(
        "consultation_topics",
        sa.Column("consultation_id", sa.Integer(),
                  sa.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("topics.id"), primary_key=True),
    )
    op.create_index("ix_consultation_topics_topic_id", "consultation_topics", ["topic_id"])

    if op.get_context().dialect.name == "sqlite":
        # External-content FTS5 over the Python-made grams, kept in step by triggers.
        op.execute(
            "CREATE VIRTUAL TABLE consultations_fts USING fts5(search_grams, "
            "content='consultations', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 0', detail='none')"
        )
        op.execute(
            "CREATE TRIGGER consultations_fts_ai AFTER INSERT ON consultations BEGIN "
            "INSERT INTO consultations_fts(rowid, search_grams) "
            "VALUES (new.id, new.search_grams); END"
        )
        op.execute(
            "CREATE TRIGGER consultations_fts_ad AFTER DELETE ON consultations BEGIN "
            "INSERT INTO consultations_fts(consultations_fts, rowid, search_grams) "
            "VALUES ('delete', old.id, old.search_grams); END"
        )
        op.execute(
            "CREATE TRIGGER consultations_fts_au AFTER UPDATE OF search_grams ON consultations "
            "BEGIN "
            "INSERT INTO consultations_fts(consultations_fts, rowid, search_grams) "
            "VALUES ('delete', old.id, old.search_grams); "
            "INSERT INTO consultations_fts(rowid, search_grams) "
            "VALUES (new.id, new.search_grams); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_consultations_grams ON consultations "
            "USING gin (string_to_array(search_grams, ' '))"
        )
