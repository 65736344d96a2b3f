"""Curtois & Qu parser and independent evaluator (no solver involved anywhere here)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shequ
from shequ.duty.roster.curtois import evaluate, load_best_known, parse_instance
from tests.duty.benchdata import bench_path, missing_message

# (days, staff, shift types) from the published instance table.
PUBLISHED = {
    1: (14, 8, 1),
    2: (14, 14, 2),
    3: (14, 20, 3),
    4: (28, 10, 2),
    5: (28, 16, 2),
    6: (28, 18, 3),
    7: (28, 20, 3),
    8: (28, 30, 4),
    9: (28, 36, 4),
    10: (28, 40, 5),
    11: (28, 50, 6),
    12: (28, 60, 10),
}


@pytest.fixture(scope="module")
def instance1_path() -> Path:
    return bench_path("instances", "Instance1.txt")


@pytest.fixture(scope="module")
def instance1(instance1_path):
    return parse_instance(instance1_path)


@pytest.mark.parametrize("number", sorted(PUBLISHED))
def test_parse_counts_match_published_table(number):
    inst = parse_instance(bench_path("instances", f"Instance{number}.txt"))
    assert (inst.horizon, len(inst.staff), len(inst.shifts)) == PUBLISHED[number]
    assert len(inst.cover) == inst.horizon * len(inst.shifts)
    for person in inst.staff:
        assert set(person.max_shifts) == {s.id for s in inst.shifts}


def test_best_known_csv_agrees_with_parsed_counts():
    best = load_best_known(bench_path("best_known.csv"))
    assert best["Instance1"]["best_known_upper_bound"] == 607
    assert best["Instance1"]["proven_optimal"] is True
    for number, counts in PUBLISHED.items():
        row = best[f"Instance{number}"]
        assert (row["days"], row["staff"], row["shift_types"]) == counts


def test_instance1_details(instance1):
    d = instance1.shift_by_id["D"]
    assert (d.length, d.forbidden_successors) == (480, frozenset())
    a = instance1.staff_by_id["A"]
    assert a.max_shifts == {"D": 14}
    assert (a.max_total_minutes, a.min_total_minutes) == (4320, 3360)
    assert (a.max_consecutive_shifts, a.min_consecutive_shifts) == (5, 2)
    assert (a.min_consecutive_days_off, a.max_weekends) == (2, 1)
    assert instance1.days_off["B"] == frozenset({5})
    assert len(instance1.on_requests) == 21
    assert len(instance1.off_requests) == 5


def test_parse_accepts_crlf_text_and_rejects_unknown_ids():
    text = tiny().replace("\n", "\r\n")
    assert parse_instance(text).horizon == 14
    with pytest.raises(ValueError, match="unknown staff"):
        parse_instance(tiny(on="Z,0,D,1"))
    with pytest.raises(ValueError, match="unknown shift"):
        parse_instance(tiny(on="A,0,X,1"))


def test_empty_roster_on_instance1(instance1):
    result = evaluate(instance1, {s.id: [""] * 14 for s in instance1.staff})
    # Every person has MinTotalMinutes 3360, so all-off is infeasible for each of them.
    assert not result.feasible
    assert result.violations == [f"staff {s}: 0 total minutes < min 3360" for s in "ABCDEFGH"]
    # Under-cover: (5+7+6+4+5+5+5+6+7+4+2+5+6+4) x 100; on-requests: A 4, B 15, C 5, D 4,
    # F 4, H 5 (all unmet); off-requests all honoured.
    assert result.breakdown == {
        "shift_on_requests": 37,
        "shift_off_requests": 0,
        "cover_under": 7100,
        "cover_over": 0,
    }
    assert result.penalty == 7137


# --------------------------------------------------------------------------- tiny instances


def tiny(
    *,
    max_shifts: str = "D=14|N=14",
    max_total: int = 10000,
    min_total: int = 0,
    max_cons: int = 14,
    min_cons: int = 1,
    min_off: int = 1,
    max_weekends: int = 2,
    days_off: str = "",
    on: str = "",
    off: str = "",
    cover: str = "",
) -> str:
    """Two-week, one-person instance whose limits are loose unless a test tightens one."""
    return f"""# tiny
