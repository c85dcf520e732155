"""SQLAlchemy models: what each table means, and nothing more."""

from kyodo_desk.models.accounts import Account, AuditEntry
from kyodo_desk.models.base import Base
from kyodo_desk.models.contacts import (
    Contact,
    ContactKind,
    Facility,
    FacilityKind,
    GroupType,
    Membership,
)

__all__ = ["Account", "AuditEntry", "Base", "Contact", "ContactKind", "Facility", "FacilityKind", "GroupType", "Membership"]
