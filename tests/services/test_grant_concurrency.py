"""Officers deciding grants at the same moment never decide more than the budget together.

Every officer here has their own engine (their own Database on the same URL), so each holds a
real, separate connection; they start together at a barrier and decide their own case at once.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants
from kyodo_desk.services.grants import cases as grant_cases
from tests.grant_fixtures import group, make_case, make_programme

JOIN_TIMEOUT = 120  # seconds; a deadlock fails the test instead of hanging the run


@pytest.mark.parametrize(("officers", "budget"), [(8, 1_000_000)])
def test_simultaneous_decisions_stay_within_the_budget(db, database_url, officers,  # type: ignore[no-untyped-def]
                                                       budget) -> None:
    if database_url.startswith("sqlite"):
        officers = 3  # one writer at a time by design; a few are enough to race
        budget = 400_000
    p = make_programme(db, budget=budget, ceiling=0)
    cases = []
    for n in range(officers):
        case = make_case(db, p.id, group(db, f"団体{n}"), f"事業{n}", requested=200_000,
                         stage=Stage.ADOPTED)
        cases.append(grant_cases.receive_document(db, Actor.command_line(), case.id,
                                                  "交付申請書", date(2026, 6, 1)))
    start = threading.Barrier(officers)
    outcomes: list[object] = []

    def decide(case: grant_cases.CaseDetail) -> None:
        own = open_database(database_url)
        try:
            start.wait()
            outcomes.append(grant_cases.move_case(own, Actor.command_line(), case.id,
                                                  case.version, Stage.GRANT_DECIDED,
                                                  decided_amount=200_000))
        except Exception as exc:  # every outcome is checked below
            outcomes.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=decide, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a decision hung"
    decided = [o for o in outcomes if isinstance(o, grant_cases.CaseDetail)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(decided) == budget // 200_000
    assert len(refused) == officers - len(decided), outcomes
    assert all("予算の残り 0円" in r.message for r in refused)
    money = grants.get_programme(db, Actor.command_line(), p.id).money
    assert (money.decided, money.left) == (budget, 0)
