"""SQLAlchemy models: what each table means, and nothing more."""

from kyodo_desk.models.accounts import Account, AuditEntry
from kyodo_desk.models.base import Base
from kyodo_desk.models.consultations import (
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
)
from kyodo_desk.models.contacts import (
    ActivityField,
    Contact,
    ContactActivityField,
    ContactKind,
    ContactMatchKey,
    ContactMerge,
    DistinctContacts,
    DistrictTown,
    Facility,
    FacilityKind,
    GroupType,
    Membership,
)
from kyodo_desk.models.events import (
    Attendance,
    DoorAct,
    Event,
    EventPhoto,
    EventQuestion,
    EventSession,
    Registration,
    RegistrationAnswer,
)
from kyodo_desk.models.grants import (
    GrantCase,
    GrantCaseDocument,
    GrantCaseMove,
    GrantCaseNote,
    GrantCriterion,
    GrantDeadline,
    GrantPayment,
    GrantProgramme,
    GrantRequiredDocument,
    GrantScore,
)
from kyodo_desk.models.plans import (
    ActionProgress,
    DirectionLink,
    DistrictPlan,
    PlanAction,
    PlanActionCase,
    PlanWorkshop,
    PlanYear,
)
from kyodo_desk.models.settings import Setting

__all__ = ["Account", "ActionProgress", "ActivityField", "Attendance", "AuditEntry", "Base", "Consultation",
           "ConsultationChannel", "ConsultationStatus", "ConsultationTopic",
           "ConsultationTopicLink", "Contact", "ContactActivityField", "ContactKind",
           "ContactMatchKey", "ContactMerge", "DirectionLink", "DistinctContacts", "DistrictPlan", "DistrictTown", "DoorAct", "Event", "EventPhoto", "EventQuestion",
           "EventSession", "Facility", "FacilityKind", "GrantCase",
           "GrantCaseDocument", "GrantCaseMove", "GrantCaseNote", "GrantCriterion",
           "GrantDeadline", "GrantPayment", "GrantProgramme", "GrantRequiredDocument",
           "GrantScore", "GroupType", "Membership", "PlanAction", "PlanActionCase",
           "PlanWorkshop", "PlanYear", "Registration", "RegistrationAnswer", "Setting"]
