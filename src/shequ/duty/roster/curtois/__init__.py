"""The Curtois & Qu nurse-rostering benchmark: instances, an independent evaluator, a solver.

T. Curtois and R. Qu, "Computational results on new staff scheduling benchmark instances",
2014 (schedulingbenchmarks.org): the published instances are how the roster solver is checked
against the literature (`shequ roster bench`, bench/roster_curtois.py). The modules, each
importing only those listed before it:

* `instance`: the instance format, its parser, and the published best-known values;
* `evaluator`: `evaluate` re-checks any roster from the instance alone;
* `rules`: one person's hard rules in the solver's index form, and their run-state tables;
* `model`: the CP-SAT model (objective = the evaluator's penalty), of a whole instance or one
  person;
* `construction`: a roster built one person at a time, and one-person re-plans;
* `search`: neighbourhood search, re-planning a few people with CP-SAT, the others fixed;
* `solver`: `solve`, which chains them within a time limit.

The solver's names (`solve`, `Solution`, `build_model`) are imported on first use, so parsing
and re-checking a roster load no solver code, OR-Tools or numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from shequ.duty.roster.curtois.evaluator import Evaluation, evaluate
from shequ.duty.roster.curtois.instance import (
    OFF,
    Cover,
    Instance,
    Request,
    Shift,
    Staff,
    load_best_known,
    parse_instance,
)

if TYPE_CHECKING:
    from shequ.duty.roster.curtois.model import build_model
    from shequ.duty.roster.curtois.solver import Solution, solve

__all__ = [
    "OFF",
    "Cover",
    "Evaluation",
    "Instance",
    "Request",
    "Shift",
    "Solution",
    "Staff",
    "build_model",
    "evaluate",
    "load_best_known",
    "parse_instance",
    "solve",
]

_SOLVER_NAMES = {"Solution": "solver", "solve": "solver", "build_model": "model"}


def __getattr__(name: str) -> object:
    """The solver's names, imported from their module on first use (PEP 562)."""
    if name in _SOLVER_NAMES:
        module = importlib.import_module(f"{__name__}.{_SOLVER_NAMES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
