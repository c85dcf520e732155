"""The audit log keeps no personal value and is chained by hashes; a contact can be erased.

- The values of personal fields that earlier versions copied into the log (a contact's name,
  reading, address, phone, e-mail, notes; a sign-up's receipt secret and keys; grant notes)
  are replaced by ******** ("it changed"), as the app now writes them. A value left there
  could never be erased with the person's record (削除・利用停止).
- `chain_hash`: each row's hash over its content and the previous row's hash
  (kyodo_desk.database.audit_chain), computed here for every row already written.
- `contacts.erased_on`: the day a contact's values were removed (削除・利用停止).

The log's append-only guard is lifted for this migration alone, inside its transaction.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The fields redacted as of this revision that earlier ones recorded with values (the models'
# __audit_redact__ then; consultations' were redacted from the start).
_NEWLY_REDACTED = {
    "contacts": {"name", "reading", "postal_code", "address", "phone", "email", "website",
                 "notes", "sns"},
    "memberships": {"role"},
    "registrations": {"token", "name_key", "reading_key", "phone_key"},
    "grant_case_moves": {"comment"},
    "grant_case_documents": {"note"},
    "grant_payments": {"note"},
    "grant_scores": {"reviewer"},
    "grant_case_notes": {"text"},
}
_MASK = "********"
_BATCH = 5000

_LOG = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("table_name", sa.String),
                sa.column("changes", sa.JSON))


def _masked(value: object) -> object:
    return None if value in (None, "") else _MASK


def _scrub(connection: sa.Connection) -> None:
    after = 0
    scrub = (_LOG.update().where(_LOG.c.id == sa.bindparam("row_id"))
             .values(changes=sa.bindparam("scrubbed", type_=sa.JSON)))
    while True:
        rows = connection.execute(
            sa.select(_LOG.c.id, _LOG.c.table_name, _LOG.c.changes)
            .where(_LOG.c.id > after, _LOG.c.table_name.in_(sorted(_NEWLY_REDACTED)))
            .order_by(_LOG.c.id).limit(_BATCH)).all()
        if not rows:
            return
        scrubbed = []
        for row_id, table_name, changes in rows:
            fields = _NEWLY_REDACTED[table_name]
            if isinstance(changes, dict) and fields & changes.keys():
                scrubbed.append({"row_id": row_id, "scrubbed": {
                    key: ([_masked(v) for v in value] if key in fields and isinstance(value, list)
                          else value)
                    for key, value in changes.items()}})
        if scrubbed:
            connection.execute(scrub, scrubbed)
        after = rows[-1][0]


def upgrade() -> None:
    from kyodo_desk.database import audit_chain

    op.add_column("audit_log", sa.Column("chain_hash", sa.String(64), nullable=True))
    op.add_column("contacts", sa.Column("erased_on", sa.Date(), nullable=True))
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_update")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    _scrub(connection)
    audit_chain.seal_all(connection)
    if sqlite:
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
    else:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def downgrade() -> None:
    op.drop_column("contacts", "erased_on")
    op.drop_column("audit_log", "chain_hash")
