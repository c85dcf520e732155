"""チラシの写真 (an event's flyer photo): set, clear and read the one photo an event's flyer
prints in its upper part.

The bytes are kept as chosen (JPEG or PNG, told by their first bytes, not by the file's
name): the print scales them to its box, so nothing here decodes an image and the services
stay free of Qt and of image libraries. The audit log records that the photo changed, never
its bytes (EventPhoto.__audit_redact__).
"""

from __future__ import annotations

from dataclasses import dataclass

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import EventPhoto
from kyodo_desk.services.events import load_event

MAX_BYTES = 5 * 1024 * 1024
# The signatures of the two formats a flyer takes (ReportLab draws both).
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True)
class Photo:
    """The photo as stored: its bytes and media type (image/jpeg, image/png)."""

    image: bytes
    media_type: str


def media_type_of(image: bytes) -> str:
    """'image/jpeg' or 'image/png' by the file's first bytes; else a UserError."""
    for signature, media_type in SIGNATURES:
        if image.startswith(signature):
            return media_type
    raise UserError("チラシの写真はJPEGかPNGの画像を選んでください（この形式は使えません）。")


@retry_on_contention
def set_event_photo(db: Database, actor: Actor, event_id: int, image: bytes) -> Photo:
    """Make *image* the flyer photo of the event *event_id* (replacing one set before)."""
    actor.require(Action.CHANGE, Resource.EVENTS)
    if not image:
        raise UserError("画像のファイルが空です。")
    if len(image) > MAX_BYTES:
        size = len(image) / (1024 * 1024)
        raise UserError(f"写真が大きすぎます（{size:.1f}MB）。5MBまでの画像を選んでください。")
    media_type = media_type_of(image)
    with db.writing(actor) as session:
        load_event(session, event_id)  # NotFound for an event deleted meanwhile
        photo = session.get(EventPhoto, event_id)
        if photo is None:
            session.add(EventPhoto(event_id=event_id, image=image, media_type=media_type))
        else:
            photo.image, photo.media_type = image, media_type
    return Photo(image, media_type)


@retry_on_contention
def clear_event_photo(db: Database, actor: Actor, event_id: int) -> None:
    """Remove the event's flyer photo (nothing happens when it has none)."""
    actor.require(Action.CHANGE, Resource.EVENTS)
    with db.writing(actor) as session:
        load_event(session, event_id)
        photo = session.get(EventPhoto, event_id)
        if photo is not None:
            session.delete(photo)  # through the unit of work, so the audit log sees it


def get_event_photo(db: Database, actor: Actor, event_id: int) -> Photo | None:
    """The event's flyer photo, or None when it has none."""
    actor.require(Action.READ, Resource.EVENTS)
    with db.reading(actor) as session:
        photo = session.get(EventPhoto, event_id)
        return None if photo is None else Photo(photo.image, photo.media_type)
