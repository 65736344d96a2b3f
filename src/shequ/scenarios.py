"""Named data sets for `shequ seed` and `shequ demo`. Later issues extend the demo."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from shequ.assistance.demo import add_demo_help, add_demo_isolation, add_demo_watch
from shequ.checkpoints.demo import add_demo_checkpoints
from shequ.citygen import CITY_LOGINS
from shequ.core import services as core_services
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.duty.demo import add_demo_duty
from shequ.inspections.demo import add_demo_inspections
from shequ.mobilization.demo import add_demo_mobilization, link_demo_person
from shequ.mobilization.models import Agency, AgencyLevel
from shequ.notices.demo import add_demo_notices
from shequ.outreach.demo import add_demo_outreach
from shequ.outreach.round_demo import add_demo_round_doors
from shequ.patrols.demo import add_demo_patrols
from shequ.places.demo import build_demo_city, designate_demo_zones
from shequ.places.models import Place, PlaceKind
from shequ.reports.demo import add_demo_reports
from shequ.residents.demo import add_demo_residents
from shequ.supplies.demo import add_demo_supplies
from shequ.supplies.requisition_demo import add_demo_requisitions
from shequ.testing.demo import add_demo_testing

DEMO_PASSWORD = "shequ-demo"  # noqa: S105 - the demo's published password, printed by `make demo`


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    place: str


@dataclass
class ScenarioSummary:
    name: str
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)

    def describe(self) -> str:
        if not self.created:
            return f"scenario {self.name}: already in the database, nothing added"
        parts = ", ".join(f"{n:,} {kind}" for kind, n in self.counts.items())
        return f"scenario {self.name}: built {parts}"


Say = Callable[[str], None]


def _silent(message: str) -> None:
    return None


class _Steps:
    """Says what the seed is building and what each step added: the demo takes a minute or
    more, and silence looks like a hang."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.started = time.monotonic()

    @contextmanager
    def step(self, what: str) -> Iterator[dict[str, int]]:
        """`with steps.step("residents") as added: added["resident"] = n`."""
        self.say(f"  {what} …")
        began = time.monotonic()
        added: dict[str, int] = {}
        yield added
        parts = ", ".join(f"{n:,} {kind}" for kind, n in added.items() if n)
        took = time.monotonic() - began
        self.say(f"    {parts or 'already there'} ({took:.1f} s)")

    def finished(self) -> None:
        self.say(f"  seeded in {time.monotonic() - self.started:.0f} s")


def _demo_users(city: Place) -> list[tuple[str, str, str, Place | Agency]]:
    districts = list(city.children.order_by("code"))
    streets = list(Place.objects.filter(kind=PlaceKind.STREET).order_by("code"))
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    agency, _ = Agency.objects.get_or_create(
        code="A-RS",
        defaults={"name": "示范省人力资源和社会保障厅", "level": AgencyLevel.PROVINCE},
    )
    assert community is not None
    return [
        ("hq", "指挥部值班员", Role.CITY_HQ, city),
        ("district", "河东区干部", Role.DISTRICT_OFFICER, districts[0]),
        ("street", "东岗街道干部", Role.STREET_OFFICER, streets[0]),
        ("street2", "雁园街道干部", Role.STREET_OFFICER, streets[1]),
        ("community", f"{community.name}工作人员", Role.COMMUNITY_STAFF, community),
        ("coordinator", "人社厅联络员", Role.AGENCY_COORDINATOR, agency),
        ("cadre", "下沉干部甲", Role.CADRE, community),
        ("volunteer", "志愿者乙", Role.VOLUNTEER, community),
        ("inspector", "督导组组员", Role.INSPECTOR, districts[1]),
        ("lab", "检测机构操作员", Role.LAB_OPERATOR, city),
        ("warehouse", "街道仓库管理员", Role.WAREHOUSE_KEEPER, streets[0]),
    ]


