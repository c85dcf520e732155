"""チラシの写真: an event's flyer photo is set, replaced, cleared and read back; only JPEG and
PNG up to 5 MB are taken; the audit log says that it changed, never its bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kyodo_desk.domain.errors import NotFound, UserError
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services.events import photos
from tests.event_fixtures import make_event
from tests.services.test_audit import last_id, rows_since


@pytest.fixture
def officer(accounts_by_login):  # type: ignore[no-untyped-def]
    """協働推進 staff: they change events (counter staff only sign people up)."""
    return accounts_by_login["officer"]


def image_bytes(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


def test_a_photo_set_is_read_back_as_chosen_and_replaced_by_the_next(
        db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    assert photos.get_event_photo(db, officer, event.id) is None
    jpeg, png = image_bytes("JPEG"), image_bytes("PNG")
    photos.set_event_photo(db, officer, event.id, jpeg)
    assert photos.get_event_photo(db, officer, event.id) == photos.Photo(jpeg, "image/jpeg")
    photos.set_event_photo(db, officer, event.id, png)
    assert photos.get_event_photo(db, officer, event.id) == photos.Photo(png, "image/png")
    photos.clear_event_photo(db, officer, event.id)
    assert photos.get_event_photo(db, officer, event.id) is None
    photos.clear_event_photo(db, officer, event.id)  # clearing twice is harmless


@pytest.mark.parametrize("image, message", [
    (b"GIF89a" + b"\0" * 40, "JPEGかPNG"),
    (b"%PDF-1.7 not a photo", "JPEGかPNG"),
    (b"", "空"),
])
def test_only_jpeg_and_png_are_taken_told_by_their_bytes(
        db, officer, facilities, image: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    with pytest.raises(UserError, match=message):
        photos.set_event_photo(db, officer, event.id, image)
    assert photos.get_event_photo(db, officer, event.id) is None


def test_a_photo_over_5_mb_is_refused(db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    big = image_bytes("JPEG") + b"\0" * photos.MAX_BYTES
    with pytest.raises(UserError, match="5MBまで"):
        photos.set_event_photo(db, officer, event.id, big)
    exactly = image_bytes("PNG")
    exactly += b"\0" * (photos.MAX_BYTES - len(exactly))
    photos.set_event_photo(db, officer, event.id, exactly)  # 5 MB itself is taken
    found = photos.get_event_photo(db, officer, event.id)
    assert found is not None and len(found.image) == photos.MAX_BYTES


def test_the_photo_of_a_missing_event_is_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        photos.set_event_photo(db, officer, 999_999, image_bytes("PNG"))


def test_the_audit_log_records_the_change_without_the_bytes(
        db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    before = last_id(db)
    image = image_bytes("PNG")
    photos.set_event_photo(db, officer, event.id, image)
    photos.clear_event_photo(db, officer, event.id)
    rows = [r for r in rows_since(db, before) if r.table_name == "event_photos"]
    assert [r.action for r in rows] == ["insert", "delete"]
    assert all(r.record_id == event.id for r in rows)
    logged = repr([r.changes for r in rows])
    assert image.hex()[:40] not in logged and repr(image)[:40] not in logged


def test_counter_staff_may_see_the_photo_but_not_change_it(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    photos.set_event_photo(db, officer, event.id, image_bytes("JPEG"))
    with pytest.raises(PermissionDenied):
        photos.set_event_photo(db, actor, event.id, image_bytes("PNG"))
    with pytest.raises(PermissionDenied):
        photos.clear_event_photo(db, actor, event.id)
    found = photos.get_event_photo(db, actor, event.id)
    assert found is not None and found.media_type == "image/jpeg"
