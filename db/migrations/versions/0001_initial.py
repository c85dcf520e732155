"""Facilities, contacts and memberships, with their search indexes.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SORT_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _common_columns() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("sort_key", SORT_TEXT, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
    ]


def _kind(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("kind", _kind("facility_kind", "center", "salon"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("reading", sa.Text(), nullable=False),
        sa.Column("postal_code", sa.String(8), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("building", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("website", sa.Text(), nullable=False),
        sa.Column("facebook", sa.Text(), nullable=False),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_common_columns(),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", _kind("contact_kind", "group", "person"), nullable=False),
        sa.Column(
            "group_type",
            _kind("group_type", "civic_group", "npo", "community_org", "company", "school",
                  "other"),
            nullable=True,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("reading", sa.Text(), nullable=False),
        sa.Column("postal_code", sa.String(8), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("website", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_common_columns(),
        sa.CheckConstraint(
            "(kind = 'group' AND group_type IS NOT NULL) OR (kind = 'person' AND group_type IS NULL)",
            name="group_type_matches_kind",
        ),
    )
    op.create_index("ix_contacts_active_sort", "contacts", ["active", "sort_key", "id"])
    op.create_table(
        "memberships",
        sa.Column("person_id", sa.Integer(),
                  sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("group_id", sa.Integer(),
                  sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.Text(), nullable=False),
    )
    op.create_index("ix_memberships_group_id", "memberships", ["group_id"])

    if op.get_context().dialect.name == "sqlite":
        # External-content FTS5 over the Python-made grams, kept in step by triggers.
        op.execute(
            "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_grams, content='contacts', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0', detail='none')"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN "
            "INSERT INTO contacts_fts(rowid, search_grams) VALUES (new.id, new.search_grams); END"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN "
            "INSERT INTO contacts_fts(contacts_fts, rowid, search_grams) "
            "VALUES ('delete', old.id, old.search_grams); END"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search_grams ON contacts BEGIN "
            "INSERT INTO contacts_fts(contacts_fts, rowid, search_grams) "
            "VALUES ('delete', old.id, old.search_grams); "
            "INSERT INTO contacts_fts(rowid, search_grams) VALUES (new.id, new.search_grams); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_contacts_grams ON contacts "
            "USING gin (string_to_array(search_grams, ' '))"
        )
