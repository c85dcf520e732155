"""The draw of a lottery (抽選) for an oversubscribed event, in plain Python.

Fair: every application has the same chance, whatever its 受付番号 or size, because the
drawn order is a uniform shuffle. Reproducible: the shuffle is seeded by a recorded random
string (the 抽選の種), so anyone holding the applications in 受付番号 order and the seed can
draw again and get the same result (`draw`).

The rule, as printed on the 抽選結果:

    Every application is given a rank (抽選順) by the seeded shuffle. In that order, each
    party is seated if all of it fits in the seats still free; a party is never split. A party
    that does not fit goes to the waitlist, and a smaller party drawn after it may still be
    seated. The parties not seated are the waitlist (キャンセル待ち), in drawn order.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import UserError

# The rule in the words printed on the 抽選結果 and shown on screen.
LOTTERY_RULE = ("申込の一組ごとに、記録した抽選の種から決まる順番（抽選順）を付け、その順に"
                "残りの席に組全員が入る組を当選としました。組を分けることはしません。入らない組は"
                "キャンセル待ちとし、その後の順番のより少人数の組が当選することがあります。"
                "当選しなかった組は、抽選順にキャンセル待ちとなります。")


def new_seed() -> str:
    """A fresh 抽選の種: 32 hex digits from the system's secure random source."""
    return secrets.token_hex(16)


class Application(NamedTuple):
    """One application (申込) to draw: its sign-up and how many people it is for (a plain
    `(registration_id, party_size)` pair will do)."""

    registration_id: int
    party_size: int


@dataclass(frozen=True)
class Draw:
    """What a draw decided: every application's rank (1 = drawn first), and who is seated."""

    ranks: dict[int, int]  # registration id → 抽選順
    confirmed: tuple[int, ...]  # 当選, in drawn order
    waitlisted: tuple[int, ...]  # キャンセル待ち, in drawn order
    seats_taken: int


def drawn_order(applications: Sequence[Application], seed: str) -> list[Application]:
    """The applications shuffled by *seed*; they must be given in 受付番号 order so that the
    same seed gives the same order on every machine."""
    order = list(applications)
    random.Random(seed).shuffle(order)
    return order


def draw(applications: Sequence[Application], capacity: int, seed: str) -> Draw:
    """Draw *capacity* seats among *applications* (in 受付番号 order) with *seed*: the rule of
    the module's docstring."""
    ranks: dict[int, int] = {}
    confirmed: list[int] = []
    waitlisted: list[int] = []
    left = capacity
    for rank, app in enumerate(drawn_order(applications, seed), start=1):
        ranks[app.registration_id] = rank
        if app.party_size <= left:
            confirmed.append(app.registration_id)
            left -= app.party_size
        else:
            waitlisted.append(app.registration_id)
    return Draw(ranks, tuple(confirmed), tuple(waitlisted), capacity - left)


# --- sign-ups while the event is a lottery ------------------------------------------------

def takes_applications(lottery_until: date | None, drawn: bool, today: date) -> bool:
    """Whether a sign-up today is an application to the draw (抽選待ち, no seat): the event is
    a lottery, not drawn yet, and its 抽選の申込締切 (inclusive) has not passed. Between that
    day and the draw a sign-up is refused (UserError): the applicants are fixed. Without a
    lottery, or after the draw, False: the usual first-come rules."""
    if lottery_until is None or drawn:
        return False
    if today > lottery_until:
        raise UserError(f"抽選の申込は{full_date(lottery_until)}で締め切りました。抽選の後は、"
                        "空きがあれば先着順で受け付けます（満席ならキャンセル待ち）。")
    return True


def applied_message(lottery_until: date, queue_number: int) -> str:
    """What the counter tells an applicant (抽選の申込を受け付けました…)."""
    return (f"抽選の申込を受け付けました（抽選は{full_date(lottery_until + timedelta(days=1))}"
            f"以降、結果は抽選の後にお知らせします）。受付番号 {queue_number}")
