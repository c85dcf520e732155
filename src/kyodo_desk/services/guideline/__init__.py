"""The guideline's five directions measured (市民協働の推進状況): the map of records to the
directions (mapping.py) and the yearly report computed from the records (report.py)."""

from kyodo_desk.services.guideline.mapping import (
    SOURCE_LABELS,
    MapEntry,
    direction_map,
    save_direction_map,
)
from kyodo_desk.services.guideline.report import (
    STEPS,
    DirectionFigures,
    GuidelineReport,
    Indicator,
    guideline_report,
)

__all__ = ["SOURCE_LABELS", "STEPS", "DirectionFigures", "GuidelineReport", "Indicator",
           "MapEntry", "direction_map", "guideline_report", "save_direction_map"]
