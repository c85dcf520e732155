"""Making the offline door's pack (当日受付パック) from the database.

Made under no lock (a snapshot of the roster for a laptop); the audit log says a pack was made
for the event, by whom and for how many sign-ups, never its contents.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Event
from kyodo_desk.services.events import event_detail, load_event
from kyodo_desk.services.events.door_crypto import check_password
from kyodo_desk.services.events.door_format import DoorPack, PackSession, PackSignUp, write_pack
from kyodo_desk.services.events.registrations import registration_infos

# Who the door may meet: a cancelled sign-up is in the pack too, so that its receipt is refused
# with the reason instead of 「登録されていません」.
_AT_THE_DOOR = frozenset(RegistrationStatus) - {RegistrationStatus.APPLIED}


@retry_on_contention
def make_door_pack(db: Database, actor: Actor, event_id: int) -> DoorPack:
    """The event's 当日受付パック, audited as made."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        event = event_detail(session, load_event(session, event_id))
        sign_ups = tuple(
            PackSignUp(r.id, r.queue_number, r.contact_name, r.contact_reading, r.party_size,
                       r.status, r.token, r.attended_session_ids)
            for r in registration_infos(session, event_id) if r.status in _AT_THE_DOOR)
        pack = DoorPack(
            str(uuid.uuid4()), event.id, event.title, event.capacity, event.seats.taken,
            tuple(PackSession(s.id, s.held_on, s.label) for s in event.sessions), sign_ups,
            datetime.now(UTC), actor.name, event.questions)
        record_event(session, actor, "door_pack", Event.__tablename__, event_id,
                     {"sign_ups": len(sign_ups)})
    return pack


def save_door_pack(db: Database, actor: Actor, event_id: int, path: Path,
                   password: str) -> DoorPack:
    """make_door_pack, sealed with *password* into *path* (the password checked first)."""
    check_password(password)
    pack = make_door_pack(db, actor, event_id)
    write_pack(pack, path, password)
    return pack
