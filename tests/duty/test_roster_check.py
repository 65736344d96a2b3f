"""The independent roster checker: each hard rule flagged when broken, kept at its boundary."""

from __future__ import annotations

import pytest

from shequ.duty.roster import check
from shequ.duty.roster.problem import (
    AVOID,
    PREFER,
    W_CHANGE,
    W_PARTY,
    W_REQUEST,
    W_SHORT,
    W_SKILL,
    W_SPREAD,
    PastWork,
    Person,
    Problem,
    Request,
    Rules,
)
from tests.duty.roster_gen import at, people, rules_of, slot

# --- hard rules ----------------------------------------------------------------------------


def test_unknown_person_or_slot_is_flagged():
    problem = Problem(1, people(1), (slot("s", 0, 8, 8),))

    assert check.violations(problem, {(0, "s")}) == []
    found = check.violations(problem, {(7, "s"), (0, "nope")})
    assert {(v.rule, v.person, v.slot) for v in found} == {
        (check.UNKNOWN, 7, "s"),
        (check.UNKNOWN, 0, "nope"),
    }


def test_unavailable_day_is_flagged_and_an_overnight_shift_belongs_to_its_start_day():
    crew = (Person(0, "A", unavailable=frozenset({1})),)
    slots = (slot("night0", 0, 20, 12), slot("day1", 1, 8, 8))
    problem = Problem(2, crew, slots)

    # The night shift starting on day 0 ends on day 1 but belongs to day 0: allowed.
    assert check.violations(problem, {(0, "night0")}) == []
    found = check.violations(problem, {(0, "day1")})
    assert [(v.rule, v.person, v.slot) for v in found] == [(check.UNAVAILABLE, 0, "day1")]


def test_frozen_slot_must_keep_exactly_its_crew():
    slots = (slot("s", 0, 8, 8, max_people=3), slot("t", 0, 20, 8))
    problem = Problem(1, people(3), slots, frozen={"s": frozenset({0, 1})})

    assert check.violations(problem, {(0, "s"), (1, "s"), (2, "t")}) == []
    for changed in ({(0, "s")}, {(0, "s"), (1, "s"), (2, "s")}, {(0, "s"), (2, "s")}, set()):
        found = check.violations(problem, changed)
        assert [(v.rule, v.slot) for v in found] == [(check.FROZEN, "s")], changed


def test_max_people():
    problem = Problem(1, people(3), (slot("s", 0, 8, 8, max_people=2),))

    assert check.violations(problem, {(0, "s"), (1, "s")}) == []
    found = check.violations(problem, {(0, "s"), (1, "s"), (2, "s")})
    assert [(v.rule, v.slot, v.key) for v in found] == [(check.MAX_PEOPLE, "s", 2)]


@pytest.mark.parametrize(
    ("second_start", "gap", "allowed"),
    [
        (at(1, 3), 11 * 60, True),  # 16:00 -> 03:00 next day: exactly 11 h
        (at(1, 2, 30), 10 * 60 + 30, False),
        (at(0, 20), 4 * 60, False),
        (at(0, 12), 0, False),  # overlapping shifts: no rest at all
    ],
)
def test_min_rest_between_shifts(second_start, gap, allowed):
    first = slot("first", 0, 8, 8)  # 08:00-16:00
    day = second_start // 1440
    second = slot("second", day, (second_start % 1440) / 60, 4)
    problem = Problem(2, people(1), (first, second))

    found = check.violations(problem, {(0, "first"), (0, "second")})
    if allowed:
        assert found == []
    else:
        assert [(v.rule, v.person, v.slot, v.key) for v in found] == [
            (check.REST, 0, "second", gap)
        ]
    # Each shift alone is fine: the rule is about the pair.
    assert check.violations(problem, {(0, "first")}) == []
    assert check.violations(problem, {(0, "second")}) == []


