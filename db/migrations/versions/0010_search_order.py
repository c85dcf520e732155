"""Search order: names and readings that begin with the words typed come first, and every page
of a search costs what the first does at a million contacts.

- `ix_contacts_lead1` / `ix_contacts_lead2`: the first one and two characters of the folded
  name (search_text begins with it), then the list order, so the names beginning with the
  words are read in list order from an index (the readings already are: sort_key).
- `ix_contacts_walk`: the list order with kind and search_text, so a search that reads the list
  in order reads one index and not the table. PostgreSQL caps a btree entry at about 2,700
  bytes: there it holds the rows whose search text and list key fit (all but pathological
  ones) and `ix_contacts_walk_long` lists the others (empty on SQLite, which has no cap).
- `ix_contacts_order`: a contact's place in the list by its number, for the gram index's
  candidates on SQLite (PostgreSQL reads them from the table's heap; empty there).
- SQLite: `contacts_fts_trigram`, an FTS5 trigram index of search_text, so a term of three
  characters or more (8885640, user4242) has few candidates where its bigrams have many.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Keep in step with models/contacts.py.
WALK_TEXT_BYTES = 2400
WALK_ENTRY = "octet_length(search_text) + octet_length(sort_key)"
WALK = ["active", "sort_key", "id", "kind", "search_text"]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for n in (1, 2):
        op.create_index(f"ix_contacts_lead{n}", "contacts",
                        ["active", sa.text(f"substr(search_text, 1, {n})"), "sort_key", "id"])
    op.create_index("ix_contacts_walk", "contacts", WALK,
                    postgresql_where=sa.text(f"{WALK_ENTRY} <= {WALK_TEXT_BYTES}"))
    op.create_index("ix_contacts_walk_long", "contacts", ["active", "sort_key", "id"],
                    postgresql_where=sa.text(f"{WALK_ENTRY} > {WALK_TEXT_BYTES}"),
                    sqlite_where=sa.text("0"))
    op.create_index("ix_contacts_order", "contacts", ["id", "active", "kind", "sort_key"],
                    postgresql_where=sa.text("false"))
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE contacts_fts_trigram USING fts5(search_text, "
            "content='contacts', content_rowid='id', tokenize='trigram', detail='none')"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_trigram_ai AFTER INSERT ON contacts BEGIN "
            "INSERT INTO contacts_fts_trigram(rowid, search_text) "
            "VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_trigram_ad AFTER DELETE ON contacts BEGIN "
            "INSERT INTO contacts_fts_trigram(contacts_fts_trigram, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_trigram_au AFTER UPDATE OF search_text ON contacts "
            "BEGIN "
            "INSERT INTO contacts_fts_trigram(contacts_fts_trigram, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO contacts_fts_trigram(rowid, search_text) "
            "VALUES (new.id, new.search_text); END"
        )
        op.execute("INSERT INTO contacts_fts_trigram(contacts_fts_trigram) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER contacts_fts_trigram_{suffix}")
        op.execute("DROP TABLE contacts_fts_trigram")
    for name in ("ix_contacts_order", "ix_contacts_walk_long", "ix_contacts_walk",
                 "ix_contacts_lead2", "ix_contacts_lead1"):
        op.drop_index(name, "contacts")
