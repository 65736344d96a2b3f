"""`shequ seed --scenario city --residents N`: a city of millions on PostgreSQL, loaded with
COPY community by community (only one community's rows in memory at a time).

The shape follows the demo city: districts → streets → communities of 2,000–10,000 people →
grids → compounds → buildings with units → households; synthetic residents (ID numbers in
the non-existent region 629998, phones 100…, encrypted and blind-indexed as the model does),
an entry pass per household, cadres (0.5 % of the people) enlisted by the city's order, two
gates and a sampling site per community, three testing rounds (two finished over half the
city each, today's over all of it, running) and a week of passages. Same seed, same city.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from shequ.core.partitions import refill_keys
from shequ.testing.models import FIRST_SAMPLES

if TYPE_CHECKING:
    from shequ.citygen.shape import CityPlan
    from shequ.places.models import Place

CITY_LOGINS = [  # (username, display name, role, level of the place)
    ("city-hq", "全市指挥部值班员", "city_hq", "city"),
    ("city-district", "区指挥部干部", "district_officer", "district"),
    ("city-street", "街道干部", "street_officer", "street"),
    ("city-community", "社区工作人员", "community_staff", "community"),
    ("city-lab", "检测机构操作员", "lab_operator", "city"),
]
ROUND_NAMES = ("第一轮全员核酸（半城）", "第二轮全员核酸（半城）", "今日全员核酸")


@dataclass
class CityResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


def peak_rss_mb() -> float:
    """The largest resident set of this process or of any worker it waited for, in MB."""
    return max(
        resource.getrusage(who).ru_maxrss / 1024
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )


def build_city(
    *, residents: int, seed: int, password: str, say: Callable[[str], None], workers: int = 2
) -> CityResult:
    """Build the city in one transaction (nothing is left half-built); nothing if the city is
    there already."""
    from shequ.citygen.shape import CITY_CODE
    from shequ.places.models import Place

    if connection.vendor != "postgresql":
        raise RuntimeError(
            "the city scenario loads with PostgreSQL's COPY: set DATABASE_URL to a "
            "PostgreSQL database (the demo scenario works on SQLite)"
        )
    if Place.objects.filter(code=CITY_CODE).exists():
        return CityResult(created=False)
    began = time.monotonic()
    with transaction.atomic():
        counts = _build(residents=residents, seed=seed, password=password, workers=workers, say=say)
    took = time.monotonic() - began
    return CityResult(created=True, counts=counts, seconds=took, peak_rss_mb=peak_rss_mb())


def _build(
    *, residents: int, seed: int, password: str, workers: int, say: Callable[[str], None]
) -> dict:
    from shequ.citygen import community as gen
    from shequ.citygen import parallel
    from shequ.citygen.loading import Loader
    from shequ.citygen.shape import plan

    the_plan = plan(residents, seed)
    say(
        f"  plan: {the_plan.districts} districts, {the_plan.streets} streets, "
        f"{len(the_plan.people):,} communities, {residents:,} residents"
    )
    t = time.monotonic()
    top = _top(the_plan, password)
    loader = Loader(connection.cursor().cursor)
    loader.fast_session()
    tables = list(gen.COLUMNS)
    columns = {**gen.COLUMNS, **gen.TALLIES}
    loader.set_aside(["places_place", *gen.BIG_TABLES])
    starts = {table: loader.next_id(table) for table in tables}
    # A table with a `district_id` column (kept by a trigger, off for the load) gets it here.
    districts = frozenset(t for t in columns if loader.has_column(t, "district_id"))
    columns = {t: [*c, "district_id"] if t in districts else c for t, c in columns.items()}
    ctx = gen.Context(
        ids=gen.Ids({}),
        sealer=None,
        hq=top["hq"],
        lab=top["lab"],
        gate_user=top["hq"],
        order=top["order"],
        agencies=top["agencies"],
        rounds=top["rounds"],
        now=top["now"],
        today=top["today"],
        tallies=loader.triggers_off,
        zone=timezone.get_current_timezone(),
        district_tables=districts,
    )
    say(f"  city, districts, streets, logins, rounds ({time.monotonic() - t:.1f} s)")
    t = time.monotonic()
    jobs = _jobs(the_plan, top)
    step = max(1, len(jobs) // 20)
    residents_done = 0
    for number, tables_text in parallel.run(ctx, starts, seed, _pii_key(), jobs, workers):
        for table, names in columns.items():
            if table in tables_text:
                count, text = tables_text[table]
                loader.copy_text(table, names, count, text)
        residents_done += jobs[number].people
        if (number + 1) % step == 0 or number + 1 == len(jobs):
            say(
                f"    {number + 1:,}/{len(jobs):,} communities, {residents_done:,} residents "
                f"({time.monotonic() - t:.0f} s, peak RSS {peak_rss_mb():.0f} MB)"
            )
    load_s = time.monotonic() - t
    t = time.monotonic()
    built = loader.restore()
    say(f"  {built} indexes and unique constraints built ({time.monotonic() - t:.0f} s)")
    for seconds, sql in loader.built[:3]:
        say(f"    {seconds:.1f} s: {sql}")
    t = time.monotonic()
    for table in tables:
        loader.reset_sequence(table)
    # The COPY ran with triggers off: the UUIDs taken go into their side tables now.
    refill_keys(connection, "checkpoints_passage", "client_uuid")
    refill_keys(connection, "testing_sample", "client_uuid")
    FIRST_SAMPLES.refill(connection)
    _finish(top, the_plan)
    for table in columns:
        loader.execute(f"ANALYZE {table}")
    say(f"  logins, analyze ({time.monotonic() - t:.0f} s); COPY took {load_s:.0f} s")
    return {
        "district": the_plan.districts,
        "street": the_plan.streets,
        "community": len(the_plan.people),
        "place": loader.rows.get("places_place", 0) + 1 + the_plan.districts + the_plan.streets,
        "resident": loader.rows.get("residents_resident", 0),
        "entry_pass": loader.rows.get("checkpoints_entrypass", 0),
        "cadre": loader.rows.get("mobilization_staff", 0),
        "tube": loader.rows.get("testing_tube", 0),
        "sample": loader.rows.get("testing_sample", 0),
        "passage": loader.rows.get("checkpoints_passage", 0),
    }


def _jobs(the_plan: CityPlan, top: dict) -> list:
    """Each community's street, name, code and where its people's numbering starts."""
    from shequ.citygen.community import CADRE_SHARE
    from shequ.citygen.parallel import Job
    from shequ.citygen.shape import COMMUNITY_WORDS, word

    jobs, firsts, residents, cadres = [], {}, 0, 0
    for number, people in enumerate(the_plan.people):
        s = the_plan.street_of(number)
        k = number - firsts.setdefault(s, number)
        street = top["streets"][s]
        jobs.append(Job(
            number=number, people=people, street=street,
            district_id=top["district_of_street"][s], name=f"{word(COMMUNITY_WORDS, k)}社区",
            code=f"{street[1]}{k + 1:03d}", resident_base=residents, cadre_base=cadres,
        ))  # fmt: skip
        residents += people
        cadres += round(people * CADRE_SHARE)
    return jobs


def _pii_key() -> str:
    from django.conf import settings

    return settings.PII_KEY


def _top(the_plan: CityPlan, password: str) -> dict:
    """City, districts and streets (through places' services), the HQ and lab logins,
    agencies, the order that enlists the cadres, and the three rounds."""
    from shequ.citygen.community import RoundSpec
    from shequ.citygen.shape import (
        CITY_CODE,
        CITY_NAME,
        DISTRICT_WORDS,
        STREET_WORDS,
        word,
    )
    from shequ.core import audit
    from shequ.mobilization.models import Agency, AgencyLevel, Order
    from shequ.places import services as place_services
    from shequ.places.models import Place, PlaceKind
    from shequ.testing import services as testing_services
    from shequ.testing.models import Round

    city = place_services.place_create(
        actor=None, kind=PlaceKind.CITY, code=CITY_CODE, name=CITY_NAME
    )
    districts = place_services.places_insert([
        Place(kind=PlaceKind.DISTRICT, parent=city, depth=1, code=f"{CITY_CODE}{d + 1:02d}",
              name=f"{word(DISTRICT_WORDS, d)}区")
        for d in range(the_plan.districts)
    ])  # fmt: skip
    street_rows, per_district = [], {}
    for s in range(the_plan.streets):
        d = the_plan.district_of(s)
        k = per_district[d] = per_district.get(d, 0) + 1
        street_rows.append(Place(
            kind=PlaceKind.STREET, parent=districts[d], depth=2,
            code=f"{districts[d].code}{k:03d}", name=f"{word(STREET_WORDS, s)}街道",
        ))  # fmt: skip
    streets = place_services.places_insert(street_rows)
    logins = _logins(city, password)
    hq = logins["city-hq"]
    agencies = Agency.objects.bulk_create(
        Agency(code=f"{CITY_CODE}-A{a + 1:02d}", name=f"示范市第{a + 1}委办局",
               level=AgencyLevel.CITY)
        for a in range(40)
    )  # fmt: skip
    now = timezone.now()
    today = timezone.localdate()
    order = Order.objects.create(
        title="全市下沉干部报到令", message="请各单位下沉干部到居住地社区报到。",
        deadline=now + dt.timedelta(days=1), issued_by=hq, scope=city,
    )  # fmt: skip
    halves = [districts[: max(1, len(districts) // 2)], districts[len(districts) // 2 :]]
    halves[1] = halves[1] or districts
    rounds = []
    for number, (name, places, back) in enumerate(
        [(ROUND_NAMES[0], halves[0], 6), (ROUND_NAMES[1], halves[1], 3),
         (ROUND_NAMES[2], districts, 0)],
        start=1,
    ):  # fmt: skip
        made = testing_services.round_create(
            actor=hq, name=name, places=places, starts_on=today, ends_on=today, pool_size=10
        )
        day = today - dt.timedelta(days=back)
        if back:
            Round.objects.filter(pk=made.pk).update(starts_on=day, ends_on=day, status="finished")
        else:
            Round.objects.filter(pk=made.pk).update(status="running")
        start = dt.datetime.combine(day, dt.time(7), tzinfo=now.tzinfo)
        rounds.append(RoundSpec(
            id=made.pk, number=number, districts=frozenset(p.pk for p in places),
            share=0.6 if not back else 0.85, running=not back, day=day,
            start=min(start, now - dt.timedelta(hours=10)) if not back else start,
        ))  # fmt: skip
    audit.record(
        actor=None, action="city.seed", obj=city, place=city,
        changes={"residents": the_plan.residents, "communities": len(the_plan.people)},
    )  # fmt: skip
    return {
        "city": city, "hq": hq.pk, "lab": logins["city-lab"].pk, "order": order.pk,
        "agencies": [a.pk for a in agencies], "rounds": rounds, "now": now, "today": today,
        "streets": [(s.pk, s.code, s.path) for s in streets],
        "district_of_street": [s.parent_id for s in streets], "password": password,
    }  # fmt: skip


def _logins(city: Place, password: str) -> dict:
    """The city-wide logins now; the district/street/community ones once those exist."""
    from shequ.core import services as core_services
    from shequ.core.models import User

    made = {}
    for i, (username, display, role, level) in enumerate(CITY_LOGINS):
        if level != "city":
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = core_services.user_create(
                actor=None, username=username, password=password, display_name=display,
                phone=f"1000009{i:04d}", check_password=False,
            )  # fmt: skip
            core_services.role_grant(actor=None, user=user, role=role, place=city)
        made[username] = user
    return made


def _finish(top: dict, the_plan: CityPlan) -> None:
    """Logins for the first district, street and community."""
    from shequ.core import services as core_services
    from shequ.core.models import User
    from shequ.places.models import Place

    city = top["city"]
    for i, (username, display, role, level) in enumerate(CITY_LOGINS):
        if level == "city" or User.objects.filter(username=username).exists():
            continue
        place = (
            Place.objects.filter(path__startswith=city.path, kind=level).order_by("path").first()
        )
        user = core_services.user_create(
            actor=None, username=username, password=top["password"], display_name=display,
            phone=f"1000009{i:04d}", check_password=False,
        )  # fmt: skip
        core_services.role_grant(actor=None, user=user, role=role, place=place)
