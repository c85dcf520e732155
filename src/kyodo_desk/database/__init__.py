"""Opening the database: engines, the per-database differences, migrations and seed data."""

from kyodo_desk.database.core import Database, StartupError, open_database

__all__ = ["Database", "StartupError", "open_database"]
