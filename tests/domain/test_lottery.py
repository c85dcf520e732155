"""Property tests of the lottery's draw (domain/lottery.py).

Invariants stated here, for any applications, capacity and seed:
  seats — the drawn parties' seats never exceed the capacity; a party is seated whole.
  everyone — each application gets exactly one rank, 1..n, and is either 当選 or
    キャンセル待ち, never both, never neither; both lists are in drawn order.
  reproducible — the same applications and seed give the same draw.
  all fit — when every party fits in the capacity together, every party is drawn.
  no seat wasted — no waitlisted party would have fitted in the seats left at its turn.
  fair — over many seeds, each of N equal single applicants wins about capacity/N of the time.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain.lottery import Application, draw, new_seed

seeds = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)
parties = st.lists(st.integers(1, 8), max_size=40)


def _applications(sizes: list[int]) -> list[Application]:
    return [Application(100 + n, size) for n, size in enumerate(sizes)]


@given(parties, st.integers(1, 60), seeds)
def test_a_draw_never_seats_more_than_the_capacity_and_ranks_everyone_once(
        sizes: list[int], capacity: int, seed: str) -> None:
    apps = _applications(sizes)
    result = draw(apps, capacity, seed)
    size = {a.registration_id: a.party_size for a in apps}
    assert sum(size[r] for r in result.confirmed) == result.seats_taken <= capacity
    ids = [a.registration_id for a in apps]
    assert sorted(result.confirmed + result.waitlisted) == sorted(ids)
    assert sorted(result.ranks) == sorted(ids)
    assert sorted(result.ranks.values()) == list(range(1, len(apps) + 1))
    for drawn in (result.confirmed, result.waitlisted):
        assert [result.ranks[r] for r in drawn] == sorted(result.ranks[r] for r in drawn)


@given(parties, st.integers(1, 60), seeds)
def test_the_same_seed_gives_the_same_draw(sizes: list[int], capacity: int, seed: str) -> None:
    apps = _applications(sizes)
    assert draw(apps, capacity, seed) == draw(list(apps), capacity, seed)


@given(parties, seeds)
def test_when_everyone_fits_everyone_is_drawn(sizes: list[int], seed: str) -> None:
    apps = _applications(sizes)
    result = draw(apps, max(sum(sizes), 1), seed)
    assert result.waitlisted == ()
    assert len(result.confirmed) == len(apps)


@given(parties, st.integers(1, 60), seeds)
def test_no_waitlisted_party_would_have_fitted_in_the_seats_left_at_its_turn(
        sizes: list[int], capacity: int, seed: str) -> None:
    apps = _applications(sizes)
    result = draw(apps, capacity, seed)
    size = {a.registration_id: a.party_size for a in apps}
    by_rank = sorted(result.ranks, key=result.ranks.__getitem__)
    left = capacity
    for reg_id in by_rank:
        if reg_id in result.confirmed:
            left -= size[reg_id]
        else:
            assert size[reg_id] > left
    # And at the end no waitlisted party fits in what is left: a smaller one would have won.
    assert all(size[r] > capacity - result.seats_taken for r in result.waitlisted)


def test_each_of_n_equal_applicants_wins_about_capacity_over_n_of_the_time() -> None:
    applicants, capacity, rounds = 10, 3, 3000
    apps = _applications([1] * applicants)
    wins = dict.fromkeys((a.registration_id for a in apps), 0)
    for _ in range(rounds):
        for reg_id in draw(apps, capacity, new_seed()).confirmed:
            wins[reg_id] += 1
    expected = rounds * capacity / applicants  # 900; σ ≈ 25, the bound is about 4σ
    assert all(abs(w - expected) < 100 for w in wins.values()), wins
    assert sum(wins.values()) == rounds * capacity


def test_a_seed_is_32_hex_digits_and_new_each_time() -> None:
    seeds_made = {new_seed() for _ in range(50)}
    assert len(seeds_made) == 50
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in seeds_made)