SECTION_HORIZON
14

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,{max_shifts},{max_total},{min_total},{max_cons},{min_cons},{min_off},{max_weekends}

SECTION_DAYS_OFF
{days_off}

SECTION_SHIFT_ON_REQUESTS
{on}

SECTION_SHIFT_OFF_REQUESTS
{off}

SECTION_COVER
{cover}
"""


def line(spec: str) -> list[str]:
    """'DN.' -> ['D', 'N', '']: one character per day, '.' for a day off, padded to 14."""
    days = ["" if c == "." else c for c in spec]
    return days + [""] * (14 - len(days))


def violations(text: str, spec: str) -> list[str]:
    return evaluate(parse_instance(text), {"A": line(spec)}).violations


def test_loose_tiny_instance_is_feasible():
    result = evaluate(parse_instance(tiny()), {"A": line("DDDDDDDNNNNNNN")})
    assert result.feasible
    assert result.penalty == 0


@pytest.mark.parametrize(
    ("kwargs", "spec", "expected"),
    [
        ({}, "ND", "staff A: shift D on day 1 may not follow shift N on day 0"),
        ({"max_shifts": "D=14|N=1"}, "N.N", "staff A: 2 shifts of type N > max 1"),
        ({"max_total": 1000}, "DDD", "staff A: 1440 total minutes > max 1000"),
        ({"min_total": 960}, "D", "staff A: 480 total minutes < min 960"),
        ({"max_cons": 2}, "..DDD", "staff A: 3 consecutive shifts ending day 4 > max 2"),
        ({"min_cons": 2}, "..D", "staff A: 1 consecutive shifts ending day 2 < min 2"),
        ({"min_off": 2}, "D.D", "staff A: 1 consecutive days off ending day 1 < min 2"),
        ({"max_weekends": 1}, ".....D......D", "staff A: 2 weekends worked (weeks 1, 2) > max 1"),
        ({"days_off": "A,3,9"}, "...D", "staff A: shift D on day 3, which is a day off"),
    ],
)
def test_each_hard_rule_is_named_exactly_once(kwargs, spec, expected):
    assert violations(tiny(**kwargs), spec) == [expected]


def test_sunday_alone_makes_a_weekend_worked():
    assert len(violations(tiny(max_weekends=0), "......D")) == 1


def test_horizon_edges_follow_the_official_conventions():
    # Runs touching day 0 or day 13 continue "infinitely" outside the horizon.
    assert violations(tiny(min_cons=3), "D............D") == []
    assert violations(tiny(min_off=3), ".DDDDDDDDDDDD.") == []
    # Max consecutive counts runs at the edges (outside days are days off).
    assert violations(tiny(max_cons=2), "DDD") == [
        "staff A: 3 consecutive shifts ending day 2 > max 2"
    ]
    # Shift rotation is never checked across the horizon edge.
    assert violations(tiny(), "N") == []


def test_malformed_roster_is_never_feasible():
    inst = parse_instance(tiny())
    assert evaluate(inst, {}).violations == ["staff A: missing from the roster"]
    assert evaluate(inst, {"A": line("D")[:13]}).violations == [
        "staff A: roster has 13 days, horizon is 14"
    ]
    assert evaluate(inst, {"A": line("X")}).violations == ["staff A: unknown shift 'X' on day 0"]
    assert evaluate(inst, {"A": line(""), "Q": line("")}).violations == [
        "staff Q: not in the instance"
    ]


def test_soft_terms_on_tiny_instance():
    text = tiny(on="A,0,D,3\nA,1,N,5", off="A,2,D,7", cover="0,D,2,100,1\n1,D,0,100,4")
    result = evaluate(parse_instance(text), {"A": line("DDD")})
    # on: day 0 met, day 1 missed (5); off: day 2 violated (7); cover: day 0 short 1 (100),
    # day 1 over by 1 (4).
    assert result.breakdown == {
        "shift_on_requests": 5,
        "shift_off_requests": 7,
        "cover_under": 100,
        "cover_over": 4,
    }
    assert result.penalty == 116
    assert result.feasible


# --------------------------------------------------------------------------- property


def _reference_soft_penalty(path: Path, roster: dict[str, list[str]]) -> int:
    """Straightforward recomputation straight from the raw file, sharing no code with evaluate."""
    section = ""
    total = 0
    assigned = {(sid, d, s) for sid, days in roster.items() for d, s in enumerate(days) if s}
    counts = Counter((d, s) for (_, d, s) in assigned)
    for raw in path.read_text().splitlines():
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("SECTION_"):
            section = text
            continue
        f = text.split(",")
        if section == "SECTION_SHIFT_ON_REQUESTS":
            total += int(f[3]) * ((f[0], int(f[1]), f[2]) not in assigned)
        elif section == "SECTION_SHIFT_OFF_REQUESTS":
            total += int(f[3]) * ((f[0], int(f[1]), f[2]) in assigned)
        elif section == "SECTION_COVER":
            x, req = counts[(int(f[0]), f[1])], int(f[2])
            total += (req - x) * int(f[3]) if x < req else (x - req) * int(f[4])
    return total


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries(
        {sid: st.lists(st.sampled_from(["", "D"]), min_size=14, max_size=14) for sid in "ABCDEFGH"}
    )
)
def test_random_rosters_penalty_matches_reference(instance1_path, instance1, roster):
    result = evaluate(instance1, roster)
    assert result.penalty == _reference_soft_penalty(instance1_path, roster)
    assert result.feasible == (result.violations == [])


# Not a published roster (none could be found): produced once by an offline CP-SAT run whose
# proven optimum, 607, equals the published optimum for Instance1. Pinned so that the evaluator
# keeps accepting it and scoring it exactly at the published value.
OPTIMAL_607 = {
    "A": ".DDDD..DD..DDD",
    "B": "DDDDD..DD..DD.",
    "C": "DDD..DD..DDD..",
    "D": "DD...DDDDD....",
    "E": ".DDDD..DD..DDD",
    "F": "DDD....DDD..DD",
    "G": "..DDD..DD...DD",
    "H": "DD..DD..DDDD..",
}


def test_roster_at_published_optimum_scores_607(instance1):
    result = evaluate(instance1, {sid: line(spec) for sid, spec in OPTIMAL_607.items()})
    assert result.violations == []
    assert result.feasible
    assert result.penalty == 607


# --------------------------------------------------------------------------- benchmark data


def test_missing_benchmark_data_skips_saying_where_and_fails_under_ci(tmp_path, monkeypatch):
    absent = tmp_path / "shared" / "benchdata" / "shift_scheduling" / "instances"
    expected = f"benchmark instances not found at {absent}: clone beside ../shared"
    assert missing_message(absent).startswith(expected)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="benchmark instances not found"):
        bench_path("best_known.csv", instances=absent)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI requires them"):
        bench_path("best_known.csv", instances=absent)
    absent.mkdir(parents=True)
    assert missing_message(absent) is None
    assert bench_path("best_known.csv", instances=absent) == absent.parent / "best_known.csv"


def test_parsing_and_evaluating_load_no_solver_code():
    # The evaluator shares no code with the solver: re-checking a roster imports neither the
    # solver's modules nor OR-Tools, in a fresh interpreter.
    code = (
        "import sys\n"
        "from shequ.duty.roster.curtois import evaluate, parse_instance\n"
        "loaded = [m for m in sys.modules if m.startswith(('ortools', 'numpy'))\n"
        "          or m.rsplit('.', 1)[-1] in ('model', 'construction', 'search', 'solver')]\n"
        "print(','.join(sorted(loaded)))\n"
        "from shequ.duty.roster.curtois import solve\n"
        "print(solve.__module__)\n"
    )
    src = str(Path(shequ.__file__).resolve().parents[1])
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": src},
    )  # fmt: skip
    assert done.stdout.splitlines() == ["", "shequ.duty.roster.curtois.solver"]
