"""The demo city's place tree: deterministic for a seed, modelled on the articles' cities."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shequ.places import services
from shequ.places.households import household_code, household_name
from shequ.places.models import Place, PlaceKind, ZoneLevel

if TYPE_CHECKING:
    from shequ.core.models import User

CITY_CODE = "990100"
DISTRICTS = ["河东区", "河西区"]
STREETS = ["东岗街道", "雁园街道", "拱星墩街道", "西湖街道", "土门墩街道", "秀川街道"]
COMMUNITY_WORDS = ["和平", "幸福", "光明", "团结", "建设", "新华", "红星", "兴隆", "东方", "阳光"]
COMPOUND_WORDS = ["家属院", "小区", "花园", "公寓", "新村", "庭院"]


@dataclass
class DemoCity:
    city: Place
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def build_demo_city(*, seed: int) -> DemoCity:
    """2 districts, 6 streets, 24 communities, grids, compounds (some with no property
    management), buildings and households. Returns the existing city if already built."""
    existing = Place.objects.filter(code=CITY_CODE).first()
    if existing is not None:
        return DemoCity(city=existing, created=False)
    rng = random.Random(seed)
    city = services.place_create(actor=None, kind=PlaceKind.CITY, code=CITY_CODE, name="示范市")

    districts = services.places_insert(
        [
            Place(kind=PlaceKind.DISTRICT, parent=city, depth=1, code=f"9901{i + 2:02d}", name=n)
            for i, n in enumerate(DISTRICTS)
        ]
    )
    streets = services.places_insert(
        [
            Place(
                kind=PlaceKind.STREET,
                parent=districts[i // 3],
                depth=2,
                code=f"{districts[i // 3].code}{i % 3 + 1:03d}",
                name=name,
            )
            for i, name in enumerate(STREETS)
        ]
    )
    words = COMMUNITY_WORDS[:]
    communities: list[Place] = []
    for street in streets:
        rng.shuffle(words)
        communities += [
            Place(
                kind=PlaceKind.COMMUNITY,
                parent=street,
                depth=3,
                code=f"{street.code}{j + 1:03d}",
                name=f"{words[j]}社区",
            )
            for j in range(4)
        ]
    communities = services.places_insert(communities)
    grids = services.places_insert(
        [
            Place(
                kind=PlaceKind.GRID,
                parent=c,
                depth=4,
                code=f"{c.code}-G{g + 1}",
                name=f"{c.name}第{g + 1}网格",
            )
            for c in communities
            for g in range(2)
        ]
    )
    compounds: list[Place] = []
    for grid in grids:
        for k in range(3):
            word = rng.choice(COMPOUND_WORDS)
            compounds.append(
                Place(
                    kind=PlaceKind.COMPOUND,
                    parent=grid,
                    depth=5,
                    code=f"{grid.code}-C{k + 1}",
                    name=f"{grid.parent.name.removesuffix('社区')}{k + 1}号{word}",
                    # Old staff compounds without a management company: about one in four.
                    no_property_management=(word in ("家属院", "庭院")) or rng.random() < 0.15,
                )
            )
    compounds = services.places_insert(compounds)
    buildings = services.places_insert(
        [
            Place(
                kind=PlaceKind.BUILDING,
                parent=compound,
                depth=6,
                code=f"{compound.code}-B{b + 1}",
                name=f"{b + 1}号楼",
            )
            for compound in compounds
            for b in range(rng.randint(2, 5))
        ]
    )
    households: list[Place] = []
    for building in buildings:
        floors = rng.randint(3, 6)
        # 1 to 6 units (单元), two flats a floor in each; a one-unit building numbers no units.
        units = rng.choices(range(1, 7), weights=[70, 20, 6, 2, 1, 1])[0]
        for u in range(1, units + 1):
            unit = str(u) if units > 1 else ""
            for floor in range(1, floors + 1):
                for flat in (1, 2):
                    room = f"{floor}{flat:02d}"
                    households.append(
                        Place(
                            kind=PlaceKind.HOUSEHOLD,
                            parent=building,
                            depth=7,
                            code=household_code(building.code, unit, room),
                            name=household_name(unit, room),
                            unit=unit,
                        )
                    )
    households = services.places_insert(households)
    counts = {
        PlaceKind.DISTRICT: len(districts),
        PlaceKind.STREET: len(streets),
        PlaceKind.COMMUNITY: len(communities),
        PlaceKind.GRID: len(grids),
        PlaceKind.COMPOUND: len(compounds),
        PlaceKind.BUILDING: len(buildings),
        PlaceKind.HOUSEHOLD: len(households),
    }
    return DemoCity(city=city, created=True, counts=counts)


def designate_demo_zones(*, actor: User, seed: int) -> int:
    """A few compounds in lockdown or control, a building in lockdown, with history."""
    rng = random.Random(seed + 1)
    compounds = list(Place.objects.filter(kind=PlaceKind.COMPOUND).order_by("code"))
    picked = rng.sample(compounds, 6)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    made = 0
    for i, compound in enumerate(picked):
        # The first two went from precaution to lockdown three days later: history to show.
        if i < 2:
            services.zone_set(
                actor=actor,
                place=compound,
                level=ZoneLevel.PRECAUTION,
                starts_at=now - timedelta(days=5),
                ends_at=now - timedelta(days=2),
                reason="周边发现阳性病例",
            )
            made += 1
        level = ZoneLevel.LOCKDOWN if i < 3 else ZoneLevel.CONTROL
        services.zone_set(
            actor=actor,
            place=compound,
            level=level,
            starts_at=now - timedelta(days=2),
            reason="区指挥部划定",
        )
        made += 1
    building = Place.objects.filter(parent=picked[-1], kind=PlaceKind.BUILDING).first()
    if building is not None:
        services.zone_set(
            actor=actor,
            place=building,
            level=ZoneLevel.LOCKDOWN,
            starts_at=now - timedelta(days=1),
            reason="楼内发现阳性",
        )
        made += 1
    return made