@pytest.mark.parametrize(("start_h", "allowed"), [(19, True), (18.5, False)])
def test_past_work_before_day_0_counts_for_rest(start_h, allowed):
    # Yesterday's night shift 20:00-08:00 ends at 08:00 on day 0.
    past = (PastWork(0, -1, at(-1, 20), at(0, 8)),)
    problem = Problem(1, people(2), (slot("s", 0, start_h, 4),), past=past)

    found = check.violations(problem, {(0, "s")})
    assert (found == []) is allowed
    if not allowed:
        assert [(v.rule, v.person, v.slot) for v in found] == [(check.REST, 0, "s")]
    # Person 1 has no history and may take the same shift.
    assert check.violations(problem, {(1, "s")}) == []


def test_past_work_is_not_judged_against_itself():
    # Two overlapping records of history alone are not the roster's problem.
    past = (PastWork(0, -2, at(-2, 8), at(-2, 20)), PastWork(0, -2, at(-2, 19), at(-1, 1)))
    problem = Problem(1, people(1), (slot("s", 0, 8, 8),), past=past)
    assert check.violations(problem, {(0, "s")}) == []


@pytest.mark.parametrize(("late_hours", "allowed"), [(4, True), (4.5, False)])
def test_hours_per_day(late_hours, allowed):
    # 00:00-08:00 then 19:00-..: 11 h of rest between, 12 h or 12.5 h on the day.
    slots = (slot("early", 0, 0, 8), slot("late", 0, 19, late_hours))
    problem = Problem(1, people(1), slots)

    found = check.violations(problem, {(0, "early"), (0, "late")})
    if allowed:
        assert found == []
    else:
        assert [(v.rule, v.person, v.key) for v in found] == [(check.HOURS_PER_DAY, 0, 0)]
        assert found[0].detail["minutes"] == 12 * 60 + 30


def test_hours_per_day_counts_a_shift_on_the_day_it_starts():
    # 12 h night from day 0 into day 1, then 12 h on day 1 after 11 h of rest: 12 h each day.
    slots = (slot("night0", 0, 20, 12), slot("night1", 1, 19, 12))
    problem = Problem(2, people(1), slots)
    assert check.violations(problem, {(0, "night0"), (0, "night1")}) == []

    # A single 13 h shift is too long for its day.
    problem = Problem(1, people(1), (slot("long", 0, 8, 13),))
    assert rules_of(problem, {(0, "long")}) == {check.HOURS_PER_DAY}


LOOSE_WEEK = Rules(max_shifts_per_week=7, min_days_off_per_week=0)


def test_consecutive_days_six_ok_seven_refused():
    slots = tuple(slot(f"d{d}", d, 8, 8) for d in range(8))
    problem = Problem(8, people(1), slots, LOOSE_WEEK)

    six = {(0, f"d{d}") for d in range(6)}
    seven = {(0, f"d{d}") for d in range(7)}
    assert check.violations(problem, six) == []
    found = check.violations(problem, seven)
    assert [(v.rule, v.person, v.key) for v in found] == [(check.CONSECUTIVE_DAYS, 0, 6)]
    # A day off resets the run: 6 + 1 off + 1 is fine.
    assert check.violations(problem, six | {(0, "d7")}) == []
    # With the default weekly rules, 7 days in a row also leave no day off in that week.
    default = Problem(8, people(1), slots)
    assert check.CONSECUTIVE_DAYS in rules_of(default, seven)
    assert check.DAYS_OFF in rules_of(default, seven)


def test_consecutive_days_count_past_work_before_day_0():
    slots = tuple(slot(f"d{d}", d, 8, 8) for d in range(6))
    past = tuple(PastWork(0, d, at(d, 8), at(d, 16)) for d in (-2, -1))
    problem = Problem(6, people(1), slots, LOOSE_WEEK, past=past)

    # Days -2..3 are 6 in a row; adding day 4 makes 7.
    assert check.violations(problem, {(0, f"d{d}") for d in range(4)}) == []
    found = check.violations(problem, {(0, f"d{d}") for d in range(5)})
    assert [(v.rule, v.key, v.detail["run"]) for v in found] == [(check.CONSECUTIVE_DAYS, 4, 7)]


