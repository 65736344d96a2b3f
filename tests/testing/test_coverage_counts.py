"""Coverage (`selectors.coverage`, one pass over the residents: bench/README.md, "The HQ's
today") equals a recount person by person, at every level, after pooled swabs, a positive
pool's single-tube retests (never counted twice), a sample out of the round's scope,
exemptions (a row, or hospital / centralized isolation; the sampled are never exempt) and a
sampled resident who moved to another building. (Samples are never deleted: nothing to void.)
"""

from __future__ import annotations

from collections import Counter

from shequ.places.models import Place, PlaceKind
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import labwork, selectors, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Exemption, HomeReason, Sample
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import home_tasks, send_to_lab, swab


def _recount(round_, within: Place, level: str) -> dict[str, tuple[int, int, int]]:
    """(residents, sampled, exempt) per place of `level` under `within`, person by person."""
    places = list(Place.objects.filter(path__startswith=within.path, kind=level))
    scope = selectors.scope_paths(round_)
    sampled = set(
        Sample.objects.filter(round=round_, retest=False).values_list("resident_id", flat=True)
    )
    exempted = set(Exemption.objects.filter(round=round_).values_list("resident_id", flat=True))
    out: dict[str, Counter] = {p.name: Counter() for p in places}
    for r in Resident.objects.select_related("household"):
        path = r.household.path
        if not any(path.startswith(p) for p in scope) or not path.startswith(within.path):
            continue
        [place] = [p for p in places if path.startswith(p.path)]
        out[place.name]["n"] += 1
        if r.pk in sampled:
            out[place.name]["s"] += 1
        elif r.pk in exempted or r.health_status in selectors.EXEMPT_STATUSES:
            out[place.name]["e"] += 1
    return {name: (c["n"], c["s"], c["e"]) for name, c in out.items()}


def _counts(round_, within: Place, level: str) -> dict[str, tuple[int, int, int]]:
    return {
        c.name: (c.residents, c.sampled, c.exempt)
        for c in selectors.coverage(round_, within, level)
    }


def test_coverage_equals_a_recount_after_retests_exemptions_and_a_move(personas, rnd, city) -> None:
    hc = make_place(PlaceKind.HOUSEHOLD, "KA-2-101", "101室", city.ka2)
    c = [ResidentFactory(name=f"c{i}", household=hc) for i in range(4)]
    Resident.objects.filter(pk=c[1].pk).update(health_status=HealthStatus.CENTRAL_ISOLATION)
    services.exemption_add(
        actor=personas.staff_a, round_=rnd.round, resident=c[0], reason="away", proof="车票"
    )
    # a0–a9 pooled in T0000001, a10 in T0000002; the pool is positive: a0 is retested.
    sent = send_to_lab(personas.staff_a, rnd)
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")])
    task = home_tasks(resident=rnd.a[0], reason=HomeReason.RETEST).get()
    [r] = swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "R-000001", rnd.a[0], station_id=None, home_task_id=task.pk)],
    )
    assert r.retest
    # c2 swabbed, b0 (community B: outside the round) swabbed and flagged.
    swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "T0000003", c[2]), swab(rnd, "T0000003", rnd.b0)],
    )
    # a1, sampled, moves to building 2; a2, sampled, goes to hospital (sampled, not exempt).
    Resident.objects.filter(pk=rnd.a[1].pk).update(household=hc)
    Resident.objects.filter(pk=rnd.a[2].pk).update(health_status=HealthStatus.HOSPITAL)
    assert Sample.objects.filter(round=rnd.round).count() == 14  # 12 first + retest + b0

    for within, level in (
        (city.a, PlaceKind.BUILDING),
        (city.ka, PlaceKind.BUILDING),
        (city.s1, PlaceKind.COMMUNITY),
        (city.c, PlaceKind.STREET),
        (city.c, PlaceKind.DISTRICT),
    ):
        assert _counts(rnd.round, within, level) == _recount(rnd.round, within, level), level
    buildings = _counts(rnd.round, city.a, PlaceKind.BUILDING)
    # 1号楼: a0, a2–a11 (a1 moved out): 11, sampled a0 and a2–a10, a11 in hospital.
    # 2号楼: c0–c3 and a1: 5, sampled a1 and c2; c0 (a row) and c1 (isolation) exempt.
    assert buildings == {"1号楼": (11, 10, 1), "2号楼": (5, 2, 2)}
    streets = {c.name: c for c in selectors.coverage(rnd.round, city.c, PlaceKind.STREET)}
    assert (streets["一街道"].sampled, streets["二街道"].residents) == (12, 0)
    assert streets["一街道"].percent == round(100 * 12 / 13, 1)
