"""What the event prints (チラシ, 受付票, 参加者名簿, 出席簿, 名札) are made from, read as the
printing account may read it: the event, its organising facility (the contact block) and its
sign-ups in list order. The leaflets draw this data and read nothing themselves."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.questions import answer_text
from kyodo_desk.services import contacts, events
from kyodo_desk.services.contacts import FacilityDetail
from kyodo_desk.services.events import EventDetail, answers, photos, registrations
from kyodo_desk.services.events.photos import Photo
from kyodo_desk.services.events.registrations import RegistrationInfo


@dataclass(frozen=True)
class EventPrintData:
    """An event with its organising facility and (for the lists) its sign-ups."""

    event: EventDetail
    facility: FacilityDetail
    registrations: tuple[RegistrationInfo, ...]
    photo: Photo | None = None  # チラシの写真, read for the flyer only (with_photo)
    # 申込時の回答 as read (はい／いいえ), by sign-up (registration id → question id → text):
    # the 名簿's alone (with_answers); a public print never has them to show.
    answers: Mapping[int, Mapping[int, str]] = field(default_factory=dict)

    def with_status(self, statuses: Collection[RegistrationStatus]) -> list[RegistrationInfo]:
        return [r for r in self.registrations if r.status in statuses]


@dataclass(frozen=True)
class ReceiptData:
    """One sign-up's receipt (受付票): the sign-up and its event."""

    event: EventDetail
    facility: FacilityDetail
    registration: RegistrationInfo


def event_print_data(db: Database, actor: Actor, event_id: int, *,
                     with_sign_ups: bool = True, with_photo: bool = False,
                     with_answers: bool = False) -> EventPrintData:
    """The event *event_id* as its prints show it; the sign-ups only *with_sign_ups* (the
    flyer names nobody), its photo only *with_photo* (the flyer's alone), the answers to
    the sign-up questions only *with_answers* (the 名簿's alone)."""
    event = events.get_event(db, actor, event_id)
    facility = contacts.get_facility(db, actor, event.facility_id)
    signed_up = (tuple(registrations.list_registrations(db, actor, event_id))
                 if with_sign_ups else ())
    photo = photos.get_event_photo(db, actor, event_id) if with_photo else None
    asked = {q.id: q for q in event.questions}
    given = {reg: {q: answer_text(asked[q], a) for q, a in found.items() if q in asked}
             for reg, found in answers.event_answers(db, actor, event_id).items()
             } if with_answers else {}
    return EventPrintData(event, facility, signed_up, photo, given)


def receipt_data(db: Database, actor: Actor, registration_id: int, *,
                 event_id: int | None = None) -> ReceiptData:
    """The receipt of the sign-up *registration_id*; refused for a sign-up of another event
    than *event_id* (when given) and for a cancelled one, which holds no place to show."""
    registration = registrations.get_registration(db, actor, registration_id)
    if event_id is not None and event_id != registration.event_id:
        raise UserError(f"受付番号{registration.queue_number}の申込は、指定したイベントの"
                        "申込ではありません。")
    if registration.status is RegistrationStatus.CANCELLED:
        raise UserError(f"{registration.contact_name}さんの申込はキャンセルされているため、"
                        "受付票は作れません。")
    found = event_print_data(db, actor, registration.event_id, with_sign_ups=False)
    return ReceiptData(found.event, found.facility, registration)