def test_shifts_per_week_in_any_seven_day_window():
    # Two 1 h shifts a day 11 h apart: 00:00-01:00 and 12:00-13:00.
    slots = tuple(slot(f"{n}{d}", d, h, 1) for d in range(14) for n, h in (("a", 0), ("b", 12)))
    problem = Problem(14, people(1), slots)

    # Days 5-6 (4 shifts) and 7-8 (2 shifts): 6 in every window.
    six = {(0, "a5"), (0, "b5"), (0, "a6"), (0, "b6"), (0, "a7"), (0, "b8")}
    assert check.violations(problem, six) == []
    # One more on day 8: 7 shifts in days 2..8 .. 5..11, though split 4 + 3 by calendar weeks.
    found = check.violations(problem, six | {(0, "a8")})
    assert {v.rule for v in found} == {check.SHIFTS_PER_WEEK}
    assert sorted(v.key for v in found) == [2, 3, 4, 5]
    assert all(v.detail["shifts"] == 7 for v in found)


def test_shifts_per_week_count_past_work():
    slots = tuple(slot(f"a{d}", d, 0, 1) for d in range(3))
    past = tuple(PastWork(0, d, at(d, 0), at(d, 1)) for d in (-4, -3, -2, -1))
    problem = Problem(3, people(1), slots, Rules(max_consecutive_days=7), past=past)

    assert check.violations(problem, {(0, "a0"), (0, "a1")}) == []
    assert rules_of(problem, {(0, "a0"), (0, "a1"), (0, "a2")}) == {
        check.SHIFTS_PER_WEEK,
        check.DAYS_OFF,
    }


def test_days_off_in_any_seven_day_window():
    rules = Rules(min_days_off_per_week=2)
    slots = tuple(slot(f"d{d}", d, 8, 4) for d in range(9))
    problem = Problem(9, people(1), slots, rules)

    five = {(0, f"d{d}") for d in (2, 3, 4, 6, 7)}
    assert check.violations(problem, five) == []
    found = check.violations(problem, five | {(0, "d8")})  # 6 days in days 2..8
    assert [(v.rule, v.key, v.detail["days"]) for v in found] == [(check.DAYS_OFF, 2, 6)]


def test_night_shift_needs_a_man():
    crew = (Person(0, "W1", woman=True), Person(1, "W2", woman=True), Person(2, "M"))
    slots = (
        slot("night", 0, 20, 8, max_people=3, not_only_women=True),
        slot("day", 1, 8, 8, max_people=3),
    )
    problem = Problem(2, crew, slots)

    found = check.violations(problem, {(0, "night"), (1, "night")})
    assert [(v.rule, v.slot) for v in found] == [(check.NOT_ONLY_WOMEN, "night")]
    assert check.violations(problem, {(0, "night"), (1, "night"), (2, "night")}) == []
    assert check.violations(problem, {(2, "night")}) == []
    assert check.violations(problem, set()) == []  # empty is short (soft), not unsafe
    assert check.violations(problem, {(0, "day"), (1, "day")}) == []  # rule not on this shift


# --- person filter -------------------------------------------------------------------------


def test_person_filter_returns_only_that_persons_problems():
    crew = (Person(0, "A"), Person(1, "B", unavailable=frozenset({1})), Person(2, "C"))
    slots = (
        slot("a", 0, 8, 8),
        slot("b", 0, 20, 4),  # 4 h after "a": too little rest
        slot("c", 1, 8, 8),
        slot("d", 1, 8, 8, max_people=1),
    )
    problem = Problem(2, crew, slots)
    roster = {(0, "a"), (0, "b"), (1, "c"), (2, "d")}

    everything = check.violations(problem, roster)
    assert {(v.rule, v.person) for v in everything} == {
        (check.REST, 0),
        (check.UNAVAILABLE, 1),
    }
    assert [(v.rule, v.person) for v in check.violations(problem, roster, person=0)] == [
        (check.REST, 0)
    ]
    assert [(v.rule, v.person) for v in check.violations(problem, roster, person=1)] == [
        (check.UNAVAILABLE, 1)
    ]
    assert check.violations(problem, roster, person=2) == []

    # A shift-level problem on a shift the person is on is theirs too.
    crowded = roster | {(0, "d")}
    mine = check.violations(problem, crowded, person=2)
    assert [(v.rule, v.slot) for v in mine] == [(check.MAX_PEOPLE, "d")]


