"""Grant case rules (交付金案件), in plain Python: the workflow, the money, the screening.

The workflow is one explicit table (`MOVES`): a case may go only where the table says, and
`move_problem` gives the reason in Japanese when it may not. The services call these
functions while they hold the programme's row lock, so the same rule decides at every counter.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kyodo_desk.domain.errors import ValidationError


class GrantKind(enum.StrEnum):
    COLLABORATION_SUPPORT = "collaboration"  # 協働サポート交付金
    COMMUNITY = "community"  # 地域づくり交付金
    OTHER = "other"


GRANT_KIND_LABELS = {
    GrantKind.COLLABORATION_SUPPORT: "協働サポート交付金",
    GrantKind.COMMUNITY: "地域づくり交付金",
    GrantKind.OTHER: "その他の交付金",
}


class Stage(enum.StrEnum):
    """The guideline's cycle, in order; REJECTED and WITHDRAWN end a case early."""

    CONSULTATION = "consultation"  # 相談
    APPLICATION = "application"  # 申請
    SCREENING = "screening"  # 審査
    ADOPTED = "adopted"  # 採択
    REJECTED = "rejected"  # 不採択
    GRANT_DECIDED = "decided"  # 交付決定
    IN_PROGRESS = "in_progress"  # 実施
    REPORTED = "reported"  # 実績報告
    SETTLED = "settled"  # 確定・支払
    EVALUATED = "evaluated"  # 評価
    PUBLISHED = "published"  # 公表
    WITHDRAWN = "withdrawn"  # 取下げ


STAGE_LABELS = {
    Stage.CONSULTATION: "相談", Stage.APPLICATION: "申請", Stage.SCREENING: "審査",
    Stage.ADOPTED: "採択", Stage.REJECTED: "不採択", Stage.GRANT_DECIDED: "交付決定",
    Stage.IN_PROGRESS: "実施", Stage.REPORTED: "実績報告", Stage.SETTLED: "確定・支払",
    Stage.EVALUATED: "評価", Stage.PUBLISHED: "公表", Stage.WITHDRAWN: "取下げ",
}

# The main line, in order; 不採択 sits beside 採択 and 取下げ beside everything before payment.
MAIN_LINE: tuple[Stage, ...] = (
    Stage.CONSULTATION, Stage.APPLICATION, Stage.SCREENING, Stage.ADOPTED,
    Stage.GRANT_DECIDED, Stage.IN_PROGRESS, Stage.REPORTED, Stage.SETTLED, Stage.EVALUATED,
    Stage.PUBLISHED,
)
_ORDER = {stage: n for n, stage in enumerate(MAIN_LINE)}
_ORDER[Stage.REJECTED] = _ORDER[Stage.ADOPTED]

FINAL = frozenset({Stage.REJECTED, Stage.WITHDRAWN, Stage.PUBLISHED})
# Stages in which the case holds a decided grant (交付決定額 counts against the budget).
HOLDS_DECISION = frozenset({Stage.GRANT_DECIDED, Stage.IN_PROGRESS, Stage.REPORTED,
                            Stage.SETTLED, Stage.EVALUATED, Stage.PUBLISHED})
# Adopted projects, as the publication lists them.
ADOPTED_OR_LATER = frozenset({Stage.ADOPTED, *HOLDS_DECISION})

# The whole workflow: from each stage, the stages a case may move to.
MOVES: dict[Stage, frozenset[Stage]] = {
    Stage.CONSULTATION: frozenset({Stage.APPLICATION, Stage.WITHDRAWN}),
    Stage.APPLICATION: frozenset({Stage.SCREENING, Stage.WITHDRAWN}),
    Stage.SCREENING: frozenset({Stage.ADOPTED, Stage.REJECTED, Stage.WITHDRAWN}),
    Stage.ADOPTED: frozenset({Stage.GRANT_DECIDED, Stage.WITHDRAWN}),
    Stage.REJECTED: frozenset(),
    Stage.GRANT_DECIDED: frozenset({Stage.IN_PROGRESS, Stage.WITHDRAWN}),
    Stage.IN_PROGRESS: frozenset({Stage.REPORTED, Stage.WITHDRAWN}),
    Stage.REPORTED: frozenset({Stage.SETTLED, Stage.WITHDRAWN}),
    Stage.SETTLED: frozenset({Stage.EVALUATED}),
    Stage.EVALUATED: frozenset({Stage.PUBLISHED}),
    Stage.PUBLISHED: frozenset(),
    Stage.WITHDRAWN: frozenset(),
}


