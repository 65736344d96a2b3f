"""Builders, random problems and a brute-force optimum for the community roster tests.

Times are minutes from 00:00 of day 0 (see `shequ.duty.roster.problem`); `at(day, hh, mm)` spells
them the way a roster sheet does.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from hypothesis import strategies as st

from shequ.duty.roster import check
from shequ.duty.roster.problem import (
    AVOID,
    DAY,
    PREFER,
    PastWork,
    Person,
    Problem,
    Request,
    Rules,
    Slot,
)

H = 60

# Shift patterns as (name, start, end) in minutes from 00:00 of the shift's own day.
EIGHT_HOURS = (("early", 0, 480), ("day", 480, 960), ("late", 960, 1440))
EIGHT_HOURS_OVERNIGHT = (("early", 360, 840), ("late", 840, 1320), ("night", 1320, 1800))
TWELVE_HOURS = (("day", 480, 1200), ("night", 1200, 1920))
PATTERNS = (EIGHT_HOURS, EIGHT_HOURS_OVERNIGHT, TWELVE_HOURS)


def at(day: int, hours: int, minutes: int = 0) -> int:
    """Minutes from 00:00 of day 0 to `hours:minutes` on `day` (negative days: before)."""
    return day * DAY + hours * H + minutes


def slot(slot_id: str, day: int, start_h: float, length_h: float, **kw) -> Slot:
    """A shift starting at `start_h` o'clock on `day` and lasting `length_h` hours."""
    start = day * DAY + round(start_h * H)
    return Slot(
        slot_id, kw.pop("post", "gate"), kw.pop("shift", slot_id), day, start,
        start + round(length_h * H), **kw,
    )  # fmt: skip


def people(n: int, **kw) -> tuple[Person, ...]:
    return tuple(Person(i, f"P{i}", **kw) for i in range(n))


def daily_slots(days: int, pattern=EIGHT_HOURS, posts: int = 1, **kw) -> tuple[Slot, ...]:
    return tuple(
        Slot(f"{post}-{name}-{d}", f"post{post}", name, d, d * DAY + a, d * DAY + b, **kw)
        for d in range(days)
        for post in range(posts)
        for name, a, b in pattern
    )


def rules_of(problem: Problem, assignment) -> set[str]:
    return {v.rule for v in check.violations(problem, assignment)}


# --- random problems ---------------------------------------------------------------------


def random_problem(
    rng: random.Random,
    *,
    people_range: tuple[int, int] = (2, 8),
    days_range: tuple[int, int] = (1, 7),
    posts_range: tuple[int, int] = (1, 2),
    tight_rules: bool = True,
    past_days_in_horizon: bool = False,
) -> Problem:
    """A small random roster problem covering every rule and soft goal.

    Past work is before day 0 unless `past_days_in_horizon`, which also allows work fixed
    elsewhere on days inside the horizon.
    """
    days = rng.randint(*days_range)
    n_people = rng.randint(*people_range)
    posts = rng.randint(*posts_range)
    pattern = rng.choice(PATTERNS)
    crew = tuple(
        Person(
            i,
            f"P{i}",
            woman=rng.random() < 0.5,
            party=rng.random() < 0.3,
            skills=rng.choice([0, 0, 1, 2, 3]),
            unavailable=frozenset(d for d in range(days) if rng.random() < 0.15),
        )
        for i in range(n_people)
    )
    slots = []
    for d in range(days):
        for post in range(posts):
            for name, a, b in pattern:
                if rng.random() < 0.15:
                    continue  # not every post runs every shift
                lo = rng.choice([0, 1, 1, 2])
                start, end = d * DAY + a, d * DAY + b
                night = end > d * DAY + 22 * H or a < 6 * H
                slots.append(
                    Slot(
                        f"{post}-{name}-{d}",
                        f"post{post}",
                        name,
                        d,
                        start,
                        end,
                        min_people=lo,
                        max_people=max(1, lo + rng.choice([0, 0, 1])),
                        party=rng.random() < 0.3,
                        skills=rng.choice([0, 0, 0, 1, 2, 3]),
                        not_only_women=night and rng.random() < 0.7,
                    )
                )
    requests = []
    for _ in range(rng.randint(0, 2 * days)):
        kind = rng.choice([PREFER, AVOID])
        who = rng.randrange(n_people)
        weight = rng.choice([10, 10, 10, 3, 25])
        if slots and rng.random() < 0.5:
            s = rng.choice(slots)
            requests.append(Request(who, s.day, kind, s.id, weight))
        else:
            requests.append(Request(who, rng.randrange(days), kind, None, weight))
    past = []
    for p in crew:
        if rng.random() < 0.3:
            last = -1 - rng.randrange(3)
            first = last - rng.randrange(5) if rng.random() < 0.5 else last
            for d in range(first, last + 1):
                name, a, b = rng.choice(pattern)
                past.append(PastWork(p.id, d, d * DAY + a, d * DAY + b))
        if past_days_in_horizon and rng.random() < 0.3:
            d = rng.randrange(days)
            name, a, b = rng.choice(pattern)
            past.append(PastWork(p.id, d, d * DAY + a, d * DAY + b))
    rules = Rules()
    if tight_rules and rng.random() < 0.5:
        rules = Rules(
            max_minutes_per_day=rng.choice([8 * H, 12 * H, 16 * H]),
            min_rest_minutes=rng.choice([8 * H, 11 * H, 16 * H]),
            max_consecutive_days=rng.randint(2, 6),
            max_shifts_per_week=rng.randint(3, 6),
            min_days_off_per_week=rng.randint(1, 3),
        )
    problem = Problem(days, crew, tuple(slots), rules, tuple(requests), tuple(past))
    if check.violations(problem, frozenset()):
        # The drawn history alone already breaks a rule (e.g. too many shifts last week):
        # no roster could be legal, so keep the problem but forget that history.
        problem = replace(problem, past=())
    return problem


