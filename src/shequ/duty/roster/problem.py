"""A community roster problem as plain data: who, which shifts, which rules.

Both the CP-SAT model (`model.py`) and the independent rule checker (`check.py`) read this and
nothing else; neither imports the other. Times are minutes from 00:00 (city time) of the first
day of the horizon, so a night shift from 22:00 to 06:00 on day 2 is `start=2*1440+1320`,
`end=start+480`. A person's work on a day is every shift that *starts* on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DAY = 1440

# Weights of the soft goals, in points. Cover dominates everything; a re-plan prefers keeping
# a published assignment to honouring a request; fairness counts each half-hour of spread.
W_SHORT = 1000  # each person missing below a shift's minimum
W_PARTY = 300  # a staffed shift that needs a party member and has none
W_SKILL = 300  # each required skill that nobody on a staffed shift holds
W_CHANGE = 100  # each published assignment dropped or new one added in a re-plan
W_REQUEST = 10  # default weight of a prefer / avoid request
W_SPREAD = 1  # each half-hour between the most and the least worked person

PREFER, AVOID = "prefer", "avoid"


@dataclass(frozen=True)
class Rules:
    """Per-community hard limits (defaults are the issue's)."""

    max_minutes_per_day: int = 12 * 60
    min_rest_minutes: int = 11 * 60
    max_consecutive_days: int = 6
    max_shifts_per_week: int = 6  # in any 7 consecutive days
    min_days_off_per_week: int = 1  # in any 7 consecutive days


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    woman: bool = False
    party: bool = False
    skills: int = 0
    unavailable: frozenset[int] = frozenset()  # day indices the person cannot work at all
    group: str = ""  # the community the person is enlisted in (a street roster's part)


@dataclass(frozen=True)
class Slot:
    """One shift of one post on one day: what it needs."""

    id: str
    post: str
    shift: str
    day: int
    start: int
    end: int
    min_people: int = 1
    max_people: int = 1
    party: bool = False  # at least one party member (党员先锋岗)
    skills: int = 0  # every bit here held by at least one person on the shift
    not_only_women: bool = False  # a staffed shift has at least one man (night safety rule)
    group: str = ""  # the community of the slot's post (a street roster's part)

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Request:
    """A person's wish: `prefer` or `avoid` a slot (or any slot of a day when `slot` is None)."""

    person: int
    day: int
    kind: str
    slot: str | None = None
    weight: int = W_REQUEST


@dataclass(frozen=True)
class PastWork:
    """Work already done or fixed outside the horizon (before day 0): counts for rest and runs."""

    person: int
    day: int  # negative: before the horizon
    start: int
    end: int


@dataclass(frozen=True)
class Problem:
    days: int
    people: tuple[Person, ...]
    slots: tuple[Slot, ...]
    rules: Rules = Rules()
    requests: tuple[Request, ...] = ()
    past: tuple[PastWork, ...] = ()
    # Re-plan: assignments already published (kept unless they must change) ...
    published: frozenset[tuple[int, str]] = frozenset()
    # ... and slots that may not change at all (already started): slot id -> people on it.
    frozen: dict[str, frozenset[int]] = field(default_factory=dict)

    def slot(self, slot_id: str) -> Slot:
        return self._slots[slot_id]

    def person(self, person_id: int) -> Person:
        return self._people[person_id]

    def knows(self, person_id: int, slot_id: str) -> bool:
        """Whether both the person and the slot are in the problem."""
        return person_id in self._people and slot_id in self._slots

    def __post_init__(self) -> None:
        object.__setattr__(self, "_slots", {s.id: s for s in self.slots})
        object.__setattr__(self, "_people", {p.id: p for p in self.people})


Assignment = frozenset[tuple[int, str]]  # (person id, slot id) pairs
