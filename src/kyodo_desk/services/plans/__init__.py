"""District plans (地域まちづくり計画) and their yearly PLAN–DO–CHECK–ACT cycle."""

from kyodo_desk.services.plans.cycle import (
    BoardRow,
    PlanYearDetail,
    ProgressDraft,
    ProgressView,
    YearDraft,
    board,
    get_year,
    save_year,
)
from kyodo_desk.services.plans.records import (
    ActionDraft,
    ActionView,
    LinkedCase,
    LinkedEvent,
    PlanDetail,
    PlanDraft,
    PlanSummary,
    create_plan,
    delete_plan,
    editions,
    get_plan,
    link_case,
    link_workshop,
    list_plans,
    period_label,
    revise_plan,
    update_plan,
)

__all__ = ["ActionDraft", "ActionView", "BoardRow", "LinkedCase", "LinkedEvent", "PlanDetail",
           "PlanDraft", "PlanSummary", "PlanYearDetail", "ProgressDraft", "ProgressView",
           "YearDraft", "board", "create_plan", "delete_plan", "editions", "get_plan", "get_year",
           "link_case", "link_workshop", "list_plans", "period_label", "revise_plan",
           "save_year", "update_plan"]
