"""Missed lists (漏检) and coverage: for any mix of sampled, exempt and out-of-scope people,
missed ∪ sampled ∪ exempt is exactly the scope and the three never overlap; door-to-door
outcomes and home-sampling requests."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.outreach import round_selectors, rounds
from shequ.outreach.models import Visit
from shequ.places.models import PlaceKind
from shequ.testing import selectors, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import HomeReason, Outcome, Sample
from tests.testing.conftest import swab

N = 12  # residents of A in the fixture; a11 is in hospital


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sampled=st.sets(st.integers(0, N - 1)),
    exempt=st.sets(st.integers(0, N - 1)),
    outsider_sampled=st.booleans(),
)
def test_missed_sampled_and_exempt_partition_the_scope(
    personas, rnd, sampled, exempt, outsider_sampled
) -> None:
    with transaction.atomic():
        people = [rnd.a[i] for i in sorted(sampled)]
        items = [swab(rnd, f"T{n // 10:07d}", r) for n, r in enumerate(people)]
        if outsider_sampled:
            items.append(swab(rnd, "TX000000", rnd.b0))
        swabs_batch(actor=personas.staff_a, items=items)
        for i in sorted(exempt):
            services.exemption_add(
                actor=personas.staff_a,
                round_=rnd.round,
                resident=rnd.a[i],
                reason="away",
                proof="车票",
            )
        scope = set(selectors.scope_residents(rnd.round).values_list("pk", flat=True))
        got_missed = set(selectors.missed(rnd.round).values_list("pk", flat=True))
        got_sampled = set(selectors.sampled(rnd.round).values_list("pk", flat=True))
        got_exempt = set(selectors.exempt(rnd.round).values_list("pk", flat=True))
        assert got_missed | got_sampled | got_exempt == scope == {r.pk for r in rnd.a}
        assert not (got_missed & got_sampled)
        assert not (got_missed & got_exempt)
        assert not (got_sampled & got_exempt)
        assert got_sampled == {r.pk for r in people}
        hospital = rnd.a[11].pk
        expected_exempt = ({rnd.a[i].pk for i in exempt} | {hospital}) - got_sampled
        assert got_exempt == expected_exempt
        [row] = selectors.coverage(rnd.round, rnd.site.community, PlaceKind.COMMUNITY)
        assert (row.residents, row.sampled, row.exempt, row.missed) == (
            N,
            len(got_sampled),
            len(got_exempt),
            len(got_missed),
        )
        transaction.set_rollback(True)


def test_coverage_per_building_and_the_missed_list_of_one(personas, rnd, city) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:4]])
    rows = {c.name: c for c in selectors.coverage(rnd.round, city.a, PlaceKind.BUILDING)}
    assert (rows["1号楼"].residents, rows["1号楼"].sampled) == (12, 4)
    assert rows["1号楼"].percent == round(100 * 4 / 11, 1)  # a11 in hospital is not due
    missed = [r.name for r in selectors.missed(rnd.round, city.ka1)]
    # By household (101 then 102), then name: not a11, who is in hospital.
    assert missed == ["a4", "a5", "a10", "a6", "a7", "a8", "a9"]
    street = selectors.coverage(rnd.round, city.s1, PlaceKind.COMMUNITY)
    assert [(c.name, c.sampled) for c in street] == [("甲社区", 4)]


def test_door_outcomes_and_home_requests(personas, rnd, city) -> None:
    rounds.missed_send(actor=personas.staff_a, round_=rnd.round, building=city.ka1)
    visit = rounds.door_outcome_record(
        actor=personas.staff_a, round_=rnd.round, resident=rnd.a[5], outcome=Outcome.AWAY,
        note="出差",
    )  # fmt: skip
    assert Visit.objects.get(pk=visit.pk).answers == {"door": "away"}
    assert round_selectors.latest_outcomes(rnd.round, [rnd.a[5]])[rnd.a[5].pk].outcome == "away"
    with pytest.raises(PermissionDenied):  # a resident of another community: not staff_a's
        rounds.door_outcome_record(
            actor=personas.staff_a, round_=rnd.round, resident=rnd.b0, outcome=Outcome.REMINDED
        )
    with pytest.raises(ValidationError):
        rounds.door_outcome_record(
            actor=personas.staff_a, round_=rnd.round, resident=rnd.a[5], outcome="vanished"
        )
    [t] = rounds.home_tasks_create(
        actor=personas.staff_a, round_=rnd.round, residents=[rnd.a[6]], reason=HomeReason.IMMOBILE
    )
    assert (
        rounds.home_tasks_create(
            actor=personas.staff_a,
            round_=rnd.round,
            residents=[rnd.a[6]],
            reason=HomeReason.IMMOBILE,
        )
        == []
    )
    [r] = swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "H0000001", rnd.a[6], station_id=None, home_task_id=t.pk)],
    )
    assert r.status == "created"
    t.refresh_from_db()
    assert t.status == "done"
    assert Sample.objects.get(pk=t.answers["sample_id"]).at_home


def test_exemption_bad_input(personas, rnd) -> None:
    with pytest.raises(ValidationError) as err:
        services.exemption_add(
            actor=personas.staff_a, round_=rnd.round, resident=rnd.a[0], reason="away"
        )
    assert "proof" in err.value.errors
    with pytest.raises(PermissionDenied):  # a resident of another community
        services.exemption_add(
            actor=personas.staff_a, round_=rnd.round, resident=rnd.b0, reason="hospital"
        )
    with pytest.raises(ValidationError):
        services.exemption_add(
            actor=personas.staff_a, round_=rnd.round, resident=rnd.a[0], reason="bored"
        )


def test_round_bad_input(personas, city) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        services.round_create(
            actor=personas.staff_a,
            name="",
            places=[],
            starts_on=today,
            ends_on=today.replace(year=today.year - 1),
            pool_size=7,
        )
    assert set(err.value.errors) == {"name", "places", "ends_on", "pool_size"}
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=personas.staff_b, name="越权", places=[city.a], starts_on=today, ends_on=today
        )