def next_moves(stage: Stage) -> list[Stage]:
    """The moves offered from *stage*, main line first (the order of the buttons)."""
    return sorted(MOVES[stage], key=lambda s: (s is Stage.WITHDRAWN, s is Stage.REJECTED,
                                               _ORDER.get(s, 99)))


def move_problem(current: Stage, target: Stage) -> str | None:
    """Why a case in *current* may not move to *target*, or None when it may."""
    if target in MOVES[current]:
        return None
    here, there = STAGE_LABELS[current], STAGE_LABELS[target]
    if current is target:
        return f"この案件はすでに「{here}」です。"
    if current in FINAL:
        return f"「{here}」の案件はこれ以上進められません。"
    if target is Stage.WITHDRAWN:
        return "支払いの済んだ案件は取下げできません（返還は「返還」として記録してください）。"
    if target is Stage.CONSULTATION or _ORDER[target] < _ORDER[current]:
        return f"「{here}」から前の段階（「{there}」）へは戻せません。"
    if current is Stage.ADOPTED and target is Stage.REJECTED:
        return "採択した案件を不採択にはできません（取りやめるときは「取下げ」にしてください）。"
    expected = "」または「".join(STAGE_LABELS[s] for s in next_moves(current)
                               if s is not Stage.WITHDRAWN)
    return f"「{here}」の次は「{expected}」です。「{there}」へは飛ばせません。"


def missing_documents(required: Iterable[str], received: Iterable[str]) -> list[str]:
    """The required documents not yet received, in the order required."""
    have = set(received)
    return [name for name in required if name not in have]


def missing_documents_problem(target: Stage, missing: Sequence[str]) -> str | None:
    if not missing:
        return None
    return (f"「{STAGE_LABELS[target]}」に進むには、次の書類の受理が必要です: "
            + "、".join(missing))


# --- money -------------------------------------------------------------------------------

MAX_YEN = 10_000_000_000  # 100億円: larger than any city grant, small enough to be a typo
# Full-width digits, comma, point and yen sign as the IME gives them, to their ASCII forms.
_YEN_NOISE = str.maketrans("０１２３４５６７８９，．￥", "0123456789,.¥")
# An amount as written in Japan: 「¥」 or 「￥」, digits alone or grouped by three with commas,
# 「円」 at the end. Only ASCII digits after the narrowing above: \d would take ᧚ or ٣ too.
_YEN_RE = re.compile(r"¥?(?P<digits>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)円?")
_MINUS = "-−－▲△ー‐"


