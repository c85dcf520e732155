"""One record per person and group: match keys for finding likely duplicates, the pairs a
clerk said are different (別の方です), and merges (統合) with what undoing one needs.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from kyodo_desk.database.match_keys import refresh_match_keys

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MERGED_INTO_FK = "fk_contacts_merged_into_id_contacts"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A column added in place: a batch rebuild of contacts would drop its search index's
        # triggers. SQLite takes a named reference on a new column.
        op.execute("ALTER TABLE contacts ADD COLUMN merged_into_id INTEGER CONSTRAINT "
                   f"{MERGED_INTO_FK} REFERENCES contacts (id)")
    else:
        op.add_column("contacts", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key(MERGED_INTO_FK, "contacts", "contacts", ["merged_into_id"], ["id"])
    op.create_table(
        "contact_match_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE",
                                name="fk_contact_match_keys_contact_id_contacts"),
        sa.PrimaryKeyConstraint("key", "contact_id", name="pk_contact_match_keys"),
    )
    op.create_index("ix_contact_match_keys_contact_id", "contact_match_keys", ["contact_id"])
    op.create_table(
        "distinct_contacts",
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("first_id < second_id", name="ck_distinct_contacts_ordered"),
        sa.ForeignKeyConstraint(["first_id"], ["contacts.id"], ondelete="CASCADE",
                                name="fk_distinct_contacts_first_id_contacts"),
        sa.ForeignKeyConstraint(["second_id"], ["contacts.id"], ondelete="CASCADE",
                                name="fk_distinct_contacts_second_id_contacts"),
        sa.ForeignKeyConstraint(["marked_by"], ["accounts.id"],
                                name="fk_distinct_contacts_marked_by_accounts"),
        sa.PrimaryKeyConstraint("first_id", "second_id", name="pk_distinct_contacts"),
    )
    op.create_index("ix_distinct_contacts_second_id", "distinct_contacts", ["second_id"])
    op.create_table(
        "contact_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("kept_before", sa.Text(), nullable=False),
        sa.Column("moved", sa.Text(), nullable=False),
        sa.Column("kept_version", sa.Integer(), nullable=False),
        sa.Column("merged_by", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["kept_id"], ["contacts.id"],
                                name="fk_contact_merges_kept_id_contacts"),
        sa.ForeignKeyConstraint(["merged_id"], ["contacts.id"],
                                name="fk_contact_merges_merged_id_contacts"),
        sa.ForeignKeyConstraint(["merged_by"], ["accounts.id"],
                                name="fk_contact_merges_merged_by_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_merges"),
    )
    op.create_index("ix_contact_merges_kept_id", "contact_merges", ["kept_id"])
    op.create_index("ix_contact_merges_merged_id", "contact_merges", ["merged_id"])
    refresh_match_keys(op.get_bind())


def downgrade() -> None:
    op.drop_table("contact_merges")
    op.drop_table("distinct_contacts")
    op.drop_table("contact_match_keys")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE contacts DROP COLUMN merged_into_id")  # SQLite ≥ 3.35
    else:
        op.drop_constraint(MERGED_INTO_FK, "contacts", type_="foreignkey")
        op.drop_column("contacts", "merged_into_id")
