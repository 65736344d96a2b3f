"""The walking order of a building's doors: unit, then floor (read from the room number),
then room — for every room number a building may have."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shequ.outreach.services import walking_keys
from shequ.places.households import household_name
from shequ.places.models import Place, PlaceKind


def _household(unit: str, floor: int, flat: int) -> Place:
    return Place(
        kind=PlaceKind.HOUSEHOLD, unit=unit, name=household_name(unit, f"{floor}{flat:02d}")
    )


@given(
    st.lists(
        st.tuples(st.sampled_from(["", "1", "2"]), st.integers(1, 40), st.integers(1, 12)),
        min_size=1,
        max_size=30,
        unique=True,
    )
)
def test_doors_sort_by_unit_then_floor_then_flat(doors):
    keys = [(walking_keys(_household(*d)), d) for d in doors]
    walked = [d for _k, d in sorted(keys)]
    assert walked == sorted(doors)
    for key, (unit, floor, _flat) in keys:
        assert key[0] == unit
        assert key[1] == floor


def test_a_room_without_a_number_is_floor_zero():
    assert walking_keys(Place(kind=PlaceKind.HOUSEHOLD, unit="", name="门卫室"))[1] == 0
