"""Where a resident lives, picked rather than typed: compound → building → unit → flat.

The choices at each step are the places the user may register residents in (EDIT_RESIDENTS):
the compounds of their scope (or above it, for a role bound to one building), the buildings
of the chosen compound, the units of the chosen building's flats, and its flats (of the chosen
unit, if any). A unit is an attribute of a flat, not a level of the tree (places/households.py):
choosing one only narrows the flats. The form works without JavaScript (a "show" button sends
the form back with every value kept); shequ.js refreshes the lists from `address_choices` as
JSON when it can. docs/residents.md, "Registering a resident".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.addresses import address_labels
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

COMPOUNDS_MAX = 2000
FLATS_MAX = 2000
LEVELS = ("compound", "building", "unit", "household")


@dataclass(frozen=True)
class AddressChoices:
    """The options of each step; `picked` holds the values that are still valid."""

    compound: list[tuple[str, str]] = field(default_factory=list)
    building: list[tuple[str, str]] = field(default_factory=list)
    unit: list[tuple[str, str]] = field(default_factory=list)
    household: list[tuple[str, str]] = field(default_factory=list)
    picked: dict[str, str] = field(default_factory=dict)


def _ids(path: str) -> set[int]:
    return {int(part) for part in path.strip("/").split("/") if part}


def _in_reach(user: User | AnonymousUser) -> tuple[Q, set[int]]:
    """A filter for places in the user's scope, and the ids of the places above its roots
    (a building captain's compound is not in their scope but is on their way)."""
    scope = scope_for(user, Capability.EDIT_RESIDENTS)
    above = set().union(*(_ids(path) for path in scope.paths)) if scope.paths else set()
    return scope.q(), above


def address_choices(
    user: User | AnonymousUser, *, compound: str = "", building: str = "", unit: str = ""
) -> AddressChoices:
    """The options of each step for what is picked so far (values as a form sends them)."""
    in_scope, above = _in_reach(user)
    reach = in_scope | Q(pk__in=above)
    compounds = list(
        Place.objects.filter(reach, kind=PlaceKind.COMPOUND).order_by("path")[:COMPOUNDS_MAX]
    )
    labels = address_labels(compounds, within=scope_for(user, Capability.EDIT_RESIDENTS).paths)
    picked: dict[str, str] = {}
    result: dict[str, list[tuple[str, str]]] = {
        "compound": [(str(c.pk), labels[c.pk]) for c in compounds]
    }
    if compound in {value for value, _label in result["compound"]}:
        picked["compound"] = compound
        buildings = Place.objects.filter(
            reach, kind=PlaceKind.BUILDING, parent_id=int(compound)
        ).order_by("path")
        result["building"] = [(str(b.pk), b.name) for b in buildings]
    if building and building in {value for value, _label in result.get("building", [])}:
        picked["building"] = building
        flats = list(
            Place.objects.filter(in_scope, kind=PlaceKind.HOUSEHOLD, parent_id=int(building))
            .only("pk", "name", "unit", "path")
            .order_by("unit", "name")[:FLATS_MAX]
        )
        units = sorted({f.unit for f in flats if f.unit}, key=lambda u: (len(u), u))
        result["unit"] = [(u, u) for u in units]
        if unit in units:
            picked["unit"] = unit
            flats = [f for f in flats if f.unit == unit]
        result["household"] = [(str(f.pk), f.name) for f in flats]
    return AddressChoices(**result, picked=picked)


def picked_of(household: Place) -> dict[str, str]:
    """The steps that lead to a flat (for a form's initial values), from its path alone:
    the tree is strict, so its building and compound are the last two places above it."""
    above = household.ancestor_ids()
    if household.kind != PlaceKind.HOUSEHOLD or len(above) < 2:
        return {}
    return {
        "compound": str(above[-2]),
        "building": str(above[-1]),
        "unit": household.unit,
        "household": str(household.pk),
    }


def registrable_household(user: User | AnonymousUser, pk: str) -> Place | None:
    """The flat with id `pk` if the user may register residents there (else None)."""
    if not str(pk).isdigit():
        return None
    scope = scope_for(user, Capability.EDIT_RESIDENTS)
    return (
        Place.objects.filter(scope.q(), kind=PlaceKind.HOUSEHOLD, pk=int(pk))
        .select_related("parent__parent")
        .first()
    )