def test_added_violations_reports_only_what_the_addition_breaks():
    crew = (Person(0, "A"), Person(1, "B"))
    slots = (slot("a", 0, 8, 8), slot("b", 0, 20, 4), slot("c", 1, 8, 8))
    problem = Problem(2, crew, slots)

    assert check.added_violations(problem, {(0, "a")}, 0, problem.slot("c")) == []
    added = check.added_violations(problem, {(0, "a")}, 0, problem.slot("b"))
    assert [(v.rule, v.person, v.slot) for v in added] == [(check.REST, 0, "b")]
    assert check.added_violations(problem, {(0, "a")}, 1, problem.slot("b")) == []


# --- soft goals ----------------------------------------------------------------------------


def test_short_counts_each_missing_person():
    problem = Problem(1, people(3), (slot("s", 0, 8, 8, min_people=2, max_people=3),))

    assert check.penalty(problem, set()).short == {"s": 2}
    assert check.penalty(problem, set()).total == 2 * W_SHORT
    assert check.penalty(problem, {(0, "s")}).short == {"s": 1}
    assert check.penalty(problem, {(0, "s"), (1, "s")}).short == {}
    assert check.penalty(problem, {(0, "s"), (1, "s"), (2, "s")}).total == 0


def test_party_member_missing_on_a_staffed_shift():
    crew = (Person(0, "A"), Person(1, "Party", party=True))
    slots = (slot("s", 0, 8, 8, max_people=2, party=True),)
    problem = Problem(1, crew, slots)

    p = check.penalty(problem, {(0, "s")})
    assert p.no_party == ["s"]
    assert p.total == W_PARTY + 16 * W_SPREAD  # and 8 h between the two people
    assert check.penalty(problem, {(0, "s"), (1, "s")}).total == 0
    # An empty shift is short, not also missing its party member.
    empty = check.penalty(problem, set())
    assert (empty.no_party, empty.total) == ([], W_SHORT)
    # A shift nobody is required on carries no party goal either.
    optional = Problem(1, crew, (slot("s", 0, 8, 8, min_people=0, party=True),))
    assert check.penalty(optional, {(0, "s")}).no_party == []
    assert check.penalty(optional, {(0, "s")}).total == 16 * W_SPREAD


def test_skills_missing_counted_per_bit():
    crew = (Person(0, "none"), Person(1, "first aid", skills=1), Person(2, "driver", skills=2))
    problem = Problem(1, crew, (slot("s", 0, 8, 8, max_people=3, skills=0b11),))

    everyone = {(0, "s"), (1, "s"), (2, "s")}  # the same hours for all: no spread
    p = check.penalty(problem, {(0, "s")})
    assert (p.missing_skills, p.total) == ({"s": 0b11}, 2 * W_SKILL + 16 * W_SPREAD)
    p = check.penalty(problem, {(0, "s"), (1, "s")})
    assert (p.missing_skills, p.total) == ({"s": 0b10}, W_SKILL + 16 * W_SPREAD)
    # Skills held by different people on the shift add up.
    assert check.penalty(problem, {(1, "s"), (2, "s")}).missing_skills == {}
    assert check.penalty(problem, everyone).total == 0
    no_driver = Problem(1, crew[:2], problem.slots)
    assert check.penalty(no_driver, {(0, "s"), (1, "s")}).total == W_SKILL