@st.composite
def problems(draw, **kw) -> Problem:
    """Hypothesis strategy: `random_problem` driven by a drawn seed (shrinks to small seeds)."""
    return random_problem(random.Random(draw(st.integers(0, 2**32 - 1))), **kw)


def tiny_problem(rng: random.Random) -> Problem:
    """3 people x 2 days x 2 twelve-hour shifts: 2**12 rosters, small enough to enumerate."""
    crew = tuple(
        Person(
            i,
            f"P{i}",
            woman=rng.random() < 0.5,
            party=rng.random() < 0.4,
            skills=rng.choice([0, 1, 2, 3]),
            unavailable=frozenset(d for d in range(2) if rng.random() < 0.15),
        )
        for i in range(3)
    )
    slots = tuple(
        Slot(
            f"{name}{d}",
            "gate",
            name,
            d,
            d * DAY + a,
            d * DAY + b,
            min_people=rng.choice([0, 1, 1, 2]),
            max_people=2,
            party=rng.random() < 0.4,
            skills=rng.choice([0, 1, 2, 3]),
            not_only_women=name == "night",
        )
        for d in range(2)
        for name, a, b in TWELVE_HOURS
    )
    requests = tuple(
        Request(
            rng.randrange(3),
            d,
            rng.choice([PREFER, AVOID]),
            rng.choice([None, f"day{d}", f"night{d}"]),
            rng.choice([5, 10, 40]),
        )
        for d in range(2)
        for _ in range(rng.randint(0, 2))
    )
    past = ()
    if rng.random() < 0.5:
        past = (PastWork(rng.randrange(3), -1, at(-1, 20), at(0, 8)),)
    return Problem(2, crew, slots, Rules(), requests, past)


def all_assignments(problem: Problem):
    pairs = [(p.id, s.id) for p in problem.people for s in problem.slots]
    for bits in itertools.product((False, True), repeat=len(pairs)):
        yield frozenset(pair for pair, on in zip(pairs, bits, strict=True) if on)


def brute_force(problem: Problem) -> tuple[int | None, list[frozenset]]:
    """The least penalty over every roster with no hard violation, and the rosters reaching it."""
    best: int | None = None
    winners: list[frozenset] = []
    for a in all_assignments(problem):
        if check.violations(problem, a):
            continue
        total = check.penalty(problem, a).total
        if best is None or total < best:
            best, winners = total, [a]
        elif total == best:
            winners.append(a)
    return best, winners


def without_day(problem: Problem, person_id: int, day: int) -> Problem:
    """The same problem with one more unavailable day for one person."""
    crew = tuple(
        replace(p, unavailable=p.unavailable | {day}) if p.id == person_id else p
        for p in problem.people
    )
    return replace(problem, people=crew)
