"""The shape of the generated city, decided from the seed before a row is written: how many
districts, streets and communities, and how many people each community holds (2,000 to
10,000, summing to the residents asked for). Everything below a community (grids, compounds,
buildings with units, households, people) is drawn community by community from a random
generator seeded by the city's seed and the community's number, so a community comes out the
same whatever is built before it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

CITY_CODE = "990900"
CITY_NAME = "千万人口示范市"
COMMUNITY_PEOPLE = (2000, 10000)
COMMUNITIES_PER_STREET = 10
STREETS_PER_DISTRICT = 12
HOUSEHOLD_SIZES = ([1, 2, 3, 4, 5, 6], [12, 28, 26, 20, 10, 4])  # mean 3.0
PEOPLE_PER_GRID = 1500
VACANT = 0.04  # flats with nobody registered
DISTRICT_WORDS = ["城关", "七里河", "西固", "安宁", "红古", "雁滩", "九州", "和平", "东岗",
                  "兰山", "皋兰", "榆中", "永登", "新区", "秀川", "盐场"]  # fmt: skip
STREET_WORDS = ["东岗", "雁园", "拱星墩", "西湖", "土门墩", "秀川", "张掖路", "酒泉路",
                "白银路", "皋兰路", "广武门", "伏龙坪", "五泉", "草场街", "火车站",
                "铁路东村"]  # fmt: skip
COMMUNITY_WORDS = ["和平", "幸福", "光明", "团结", "建设", "新华", "红星", "兴隆", "东方", "阳光",
                   "长风", "安居", "金城", "滨河", "育才", "民主"]  # fmt: skip
COMPOUND_WORDS = ["家属院", "小区", "花园", "公寓", "新村", "庭院"]


@dataclass(frozen=True)
class CityPlan:
    residents: int
    districts: int
    streets: int  # in all; street s is in district s // STREETS_PER_DISTRICT (balanced)
    people: tuple[int, ...]  # per community, in order; community c is in street c // 10

    def street_of(self, community: int) -> int:
        return community * self.streets // len(self.people)

    def district_of(self, street: int) -> int:
        return street * self.districts // self.streets


def plan(residents: int, seed: int) -> CityPlan:
    """Community sizes drawn between 2,000 and 10,000, scaled to sum to `residents`."""
    rng = random.Random(f"city-plan-{seed}")  # noqa: S311 - synthetic data
    low, high = COMMUNITY_PEOPLE
    count = max(1, round(residents / ((low + high) / 2)))
    drawn = [rng.randint(low, high) for _ in range(count)]
    total = sum(drawn)
    people = [d * residents // total for d in drawn]
    people[-1] += residents - sum(people)
    streets = max(1, math.ceil(count / COMMUNITIES_PER_STREET))
    districts = max(1, min(streets, math.ceil(streets / STREETS_PER_DISTRICT), 16))
    if streets >= 2:
        districts = max(2, districts)
    return CityPlan(residents=residents, districts=districts, streets=streets, people=tuple(people))


def word(words: list[str], n: int) -> str:
    """A name from the list, numbered once the list runs out: 和平, …, 和平二, …"""
    base = words[n % len(words)]
    lap = n // len(words)
    return base if lap == 0 else f"{base}{lap + 1}"
