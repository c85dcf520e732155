"""チラシの写真 on the event form: a new event only says that a saved one takes a photo; a
saved one shows its photo as a thumbnail, takes a JPEG or PNG chosen in the file dialog,
refuses another file in Japanese, and lets the photo go."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog

from kyodo_desk.services.events import photos
from kyodo_desk.ui.events.photo_box import NONE, UNSAVED, PhotoBox
from tests.event_fixtures import make_event


@pytest.fixture
def officer(accounts_by_login):  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *_a, **_k: (str(path), "画像 (*.jpg *.jpeg *.png)"))


def test_a_new_event_only_says_a_saved_one_takes_a_photo(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    box = PhotoBox(db, officer)
    qtbot.addWidget(box)
    assert box.note.text() == UNSAVED
    assert not box.choose.isEnabled() and not box.clear.isEnabled()


def test_a_photo_is_chosen_shown_and_taken_off(qtbot, db, officer, facilities, messages,
                                               monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    box = PhotoBox(db, officer)
    qtbot.addWidget(box)
    box.set_event(event.id)
    qtbot.waitUntil(lambda: box.note.text() == NONE)
    assert box.choose.isEnabled() and not box.clear.isEnabled()

    picture = tmp_path / "写真.png"
    Image.new("RGB", (300, 200), (30, 120, 200)).save(picture, format="PNG")
    choose_file(monkeypatch, picture)
    box.choose.click()
    qtbot.waitUntil(lambda: box.clear.isEnabled())
    assert box.thumb.pixmap() is not None and not box.thumb.pixmap().isNull()
    found = photos.get_event_photo(db, officer, event.id)
    assert found is not None and found.image == picture.read_bytes()

    text_file = tmp_path / "メモ.png"
    text_file.write_text("写真ではありません", encoding="utf-8")
    choose_file(monkeypatch, text_file)
    box.choose.click()
    qtbot.waitUntil(lambda: bool(messages))
    assert "JPEGかPNG" in messages[-1][1]

    box.clear.click()
    qtbot.waitUntil(lambda: box.note.text() == NONE)
    assert photos.get_event_photo(db, officer, event.id) is None


def test_the_saved_photo_shows_when_the_box_opens(qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, format="JPEG")
    photos.set_event_photo(db, officer, event.id, out.getvalue())
    box = PhotoBox(db, officer)
    qtbot.addWidget(box)
    box.set_event(event.id)
    qtbot.waitUntil(lambda: box.clear.isEnabled())
    assert not box.thumb.pixmap().isNull()