def test_requests_by_slot_and_by_day():
    slots = (slot("a0", 0, 8, 8), slot("b0", 0, 20, 8), slot("a1", 1, 8, 8))
    prefer_slot = Request(0, 0, PREFER, "a0")
    avoid_slot = Request(0, 0, AVOID, "b0", weight=25)
    prefer_day = Request(0, 1, PREFER)
    avoid_day = Request(1, 0, AVOID, weight=7)
    problem = Problem(2, people(2), slots, requests=(prefer_slot, avoid_slot, prefer_day))

    p = check.penalty(problem, {(0, "b0"), (1, "a0"), (1, "a1")})
    assert p.broken_requests == [prefer_slot, avoid_slot, prefer_day]
    assert p.total == W_REQUEST + 25 + W_REQUEST + 16 * W_SPREAD  # 8 h vs 16 h of work
    assert check.penalty(problem, {(0, "a0"), (0, "a1"), (1, "b0")}).broken_requests == []

    day_off = Problem(2, people(2), slots, requests=(avoid_day,))
    # Any shift of the day breaks a whole-day avoid; a shift on another day does not.
    assert check.penalty(day_off, {(1, "b0"), (0, "a0"), (0, "a1")}).broken_requests == [avoid_day]
    assert check.penalty(day_off, {(1, "a1"), (0, "a0"), (0, "b0")}).broken_requests == []


@pytest.mark.parametrize(
    ("minutes", "half_hours"), [(30, 1), (31, 2), (59, 2), (60, 2), (480, 16), (500, 17)]
)
def test_spread_in_half_hours_rounded_up(minutes, half_hours):
    # Optional shifts (no minimum), so the spread is the only thing the roster costs.
    slots = (slot("x", 0, 8, minutes / 60, min_people=0), slot("y", 0, 8, 8, min_people=0))
    problem = Problem(1, people(2), slots)

    p = check.penalty(problem, {(0, "x")})
    assert p.spread_half_hours == half_hours
    assert p.total == half_hours
    # The same hours for both: no spread.
    assert check.penalty(problem, set()).total == 0
    assert check.penalty(problem, {(0, "y"), (1, "y")}).total == 0


def test_spread_ignores_people_unavailable_all_horizon():
    crew = (Person(0, "A"), Person(1, "B"), Person(2, "away", unavailable=frozenset({0, 1})))
    slots = (slot("a", 0, 8, 8), slot("b", 1, 8, 8))
    problem = Problem(2, crew, slots)

    assert check.penalty(problem, {(0, "a"), (1, "b")}).spread_half_hours == 0
    assert check.penalty(problem, {(0, "a"), (0, "b")}).spread_half_hours == 32


def test_changes_count_only_in_a_replan():
    slots = (slot("a", 0, 8, 8, max_people=2), slot("b", 1, 8, 8, max_people=2))
    plan = Problem(2, people(2), slots)
    roster = {(0, "a"), (1, "b")}
    assert check.penalty(plan, roster).changes == 0

    replan = Problem(2, people(2), slots, published=frozenset(roster))
    assert check.penalty(replan, roster).changes == 0
    assert check.penalty(replan, roster).total == 0
    # Moving person 1 from b to a: one dropped and one added assignment, plus short on b.
    moved = check.penalty(replan, {(0, "a"), (1, "a")})
    assert moved.changes == 2
    assert moved.total == 2 * W_CHANGE + W_SHORT  # both work 8 h: no spread
    assert check.penalty(replan, {(0, "a")}).changes == 1


# BUG (minor) in src/shequ/duty/roster/check.py (violations, person filter): with `person=`,
# `pairs` keeps everyone on that person's shifts and the unavailability loop runs over all of
# them, so a co-worker's UNAVAILABLE is reported as this person's problem (their REST, hours,
# etc. are not). Expected to fail until the unavailability check is limited to `person`.
def test_person_filter_does_not_report_a_coworkers_unavailability():
    crew = (Person(0, "A"), Person(1, "B", unavailable=frozenset({0})))
    problem = Problem(1, crew, (slot("s", 0, 8, 8, max_people=2),))
    roster = {(0, "s"), (1, "s")}

    assert [(v.rule, v.person) for v in check.violations(problem, roster, person=1)] == [
        (check.UNAVAILABLE, 1)
    ]
    assert check.violations(problem, roster, person=0) == []  # fails: B's unavailability
