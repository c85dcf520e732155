"""Consultations keep their follow-up plan (what is to be done by the due date), and every
order of the list has an index that reads a page from where the last one ended.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Until now the form showed a template's plan but never stored it.
    op.add_column("consultations", sa.Column("follow_up_plan", sa.Text(), nullable=False,
                                             server_default=sa.text("''")))
    # A facility's records by date and id: a page after (相談日, id) within a facility is one
    # range of it (PostgreSQL needs the id in it; SQLite's index held it as the rowid).
    op.drop_index("ix_consultations_facility_held_on", "consultations")
    op.create_index("ix_consultations_facility_order", "consultations",
                    ["facility_id", "held_on", "id"])
    # 期限 order: within a 状況 (フォロー要, 期限切れ, 自分のフォローアップ), within a facility
    # (counter staff see only their own), and overall. Without the facility's own, a counter's
    # first page in this order sorted every record of the facility (1.4 s at the salon's
    # 500,000 of 1,000,000).
    op.drop_index("ix_consultations_status_follow_up", "consultations")
    op.create_index("ix_consultations_status_due_order", "consultations",
                    ["status", "follow_up_due", "held_on", "id"])
    op.create_index("ix_consultations_facility_due_order", "consultations",
                    ["facility_id", "follow_up_due", "held_on", "id"])
    op.create_index("ix_consultations_due_order", "consultations",
                    ["follow_up_due", "held_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_consultations_due_order", "consultations")
    op.drop_index("ix_consultations_facility_due_order", "consultations")
    op.drop_index("ix_consultations_status_due_order", "consultations")
    op.create_index("ix_consultations_status_follow_up", "consultations",
                    ["status", "follow_up_due"])
    op.drop_index("ix_consultations_facility_order", "consultations")
    op.create_index("ix_consultations_facility_held_on", "consultations",
                    ["facility_id", "held_on"])
    op.drop_column("consultations", "follow_up_plan")