def parse_yen(text: str | int, field: str, label: str) -> int:
    """An amount of yen as typed: 1,200,000 / １２０００００ / ¥1,200,000 / 1200000円. Integers
    only; negative, fractional, misgrouped (1,0,0,0) or absurd amounts, 円 in the middle
    (10円20) and digits of other scripts are refused with the field named."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        raw = str(text).strip().translate(_YEN_NOISE)
        if not raw:
            raise ValidationError.single(field, f"{label}を入力してください。")
        match = _YEN_RE.fullmatch(raw)
        if match is None:
            raise ValidationError.single(field, _unreadable_yen(raw, label))
        digits = match["digits"].replace(",", "").lstrip("0") or "0"
        if len(digits) > len(str(MAX_YEN)):  # int() refuses beyond 4,300 digits
            raise ValidationError.single(field, f"{label}が大きすぎます。桁を確かめてください。")
        value = int(digits)
    if value < 0:
        raise ValidationError.single(field, f"{label}にマイナスの金額は入力できません。")
    if value > MAX_YEN:
        raise ValidationError.single(field, f"{label}が大きすぎます（{yen(value)}）。桁を確かめてください。")
    return value


def _unreadable_yen(raw: str, label: str) -> str:
    """Why *raw* (narrowed, not an amount) is refused, in the words the person needs."""
    bare = raw.removeprefix("¥")
    if bare.startswith(tuple(_MINUS)):
        return f"{label}にマイナスの金額は入力できません。"
    if re.fullmatch(r"(?:[0-9][0-9,]*\.[0-9]*|\.[0-9]+)円?", bare):
        return f"{label}は1円単位の整数で入力してください（小数は使えません）。"
    if re.fullmatch(r"[0-9][0-9,]*円?", bare):  # digits and commas, but not grouped by three
        return (f"{label}のカンマの位置が正しくありません"
                "（3桁ごとに区切るか、区切らずに入力してください。例: 300,000）。")
    return f"{label}は数字で入力してください（例: 300,000）。"


def yen(amount: int) -> str:
    """1200000 → 「1,200,000円」."""
    return f"{amount:,}円"


@dataclass(frozen=True)
class CaseMoney:
    """One case's amounts: 申請額, 交付決定額, 支払額 and 返還額 (totals of the records)."""

    stage: Stage
    requested: int
    decided: int
    paid: int
    returned: int

    @property
    def net_paid(self) -> int:
        return self.paid - self.returned

    @property
    def committed(self) -> int:
        """What the case holds of the budget: the decided amount while the grant runs; once
        settled (確定) or withdrawn, what was paid and kept; nothing before a decision."""
        if self.stage in (Stage.SETTLED, Stage.EVALUATED, Stage.PUBLISHED, Stage.WITHDRAWN):
            return self.net_paid
        if self.stage in HOLDS_DECISION:
            return self.decided
        return 0


@dataclass(frozen=True)
class Budget:
    """予算の状況 of a programme: 予算額, 交付決定額の合計, 支払額の合計, 返還額の合計, 残額."""

    budget: int
    committed: int
    decided: int
    paid: int
    returned: int

    @property
    def left(self) -> int:
        return self.budget - self.committed

    @classmethod
    def of(cls, budget: int, cases: Iterable[CaseMoney]) -> Budget:
        cases = list(cases)
        return cls(
            budget=budget,
            committed=sum(c.committed for c in cases),
            decided=sum(c.decided for c in cases if c.stage in HOLDS_DECISION),
            paid=sum(c.paid for c in cases),
            returned=sum(c.returned for c in cases),
        )

    def label(self) -> str:
        return (f"予算 {yen(self.budget)}・交付決定 {yen(self.decided)}・"
                f"支払 {yen(self.paid - self.returned)}・残り {yen(self.left)}")


def decision_problem(amount: int, *, requested: int, ceiling: int, budget_left: int) -> str | None:
    """Why *amount* cannot be decided (交付決定), or None. *budget_left* excludes this case."""
    if amount <= 0:
        return "交付決定額は1円以上で入力してください。"
    if ceiling and amount > ceiling:
        return f"交付決定額 {yen(amount)} が1件あたりの上限 {yen(ceiling)} を超えています。"
    if requested and amount > requested:
        return f"交付決定額 {yen(amount)} が申請額 {yen(requested)} を超えています。"
    if amount > budget_left:
        return (f"交付決定額 {yen(amount)} が予算の残り {yen(max(budget_left, 0))} を超えています"
                "（他の案件の交付決定で予算が減っている可能性があります）。")
    return None


# After 確定・支払 the case holds what was paid (Budget.committed): a further payment would hold
# budget that the settlement freed, perhaps decided for another case since.
SETTLED_OR_LATER = frozenset({Stage.SETTLED, Stage.EVALUATED, Stage.PUBLISHED})


