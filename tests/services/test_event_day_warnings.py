"""An event on a national holiday or on its venue's 休館日 is warned about, never refused
(services.events.event_day_warnings, what the command line or an import would ask; both
databases)."""

from __future__ import annotations

import dataclasses
from datetime import date, time

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import events as svc
from kyodo_desk.services import facilities as facility_svc
from kyodo_desk.services.events import SessionDraft
from tests.event_fixtures import event_draft

DAYS = (date(2026, 11, 24), date(2026, 12, 29), date(2027, 1, 11))


def close_on_new_year(db, admin, facility_id: int) -> None:  # type: ignore[no-untyped-def]
    venue = facility_svc.get_facility(db, admin, facility_id)
    facility_svc.update_facility(db, admin, venue.id, venue.version, dataclasses.replace(
        venue.as_draft(), address=venue.address or "秋田市中通一丁目4番1号",
        closed_days="年末年始（12月29日〜1月3日）"))


def test_sessions_on_the_venues_closed_day_and_on_a_holiday_are_warned_of_and_saved(
        db, admin, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    salon = facilities["salon"]
    close_on_new_year(db, admin, salon)
    draft = event_draft(salon, sessions=tuple(SessionDraft(d, time(10), time(12)) for d in DAYS),
                        signup_opens_on=None, signup_closes_on=None)

    assert svc.event_day_warnings(db, actor, draft) == [
        "12月29日（火）は休館日です", "1月11日（月）は成人の日です"]
    # Another venue keeps no 休館日: only the holiday is said.
    elsewhere = dataclasses.replace(draft, venue_facility_id=facilities["east"])
    assert svc.event_day_warnings(db, actor, elsewhere) == ["1月11日（月）は成人の日です"]
    # A venue that is none of the facilities: the holiday still is.
    outside = dataclasses.replace(draft, venue_facility_id=None, venue_name="市民ホール",
                                  venue_address="秋田市山王1-1-1")
    assert svc.event_day_warnings(db, actor, outside) == ["1月11日（月）は成人の日です"]

    saved = svc.create_event(db, Actor.command_line(), draft)  # a warning, never a refusal
    assert [s.held_on for s in saved.sessions] == list(DAYS)
