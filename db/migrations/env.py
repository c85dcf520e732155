"""Alembic environment: always handed an open connection by kyodo_desk.database.schema."""

from alembic import context

from kyodo_desk.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite rebuilds tables to alter them; PostgreSQL alters in place
)
with context.begin_transaction():
    context.run_migrations()
