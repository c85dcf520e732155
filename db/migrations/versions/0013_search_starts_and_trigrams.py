"""Search as you type at a million contacts on PostgreSQL too: names beginning with a longer
word, and rare words inside a record, from an index each.

- `ix_contacts_name_start`: the first 24 characters of the folded name, compared byte by byte
  (`text_pattern_ops` on PostgreSQL, whatever the database's collation), with the list order and kind: the names beginning with a word
  of three characters or more are one short range of it (秋田市 begins no name, though 2,000
  begin with 秋田: before, every row holding 秋田市 was read).
- PostgreSQL: `kyodo_trigrams(text)`, the distinct three-character pieces of a text without a
  space, and `ix_contacts_trigrams`, a GIN index of them over search_text, as SQLite's
  contacts_fts_trigram: a word of three characters or more (0100041, user42, 88856) has few
  candidates where its bigrams are each in a quarter of the rows. Building it reads every
  contact (about 75 s at 1,000,000), and the table is analysed for the pieces' statistics.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Keep in step with models/contacts.py (NAME_START_CHARS).
NAME_START = "substr(search_text, 1, 24)"

TRIGRAMS = """
CREATE FUNCTION kyodo_trigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT piece), '{}')
    FROM (SELECT substr(t, i, 3) AS piece FROM generate_series(1, char_length(t) - 2) AS i) p
    WHERE strpos(piece, ' ') = 0
$$
"""


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    start = NAME_START if sqlite else f"{NAME_START} text_pattern_ops"
    op.create_index("ix_contacts_name_start", "contacts",
                    ["active", sa.text(start), "sort_key", "id", "kind"])
    if not sqlite:
        op.execute(TRIGRAMS)
        op.execute("CREATE INDEX ix_contacts_trigrams ON contacts "
                   "USING gin (kyodo_trigrams(search_text))")
        # The planner knows how common each piece is only from statistics of the new
        # expression, and autovacuum gathers none until many rows change: without them a
        # piece in every row (018) looks rare, and the search reads every row (80 ms at
        # 100,000 instead of 8).
        op.execute("ANALYZE contacts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX ix_contacts_trigrams")
        op.execute("DROP FUNCTION kyodo_trigrams(text)")
    op.drop_index("ix_contacts_name_start", "contacts")
