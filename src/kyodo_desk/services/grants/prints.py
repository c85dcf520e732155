"""What the grant prints (募集案内, 採択事業一覧・実施結果) are made from, read as the printing
account may read it. The score sheets and the ranking draw `screening.Screening` as it is."""

from __future__ import annotations

from dataclasses import dataclass

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts
from kyodo_desk.services.contacts import FacilityDetail
from kyodo_desk.services.grants import ProgrammeDetail, get_programme, list_programmes
from kyodo_desk.services.grants.publication import PublishedCase, adopted_projects

# The grants are run by the central center's collaboration desk for the whole city: a
# programme that names no facility is asked about there.
CENTRAL_FACILITY = "central"


@dataclass(frozen=True)
class GrantCallData:
    """A programme's call (募集案内) and the facility its contact block gives."""

    programme: ProgrammeDetail
    facility: FacilityDetail | None  # None: neither its own nor the central center is found


@dataclass(frozen=True)
class ProgrammeResults:
    """One programme of the year with its adopted projects, in the order published."""

    name: str
    budget: int
    cases: tuple[PublishedCase, ...]

    @property
    def decided(self) -> int:
        return sum(c.decided for c in self.cases)

    @property
    def finished(self) -> list[PublishedCase]:
        return [c for c in self.cases if c.finished]

    @property
    def paid(self) -> int:
        return sum(c.paid for c in self.finished)


@dataclass(frozen=True)
class GrantResultsData:
    """A fiscal year's publication (公表): every programme of the year."""

    fiscal_year: int
    programmes: tuple[ProgrammeResults, ...]


def call_data(db: Database, actor: Actor, programme_id: int) -> GrantCallData:
    programme = get_programme(db, actor, programme_id)
    if programme.facility_id is not None:
        facility: FacilityDetail | None = contacts.get_facility(db, actor, programme.facility_id)
    else:
        facility = next((f for f in contacts.list_facilities(db, actor)
                         if f.code == CENTRAL_FACILITY), None)
    return GrantCallData(programme, facility)


def results_data(db: Database, actor: Actor, fiscal_year: int) -> GrantResultsData:
    """Every programme of the year, each with its adopted projects (none is left out: a
    programme with nothing adopted yet says so)."""
    cases = adopted_projects(db, actor, fiscal_year)
    # adopted_projects gives the cases by programme id: the programmes in that order too.
    programmes = sorted(list_programmes(db, actor, fiscal_year=fiscal_year), key=lambda p: p.id)
    return GrantResultsData(fiscal_year, tuple(
        ProgrammeResults(p.name, p.money.budget,
                         tuple(c for c in cases if c.programme_id == p.id))
        for p in programmes))
