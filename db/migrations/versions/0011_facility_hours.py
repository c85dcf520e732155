"""Facilities keep their opening hours as data: 開館時刻 and 閉館時刻, the days open
(利用可能曜日) and the days closed (休館日), which open data's 公共施設一覧 and the prints read.
The free-text `hours` stays, as the supplement to them (開館時間の補足).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns added in place (ALTER TABLE … ADD COLUMN on both databases): a batch rebuild of
    # the table would gain nothing and SQLite would copy every row.
    op.add_column("facilities", sa.Column("opens_at", sa.Time(), nullable=True))
    op.add_column("facilities", sa.Column("closes_at", sa.Time(), nullable=True))
    op.add_column("facilities", sa.Column("open_days", sa.String(length=7), nullable=False,
                                          server_default=sa.text("''")))
    op.add_column("facilities", sa.Column("closed_days", sa.Text(), nullable=False,
                                          server_default=sa.text("''")))


def downgrade() -> None:
    for column in ("closed_days", "open_days", "closes_at", "opens_at"):
        op.drop_column("facilities", column)
