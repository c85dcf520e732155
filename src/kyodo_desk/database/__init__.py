"""Opening the database: engines, the per-database differences, migrations and seed data."""

from kyodo_desk.database.core import Database, open_database
from kyodo_desk.domain.errors import StartupError

__all__ = ["Database", "StartupError", "open_database"]
