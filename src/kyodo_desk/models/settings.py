"""Application settings kept in the shared database (共通設定), so every counter agrees."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kyodo_desk.models.base import Base


class Setting(Base):
    """One named setting, stored as text (e.g. the consultation retention in years)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