@transaction.atomic
def demo(
    *, seed: int = 42, residents: int = 20_000, cadres: int = 3000, say: Say = _silent
) -> ScenarioSummary:
    """The demo city: places, zones, one login per role, synthetic residents, and the
    mobilization, duty, gates and testing built on them; `say` hears each step."""
    steps = _Steps(say)
    with steps.step("places") as added:
        built = build_demo_city(seed=seed)
        if built.created:
            added.update(built.counts)
    logins: list[DemoLogin] = []
    hq: User | None = None
    with steps.step("logins") as added:
        for i, (username, name, role, where) in enumerate(_demo_users(built.city)):
            user = User.objects.filter(username=username).first()
            if user is None:
                user = core_services.user_create(
                    actor=None,
                    username=username,
                    password=DEMO_PASSWORD,
                    display_name=name,
                    # Synthetic: 100… is not a mobile number range in China.
                    phone=f"1000000{i:04d}",
                    check_password=False,
                )
                is_agency = isinstance(where, Agency)
                core_services.role_grant(
                    actor=None,
                    user=user,
                    role=role,
                    place=None if is_agency else where,
                    agency=where if is_agency else None,
                )
                added["login"] = added.get("login", 0) + 1
            if role == Role.CITY_HQ:
                hq = user
            logins.append(DemoLogin(username, DEMO_PASSWORD, str(role), str(where)))
    counts = dict(built.counts)
    if hq is not None:
        if built.created:
            with steps.step("zones") as added:
                added["zone"] = designate_demo_zones(actor=hq, seed=seed)
        with steps.step(f"residents ({residents:,})") as added:
            added["resident"] = add_demo_residents(count=residents, seed=seed, hq=hq)
        if added["resident"]:
            counts["resident"] = added["resident"]
    if hq is not None and cadres:
        with steps.step(f"mobilization ({cadres:,} cadres)") as added:
            added.update(add_demo_mobilization(seed=seed, hq=hq, cadres=cadres))
            community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
            link_demo_person(user=User.objects.get(username="cadre"), community=community)
        counts.update(added)
        with steps.step("duty: posts, shifts, rosters") as added:
            volunteer = User.objects.filter(username="volunteer").first()
            added.update(add_demo_duty(hq=hq, volunteer=volunteer))
        counts.update(added)
        with steps.step("gates: passes and passages") as added:
            added.update(add_demo_checkpoints(hq=hq, seed=seed))
        counts.update(added)
        with steps.step("testing: sites, rounds, results") as added:
            added.update(add_demo_testing(hq=hq, seed=seed))
        counts.update(added)
        with steps.step("testing: the missed walk") as added:
            added.update(add_demo_round_doors(hq=hq))
        counts.update(added)
        with steps.step("daily reports") as added:
            added.update(add_demo_reports(hq=hq))
        with steps.step("help requests") as added:
            added.update(add_demo_help(hq=hq, seed=seed))
        counts.update(added)
        with steps.step("inspections") as added:
            added.update(add_demo_inspections(hq=hq))
        with steps.step("door-to-door campaigns") as added:
            added.update(add_demo_outreach(hq=hq))
        counts.update(added)

        with steps.step("supplies: warehouses, stock, movements") as added:
            added.update(add_demo_supplies(hq=hq))
            added.update(add_demo_requisitions(hq=hq))

        with steps.step("isolation at home") as added:
            added.update(add_demo_isolation(hq=hq, seed=seed))
        counts.update(added)
        with steps.step("watch list") as added:
            added.update(add_demo_watch(hq=hq))
        counts.update(added)
        with steps.step("disinfection and patrols") as added:
            added.update(add_demo_patrols(hq=hq))
        counts.update(added)
        with steps.step("notices, policy answers, hotline") as added:
            added.update(add_demo_notices(hq=hq))
        counts.update(added)
    steps.finished()
    return ScenarioSummary(
        name="demo",
        created=built.created or len(counts) > len(built.counts),
        counts=counts,
        logins=logins,
    )


def city(
    *, seed: int = 42, residents: int = 1_000_000, cadres: int = 0, say: Say = _silent
) -> ScenarioSummary:
    """A city of millions on PostgreSQL, loaded with COPY (shequ/citygen); `cadres` is not
    used: a city's cadres are 0.5 % of its residents."""
    from shequ.citygen import build_city

    say(f"  city of {residents:,} residents (COPY, one community at a time) …")
    workers = int(os.environ.get("SHEQU_SEED_WORKERS", "2"))  # processes building communities
    result = build_city(
        residents=residents, seed=seed, password=DEMO_PASSWORD, say=say, workers=workers
    )
    if result.created:
        say(f"  seeded in {result.seconds:.0f} s, peak RSS {result.peak_rss_mb:.0f} MB")
    logins = [
        DemoLogin(username, DEMO_PASSWORD, role, level)
        for username, _name, role, level in CITY_LOGINS
    ]
    return ScenarioSummary(name="city", created=result.created, counts=result.counts,
                           logins=logins)  # fmt: skip


SCENARIOS: dict[str, Callable[..., ScenarioSummary]] = {"demo": demo, "city": city}
