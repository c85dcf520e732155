"""Accounts (アカウント) and the audit log (操作記録)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from kyodo_desk.domain.permissions import Role
from kyodo_desk.models.base import Base, Versioned


class Account(Versioned, Base):
    """アカウント — a member of staff who signs in, with a role and a facility."""

    __tablename__ = "accounts"
    # Sign-in bookkeeping has its own audit rows (sign_in); the hash is shown as ********.
    __audit_exclude__ = frozenset({"failed_attempts", "last_failed_at", "last_signed_in_at"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="role", native_enum=False, create_constraint=True, length=20,
             values_callable=lambda e: [m.value for m in e]))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(Text)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               nullable=True)


class AuditEntry(Base):
    """操作記録 — one change to one record, or one opening of a personal record. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(Text)  # the name as it was, even if the account changes
    action: Mapped[str] = mapped_column(String(10))  # insert | update | delete | open | sign_in
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field: [old, new]
    # The hash of this row and the one before it (database/audit_chain.py).
    chain_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_record", "table_name", "record_id"),
    )
