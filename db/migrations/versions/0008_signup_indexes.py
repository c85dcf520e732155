"""Events: indexes that keep a sign-up's cost flat as the event fills.

Each sign-up keeps its applicant's folded name, reading and phone (filled here for the sign-ups
already made, from their contacts), indexed per event, so the duplicate check looks them up
instead of reading every sign-up of the event. The seat count's index also holds the party
size, so seats are counted from the index alone.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from kyodo_desk.domain.text import fold

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEYS = ("name_key", "reading_key", "phone_key")
SEATS_INDEX = "ix_registrations_event_status"


def upgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        for key in KEYS:
            batch.add_column(sa.Column(key, sa.Text(), nullable=False, server_default=""))
    _fill_keys()
    with op.batch_alter_table("registrations") as batch:
        for key in KEYS:
            # The app writes every key itself; a default would hide one it forgot.
            batch.alter_column(key, server_default=None)
        batch.drop_index(SEATS_INDEX)
        batch.create_index(SEATS_INDEX, ["event_id", "status", "queue_number", "party_size"])
        for key in KEYS:
            batch.create_index(f"ix_registrations_event_{key}", ["event_id", key])


def _fill_keys() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT registrations.id, contacts.name, contacts.reading, contacts.phone "
        "FROM registrations JOIN contacts ON contacts.id = registrations.contact_id")).all()
    if rows:
        conn.execute(
            sa.text("UPDATE registrations SET name_key = :name_key, reading_key = :reading_key, "
                    "phone_key = :phone_key WHERE id = :id"),
            [{"id": i, "name_key": fold(name), "reading_key": fold(reading or ""),
              "phone_key": fold(phone or "")} for i, name, reading, phone in rows])


def downgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        for key in KEYS:
            batch.drop_index(f"ix_registrations_event_{key}")
        batch.drop_index(SEATS_INDEX)
        batch.create_index(SEATS_INDEX, ["event_id", "status", "queue_number"])
        for key in KEYS:
            batch.drop_column(key)
