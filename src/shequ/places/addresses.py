"""Addresses people can tell apart: one short label per place, in bulk.

Every list that names a household, building, compound or gate says the compound (two
compounds both have a "3号楼"), and says more the wider the list reaches: within one
community "幸福小区 3号楼 1单元501室"; when the list spans communities the community comes
first ("东湖社区 幸福小区 3号楼 …"); at district or city level the street too
("东湖街道 东湖社区 幸福小区 …"). The grid (网格) is an administrative split nobody writes on
an envelope: it is never named.

The span is the lowest place holding every place of the list together with `within` (the
place the page is filtered to, or the roots of the viewer's scope): so a street officer sees
the community on every row, even on a page that happens to hold one community only, and a
community worker never does. One query fetches the ancestors of a whole page (from the
materialized paths), whatever its length (docs/residents.md, "Addresses you can tell apart").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

T = TypeVar("T")


class PlaceLike(Protocol):
    """A place, or a row that carries one's id, path, kind and name (a coverage row)."""

    @property
    def pk(self) -> Any: ...

    path: str
    kind: str
    name: str


# The kinds an address names below its prefix: the compound and what lies under it.
NAMED_BELOW = (PlaceKind.COMPOUND, PlaceKind.BUILDING, PlaceKind.HOUSEHOLD)
# What the prefix adds, by the kind of the span: nothing within a community; the community
# within a street; the street and community wider than that (or across cities).
PREFIX_BY_SPAN: dict[str | None, tuple[str, ...]] = {
    PlaceKind.STREET: (PlaceKind.COMMUNITY,),
    PlaceKind.DISTRICT: (PlaceKind.STREET, PlaceKind.COMMUNITY),
    PlaceKind.CITY: (PlaceKind.STREET, PlaceKind.COMMUNITY),
    None: (PlaceKind.STREET, PlaceKind.COMMUNITY),
}


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _common(paths: Sequence[list[int]]) -> list[int]:
    """The ids the paths share from the root: the path of their lowest common place."""
    if not paths:
        return []
    first = paths[0]
    length = min(len(p) for p in paths)
    n = 0
    while n < length and all(p[n] == first[n] for p in paths):
        n += 1
    return first[:n]


def scope_paths(user: User | AnonymousUser, capability: str | None = None) -> tuple[str, ...]:
    """The roots of the user's scope, as `within` for a list that is not filtered to a place."""
    return scope_for(user, capability or Capability.VIEW_PLACES).paths


def address_labels(
    places: Iterable[PlaceLike | None], *, within: Iterable[str | Place | None] = ()
) -> dict[int, str]:
    """{place id: label} for `places` (any kinds), seen from the span of the places and
    `within` (paths or places). One query, for the ancestors of all of them."""
    items = {p.pk: p for p in places if p is not None and p.path}
    if not items:
        return {}
    extra = [w if isinstance(w, str) else w.path for w in within if w]
    paths = {pk: _ids(p.path) for pk, p in items.items()}
    span = _common([*paths.values(), *(_ids(path) for path in extra if path)])
    # The places themselves are in hand: only their ancestors are fetched.
    known = {pk: (p.kind, p.name) for pk, p in items.items()}
    wanted = ({i for ids in paths.values() for i in ids[:-1]} | set(span[-1:])) - known.keys()
    if wanted:
        rows = Place.objects.filter(pk__in=wanted).values_list("id", "kind", "name")
        known.update({pk: (kind, name) for pk, kind, name in rows})
    span_kind = known[span[-1]][0] if span and span[-1] in known else None
    prefix = PREFIX_BY_SPAN.get(span_kind, ())
    shown = (*prefix, *NAMED_BELOW)
    labels: dict[int, str] = {}
    for pk, ids in paths.items():
        parts = []
        for i in ids:
            kind, name = known.get(i, ("", ""))
            # The place itself is always named (a community on a street's board).
            if kind in shown or i == pk:
                parts.append(name)
        labels[pk] = " ".join(parts)
    return labels


def attach_addresses(
    rows: Iterable[T],
    place_of: Callable[[T], PlaceLike | None],
    *,
    within: Iterable[str | Place | None] = (),
    attr: str = "address",
) -> list[T]:
    """Set `row.<attr>` to the label of `place_of(row)` on every row (one query for all)."""
    rows = list(rows)
    labels = address_labels((place_of(r) for r in rows), within=within)
    for row in rows:
        place = place_of(row)
        setattr(row, attr, labels.get(place.pk, "") if place is not None else "")
    return rows
