"""The counts the database keeps (testing/counts.py) equal the slow exact computation, on a
seeded world changed at random: swabs (today and yesterday, in two rounds at once, a positive
pool's retests), exemptions, residents moving (through the service, through a bare
`update()`, out of the round), health statuses changing, a household hung under another
building, residents added and removed. Coverage at every level, per building, and the
residents sampled per community and day; and `recount()` rebuilds the very same counts. Runs
on PostgreSQL too (SHEQU_TEST_PG=1: tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shequ.places.models import Place, PlaceKind
from shequ.places.services import subtree_move
from shequ.residents import services as resident_services
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import counts, labwork, selectors, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import DaySampled, Round, Sample
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import home_tasks, send_to_lab, swab

LEVELS = (PlaceKind.BUILDING, PlaceKind.COMPOUND, PlaceKind.COMMUNITY, PlaceKind.STREET)


def _tallies() -> tuple[dict, dict, dict]:
    from shequ.testing.models import ResidentTally, SampledTally

    return (
        {b: n for b, n in ResidentTally.objects.values_list("building_id", "residents") if n},
        {
            (r, b): n
            for r, b, n in SampledTally.objects.values_list("round_id", "building_id", "sampled")
            if n
        },
        {(c, d): n for c, d, n in DaySampled.objects.values_list("community_id", "day", "sampled")},
    )


def _assert_counts_equal_the_rows(city, rounds: list[Round]) -> None:
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).values_list("pk", flat=True))
    today = timezone.localdate()
    for day in (today - dt.timedelta(days=1), today):
        assert counts.sampled_on(communities, day) == {
            c: n for c, n in counts.sampled_on_exact(communities, day).items() if n
        }, day
    for round_ in rounds:
        round_ = Round.objects.get(pk=round_.pk)  # its scope read afresh
        for within in (city.c, city.s1, city.a, city.ka, city.ka1):
            base = selectors.scope_residents(round_, within)
            kept = {
                b: (n, s, e) for b, _p, n, s, e in counts.per_building(round_, within, base) if n
            }
            exact = {b: (n, s, int(e)) for b, _p, n, s, e in selectors._per_building(round_, base)}
            assert kept == exact, (round_.name, within.name)
            for level in LEVELS:
                fast = selectors.coverage(round_, within, level)
                slow = selectors.coverage(round_, within, level, exact=True)
                assert [(c.path, c.residents, c.sampled, c.exempt) for c in fast] == [
                    (c.path, c.residents, c.sampled, c.exempt) for c in slow
                ], (round_.name, within.name, level)


def test_counts_equal_the_exact_computation_through_random_changes(personas, rnd, city) -> None:
    rng = random.Random(19)
    staff = personas.staff_a
    ka3 = make_place(PlaceKind.BUILDING, "KA-3", "3号楼", city.ka)
    hc = make_place(PlaceKind.HOUSEHOLD, "KA-3-301", "301室", ka3)
    households = [city.ha1, city.ha2, hc, city.hb1]
    residents = [*rnd.a, rnd.b0] + [
        ResidentFactory(name=f"c{i}", household=rng.choice(households)) for i in range(8)
    ]
    # A second round over the same community, on the same day: sampled in both, counted once.
    second = services.round_create(
        actor=staff, name="第二轮", places=[city.ka], starts_on=rnd.round.starts_on,
        ends_on=rnd.round.ends_on, pool_size=10,
    )  # fmt: skip
    rounds = [rnd.round, second]
    # A pool of a0 and a10 turns positive: a0 is sampled again as a retest (sampled twice).
    swabs_batch(
        actor=staff, items=[swab(rnd, "T0000001", rnd.a[0]), swab(rnd, "T0000002", rnd.a[10])]
    )
    sent = send_to_lab(staff, rnd)
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")])
    [retest] = swabs_batch(
        actor=staff,
        items=[swab(rnd, "R-000001", rnd.a[0], station_id=None,
                    home_task_id=home_tasks(resident=rnd.a[0], reason="retest").get().pk)],
    )  # fmt: skip
    assert retest.retest
    assert retest.id
    tube = 3
    _assert_counts_equal_the_rows(city, rounds)
    for step in range(40):
        who = rng.choice(list(Resident.objects.filter(pk__in=[r.pk for r in residents])))
        action = rng.randrange(7)
        if action in (0, 1):  # swabs, in either round, today or yesterday
            round_ = rng.choice(rounds)
            # Today's swabs stay on today's local date even just after midnight.
            midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
            at = max(timezone.now() - dt.timedelta(minutes=step), midnight)
            at -= dt.timedelta(days=rng.choice((0, 0, 1)))
            item = swab(rnd, f"T{tube:07d}", who, round_id=round_.pk, sampled_at=at.isoformat())
            item["station_id"] = rng.choice((rnd.s1, rnd.s2)).pk
            swabs_batch(actor=staff, items=[item])
            tube += 1
        elif action == 2:  # moves: through the service, or a bare update()
            to = rng.choice([h for h in households if h.pk != who.household_id])
            if rng.random() < 0.5:
                resident_services.resident_move(actor=personas.hq, resident=who, household=to)
            else:
                Resident.objects.filter(pk=who.pk).update(household=to)
        elif action == 3:
            status = rng.choice([HealthStatus.HOSPITAL, HealthStatus.CENTRAL_ISOLATION,
                                 HealthStatus.HOME_ISOLATION, HealthStatus.NORMAL])  # fmt: skip
            Resident.objects.filter(pk=who.pk).update(health_status=status)
        elif action == 4:
            round_ = rng.choice(rounds)
            in_a = who.household_id != city.hb1.pk  # staff_a exempts in community A only
            if in_a and not round_.exemptions.filter(resident=who).exists():
                services.exemption_add(
                    actor=staff, round_=round_, resident=who, reason="away", proof="车票"
                )
        elif action == 5:  # a household hung under another building, and back
            hc.refresh_from_db()
            subtree_move(place_id=hc.pk, parent=city.ka1 if hc.parent_id == ka3.pk else ka3)
            hc.refresh_from_db()
        else:  # someone new; someone never sampled leaves the registry
            residents.append(ResidentFactory(name=f"n{step}", household=rng.choice(households)))
            gone = (
                Resident.objects.filter(pk__in=[r.pk for r in residents])
                .exclude(pk__in=Sample.objects.values("resident_id"))
                .exclude(pk__in=[x.resident_id for r in rounds for x in r.exemptions.all()])
            )
            if gone.exists() and rng.random() < 0.5:
                gone.order_by("?").first().delete()
        if step % 5 == 4:
            _assert_counts_equal_the_rows(city, rounds)
    _assert_counts_equal_the_rows(city, rounds)
    today = timezone.localdate()
    firsts = list(
        Sample.objects.filter(
            retest=False, tube__community=city.a, sampled_at__date=today
        ).values_list("resident_id", flat=True)
    )
    assert Sample.objects.filter(round=second).exists()
    assert Sample.objects.filter(sampled_at__date=today - dt.timedelta(days=1)).exists()
    assert len(firsts) > len(set(firsts))  # someone sampled in both rounds today: once here
    assert counts.sampled_on([city.a.pk], today) == {city.a.pk: len(set(firsts))}
    kept = _tallies()
    counts.recount()
    assert _tallies() == kept