def payment_problem(amount: int, money: CaseMoney) -> str | None:
    if amount <= 0:
        return "支払額は1円以上で入力してください。"
    if money.stage in SETTLED_OR_LATER:
        return (f"確定・支払の後は支払を記録できません。この案件の交付額は、支払済みの "
                f"{yen(money.net_paid)} で確定しています（支払額 {yen(amount)} を加えると、"
                "予算の残りに戻った額を使うことになります）。")
    if money.stage is Stage.WITHDRAWN:
        return (f"取下げた案件には支払を記録できません（支払額 {yen(amount)}・支払済み "
                f"{yen(money.net_paid)}）。戻ったお金は「返還」として記録してください。")
    if money.stage not in HOLDS_DECISION or money.decided <= 0:
        return "交付決定の前には支払えません。"
    if money.net_paid + amount > money.decided:
        return (f"支払額 {yen(amount)} を加えると、支払の合計 {yen(money.net_paid + amount)} が"
                f"交付決定額 {yen(money.decided)} を超えます（支払済み {yen(money.net_paid)}）。")
    return None


def refund_problem(amount: int, money: CaseMoney) -> str | None:
    if amount <= 0:
        return "返還額は1円以上で入力してください。"
    if amount > money.net_paid:
        return (f"返還額 {yen(amount)} が支払済みの額 {yen(money.net_paid)} を超えています。")
    return None


# --- screening ---------------------------------------------------------------------------

MAX_SCORE_LIMIT = 100
MAX_WEIGHT = 10


@dataclass(frozen=True)
class Criterion:
    """審査の観点: a name, its weight (配点の倍率) and the highest score a reviewer may give."""

    name: str
    weight: int = 1
    max_score: int = 5

    @property
    def full_marks(self) -> int:
        return self.weight * self.max_score


def weighted_total(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> int:
    """One reviewer's total: Σ weight × score over the criteria scored."""
    return sum(c.weight * scores[c.name] for c in criteria if c.name in scores)


def score_problem(criterion: Criterion, score: int) -> str | None:
    if not 0 <= score <= criterion.max_score:
        return f"「{criterion.name}」の点数は0～{criterion.max_score}点で入力してください。"
    return None


@dataclass(frozen=True)
class RankedCase:
    case_id: int
    total: int  # all reviewers' weighted totals added
    reviewers: int
    average: float  # per reviewer: fair when a reviewer missed a case
    rank: int  # 1 = best; equal averages share a rank (1, 2, 2, 4)


def rank_cases(totals: Mapping[int, Sequence[int]]) -> list[RankedCase]:
    """Rank cases by their reviewers' average weighted total, best first; unscored cases last
    without a rank (rank 0)."""
    rows = [(case_id, sum(t), len(t), sum(t) / len(t) if t else 0.0)
            for case_id, t in totals.items()]
    rows.sort(key=lambda r: (r[2] == 0, -r[3], r[0]))
    ranked: list[RankedCase] = []
    for n, (case_id, total, count, average) in enumerate(rows, start=1):
        if count == 0:
            rank = 0
        elif ranked and ranked[-1].reviewers and ranked[-1].total * count == total * ranked[-1].reviewers:
            rank = ranked[-1].rank
        else:
            rank = n
        ranked.append(RankedCase(case_id, total, count, round(average, 2), rank))
    return ranked


# --- documents -------------------------------------------------------------------------

# What the guideline asks for, as offered when a programme is made; each programme may change it.
STANDARD_DOCUMENTS: dict[Stage, tuple[str, ...]] = {
    Stage.APPLICATION: ("申請書", "事業計画書", "収支予算書", "団体規約", "役員名簿"),
    Stage.GRANT_DECIDED: ("交付申請書",),
    Stage.REPORTED: ("実績報告書", "収支決算書"),
    Stage.SETTLED: ("請求書",),
}

STANDARD_CRITERIA: tuple[Criterion, ...] = (
    Criterion("公益性", 2, 5),
    Criterion("協働の必要性", 2, 5),
    Criterion("実現性", 1, 5),
    Criterion("効果・発展性", 1, 5),
    Criterion("予算の妥当性", 1, 5),
)


def moves_table_markdown() -> str:
    """The workflow as a Markdown table, for the README (kept equal to it by a test)."""
    lines = ["| 段階 | 進められる段階 |", "|---|---|"]
    for stage in (*MAIN_LINE, Stage.REJECTED, Stage.WITHDRAWN):
        targets = "、".join(STAGE_LABELS[s] for s in next_moves(stage)) or "—（終了）"
        lines.append(f"| {STAGE_LABELS[stage]} | {targets} |")
    return "\n".join(lines)
