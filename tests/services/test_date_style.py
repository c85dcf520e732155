"""The app-wide date style (日付の表記), as the shared settings hold it, on SQLite and
PostgreSQL: without it screens and messages write 西暦 and prints 和暦; once the city sets one
calendar, screens, messages and prints all write it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk import leaflets
from kyodo_desk.domain.dates import DateStyle, print_style, screen_style, use_date_style
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.events import EventKind
from kyodo_desk.models import Setting
from kyodo_desk.services import events
from kyodo_desk.services.date_style import DATE_STYLE_KEY, load_date_style
from kyodo_desk.services.events import EventDraft, SessionDraft
from tests.leaflets import flat, text_of

TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _no_setting_left_behind() -> Iterator[None]:
    yield
    use_date_style(None)


def set_style(db: Any, admin: Any, value: str) -> None:
    with db.writing(admin) as session:
        session.merge(Setting(key=DATE_STYLE_KEY, value=value))


def make_event(db: Any, officer: Any, facilities: dict[str, int], **changes: Any) -> Any:
    draft = EventDraft(kind=EventKind.SEMINAR, title="市民活動はじめて講座", facility_id=facilities["central"],
                       sessions=(SessionDraft(date(2026, 12, 5), time(9, 30), time(12)),),
                       venue_facility_id=facilities["salon"], **changes)
    return events.create_event(db, officer, draft)


def flyer_text(db: Any, actor: Any, event_id: int, tmp_path: Path) -> str:
    pdf = leaflets.render("event-flyer", db, actor, event_id=event_id, today=TODAY)
    return flat(text_of(pdf, tmp_path))


def refusal(db: Any, officer: Any, facilities: dict[str, int]) -> str:
    """What the event service says of a sign-up deadline after the event's last day."""
    with pytest.raises(ValidationError) as caught:
        make_event(db, officer, facilities, signup_closes_on=date(2026, 12, 6))
    return caught.value.for_field("signup_closes_on") or ""


def test_without_the_setting_messages_write_2026_and_prints_the_era(
        db, actor, accounts_by_login, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    assert load_date_style(db, actor) is None
    assert (screen_style(), print_style()) == (DateStyle.WESTERN, DateStyle.ERA)
    assert "最終開催日（2026年12月5日）" in refusal(db, officer, facilities)
    event = make_event(db, officer, facilities)
    found = flyer_text(db, actor, event.id, tmp_path)
    assert "令和8年12月5日（土）9:30～12:00" in found and "2026" not in found


def test_the_era_once_set_is_written_in_messages_too(
        db, admin, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    set_style(db, admin, "和暦")
    assert load_date_style(db, admin) is DateStyle.ERA
    assert "最終開催日（令和8年12月5日）" in refusal(db, accounts_by_login["officer"], facilities)


def test_western_years_once_set_are_printed_too(
        db, admin, actor, accounts_by_login, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, accounts_by_login["officer"], facilities)
    set_style(db, admin, "西暦")
    assert load_date_style(db, admin) is DateStyle.WESTERN
    found = flyer_text(db, actor, event.id, tmp_path)
    assert "2026年12月5日（土）9:30～12:00" in found and "令和" not in found


def test_the_setting_is_read_again_at_each_sign_in(db, admin) -> None:  # type: ignore[no-untyped-def]
    set_style(db, admin, "和暦")
    load_date_style(db, admin)
    with db.writing(admin) as session:
        session.delete(session.get(Setting, DATE_STYLE_KEY))
    assert load_date_style(db, admin) is None and print_style() is DateStyle.ERA
    assert screen_style() is DateStyle.WESTERN  # not the 和暦 of the earlier sign-in


def test_a_value_that_is_no_style_leaves_the_defaults_and_says_so_in_the_log(
        db, admin, caplog) -> None:  # type: ignore[no-untyped-def]
    set_style(db, admin, "wareki")
    with caplog.at_level(logging.WARNING):
        assert load_date_style(db, admin) is None
    assert (screen_style(), print_style()) == (DateStyle.WESTERN, DateStyle.ERA)
    assert "wareki" in caplog.text
