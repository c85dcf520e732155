"""Consultation figures and retention: new-or-returning kept per record, anonymisation date,
the application settings table, and indexes for the list and the statistics.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Kept on the record, so anonymising an older consultation never changes the figures.
    # NULL: anonymous, or no contact chosen.
    op.add_column("consultations", sa.Column("returning_consultee", sa.Boolean(), nullable=True))
    op.add_column("consultations", sa.Column("anonymised_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE consultations SET returning_consultee = EXISTS (SELECT 1 FROM consultations earlier "
        "WHERE earlier.consultee_contact_id = consultations.consultee_contact_id "
        "AND (earlier.held_on < consultations.held_on OR (earlier.held_on = "
        "consultations.held_on AND earlier.id < consultations.id))) "
        "WHERE consultee_contact_id IS NOT NULL"
    )
    # The list's newest-first order, and the staff filter.
    op.create_index("ix_consultations_held_on_order", "consultations", ["held_on", "id"])
    op.create_index("ix_consultations_staff_held_on", "consultations",
                    ["staff_account_id", "held_on"])
    # Covers the statistics' count: a year's records are counted from the index alone.
    op.create_index("ix_consultations_figures", "consultations",
                    ["held_on", "facility_id", "channel", "returning_consultee"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
