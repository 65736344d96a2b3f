"""Synthetic instances in the Curtois & Qu text format, for behaviour on unseen large instances.

    .venv/bin/python -m tests.duty.synthetic_curtois --staff 150 --days 364 --shifts 32 > x.txt

The published Instances 13-24 (up to 150 staff, 364 days, 32 shift types) are not stored in
this project, so this generator writes instances shaped like them (after Instance24's published
structure): shifts of 480/600/720 minutes starting between 06:00 and 22:00, forbidden
successions from a minimum rest of 14 hours between shifts, each person allowed about two
thirds of the shift types with per-type maxima, a narrow total-minutes window, runs of 2-6
shifts and of at least 2-3 days off, a weekend limit, a few fixed days off, on/off requests in
short blocks and cover for every day and shift type (under 100, over 1).

Every instance is feasible by construction: a hidden ("planted") roster that keeps every hard
rule is drawn first, and each person's limits are set so that it fits them. Cover is the
planted count with noise, so the best penalty is unknown but the requests and cover pull
against each other as in the real instances.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass

__all__ = ["generate", "generate_with_planted"]

_FAMILIES = (  # (letter, start minute) in Instance24's spirit: early, day, split, late, night
    ("a", 6 * 60),
    ("a", 8 * 60),
    ("d", 9 * 60),
    ("s", 10 * 60),
    ("p", 12 * 60),
    ("p", 14 * 60),
    ("n", 20 * 60),
    ("n", 22 * 60),
)
_LENGTHS = (480, 600, 720)
_MIN_REST = 14 * 60


@dataclass(frozen=True)
class _Shift:
    id: str
    start: int
    length: int

    def may_follow(self, previous: _Shift) -> bool:
        """True when at least `_MIN_REST` minutes separate `previous` (day d) and self (d+1)."""
        return 24 * 60 + self.start - (previous.start + previous.length) >= _MIN_REST


def _shifts(count: int, rng: random.Random) -> list[_Shift]:
    out: list[_Shift] = []
    numbers: dict[str, int] = {}
    for i in range(count):
        letter, start = _FAMILIES[i % len(_FAMILIES)]
        numbers[letter] = numbers.get(letter, 0) + 1
        length = _LENGTHS[0] if count == 1 else rng.choice(_LENGTHS)
        out.append(_Shift(f"{letter}{numbers[letter]}", start, length))
    return out


def _line(
    days: int,
    allowed: list[_Shift],
    max_run: int,
    min_run: int,
    min_off: int,
    rng: random.Random,
) -> list[_Shift | None]:
    """One planted line: alternating runs of shifts and days off that keep the run limits.

    A run starts on a shift that may follow itself and changes shift only to one that may
    follow the day before, so forbidden successions never occur.
    """
    selfish = [s for s in allowed if s.may_follow(s)]
    line: list[_Shift | None] = []
    working = rng.random() < 0.6
    while len(line) < days:
        if working:
            length = rng.randint(min_run, max_run)
            shift = rng.choice(selfish)
            for _ in range(length):
                if rng.random() < 0.25:
                    options = [s for s in selfish if s.may_follow(shift)]
                    shift = rng.choice(options or [shift])
                line.append(shift)
        else:
            line.extend([None] * rng.randint(min_off, min_off + 2))
        working = not working
    return line[:days]


def generate(**kwargs: float) -> str:
    """Return the text of a feasible synthetic instance (same format as Instance1..24.txt)."""
    return generate_with_planted(**kwargs)[0]


def generate_with_planted(
    *,
    staff: int = 150,
    days: int = 364,
    shifts: int = 32,
    seed: int = 1,
    allowed_share: float = 0.67,
    days_off_per_fortnight: float = 1.0,
    on_request_share: float = 0.17,
    off_request_share: float = 0.08,
) -> tuple[str, dict[str, list[str]]]:
    """The instance text and the planted roster (staff id -> shift id or "" per day) it fits."""
    if days % 7 or days <= 0 or staff <= 0 or shifts <= 0:
        raise ValueError("days must be a positive multiple of 7; staff and shifts positive")
    rng = random.Random(seed)
    types = _shifts(shifts, rng)
    rows_staff, rows_off, rows_on, rows_req_off = [], [], [], []
    planted: list[list[_Shift | None]] = []

    for e in range(staff):
        sid = f"S{e}"
        count = max(1, round(allowed_share * shifts))
        allowed = rng.sample(types, count)
        if not any(s.may_follow(s) for s in allowed):
            allowed.append(next(s for s in types if s.may_follow(s)))
        max_run = rng.choice((5, 5, 6))
        min_run = rng.choice((2, 2, 3))
        min_off = rng.choice((2, 2, 3))
        line = _line(days, allowed, max_run, min_run, min_off, rng)
        planted.append(line)

        minutes = sum(s.length for s in line if s)
        # A window of 480-960 minutes around the planted total (Instance24: 111600-112320).
        slack_low = rng.choice((0, 240, 480))
        slack_high = rng.choice((480, 720, 960)) - slack_low
        weekends = sum(1 for w in range(days // 7) if line[7 * w + 5] or line[7 * w + 6])
        counts = {s.id: 0 for s in types}
        for s in line:
            if s:
                counts[s.id] += 1
        allowed_ids = {s.id for s in allowed}
        limits = []
        for s in types:
            if s.id not in allowed_ids:
                limits.append(f"{s.id}=0")
            elif rng.random() < 0.5:  # a per-type limit, as "Max 39 a4 shifts" in the real data
                limits.append(f"{s.id}={max(counts[s.id], round(days * rng.uniform(0.08, 0.4)))}")
            else:
                limits.append(f"{s.id}={days}")
        rows_staff.append(
            f"{sid},{'|'.join(limits)},{minutes + slack_high},{max(0, minutes - slack_low)},"
            f"{max_run},{min_run},{min_off},{weekends + rng.choice((0, 0, 1))}"
        )

        free = [d for d in range(days) if line[d] is None]
        wanted = min(len(free), round(days / 14 * days_off_per_fortnight))
        if wanted:
            rows_off.append(f"{sid}," + ",".join(str(d) for d in sorted(rng.sample(free, wanted))))

        for share, rows, honour in (
            (on_request_share, rows_on, True),
            (off_request_share, rows_req_off, False),
        ):
            left = round(share * days)
            while left > 0:
                block = min(left, rng.randint(1, 5))
                first = rng.randrange(days - block + 1)
                planted_shift = line[first]
                if honour and planted_shift is not None and rng.random() < 0.6:
                    shift_id = planted_shift.id
                else:
                    shift_id = rng.choice(allowed).id
                weight = rng.randint(1, 3)
                rows.extend(f"{sid},{d},{shift_id},{weight}" for d in range(first, first + block))
                left -= block

    rows_cover = []
    for d in range(days):
        for s in types:
            need = sum(1 for line in planted if line[d] is s)
            need = max(0, need + rng.choice((-1, 0, 0, 0, 1)))
            rows_cover.append(f"{d},{s.id},{need},100,1")

    shift_rows = []
    for s in types:
        forbidden = [t.id for t in types if not t.may_follow(s)]
        shift_rows.append(f"{s.id},{s.length},{'|'.join(forbidden)}")

    parts = [
        f"# Synthetic Curtois-format instance: {staff} staff, {days} days, {shifts} shift types,",
        f"# seed {seed} (tests/duty/synthetic_curtois.py). Feasible by construction.",
        "SECTION_HORIZON",
        str(days),
        "",
        "SECTION_SHIFTS",
        *shift_rows,
        "",
        "SECTION_STAFF",
        *rows_staff,
        "",
        "SECTION_DAYS_OFF",
        *rows_off,
        "",
        "SECTION_SHIFT_ON_REQUESTS",
        *rows_on,
        "",
        "SECTION_SHIFT_OFF_REQUESTS",
        *rows_req_off,
        "",
        "SECTION_COVER",
        *rows_cover,
        "",
    ]
    roster = {f"S{e}": [s.id if s else "" for s in line] for e, line in enumerate(planted)}
    return "\n".join(parts), roster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=150)
    parser.add_argument("--days", type=int, default=364)
    parser.add_argument("--shifts", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--allowed-share", type=float, default=0.67)
    args = parser.parse_args(argv)
    sys.stdout.write(
        generate(
            staff=args.staff,
            days=args.days,
            shifts=args.shifts,
            seed=args.seed,
            allowed_share=args.allowed_share,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
