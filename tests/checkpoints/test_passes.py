"""Entry pass services: bad input is refused with the field and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.checkpoints import services
from shequ.checkpoints.models import EntryPass, PassStatus
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int]:
    return EntryPass.objects.count(), AuditEvent.objects.filter(
        action__startswith="entry_pass"
    ).count()


@pytest.fixture
def ha3(city):
    """A third household of building KA-1 with one resident and no pass."""
    household = make_place("household", "KA-1-103", "103室", city.ka1)
    ResidentFactory(name="甲四", household=household)
    return household


def test_issue_to_a_household_with_residents_makes_an_active_pass_for_all_of_them(
    personas, city, gates, ha3
):
    today = gates.today
    p = services.pass_issue(
        actor=personas.staff_a, household=ha3, valid_from=today, valid_until=today
    )
    assert p.status == PassStatus.ACTIVE
    assert p.version == 1
    assert p.community == city.a
    assert [r.name for r in p.holders.all()] == ["甲四"]
    assert AuditEvent.objects.filter(action="entry_pass.issue", object_id=str(p.pk)).count() == 1


@pytest.mark.parametrize("place", ["ka1", "a", "ka"])
def test_issuing_to_a_place_that_is_no_household_is_refused(personas, city, gates, place):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.pass_issue(
            actor=personas.staff_a,
            household=getattr(city, place),
            valid_from=gates.today,
            valid_until=gates.today,
        )
    assert set(exc.value.errors) == {"household"}
    assert _counts() == before


def test_issuing_twice_to_the_same_household_is_refused(personas, city, gates):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.pass_issue(
            actor=personas.staff_a, household=city.ha1, valid_from=gates.today,
            valid_until=gates.today,
        )  # fmt: skip
    assert set(exc.value.errors) == {"household"}
    assert _counts() == before
    assert EntryPass.objects.filter(household=city.ha1).count() == 1


def test_valid_until_before_valid_from_is_refused(personas, gates, ha3):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.pass_issue(
            actor=personas.staff_a,
            household=ha3,
            valid_from=gates.today,
            valid_until=gates.today - dt.timedelta(days=1),
        )
    assert set(exc.value.errors) == {"valid_until"}
    assert _counts() == before


def test_a_pass_valid_for_more_than_a_year_is_refused(personas, gates, ha3):
    with pytest.raises(ValidationError) as exc:
        services.pass_issue(
            actor=personas.staff_a,
            household=ha3,
            valid_from=gates.today,
            valid_until=gates.today + dt.timedelta(days=367),
        )
    assert set(exc.value.errors) == {"valid_until"}
    assert not EntryPass.objects.filter(household=ha3).exists()
    # A year (366 days, for a leap year) is still fine.
    p = services.pass_issue(
        actor=personas.staff_a,
        household=ha3,
        valid_from=gates.today,
        valid_until=gates.today + dt.timedelta(days=366),
    )
    assert p.pk


def test_holders_from_another_household_are_refused(personas, gates, ha3):
    with pytest.raises(ValidationError) as exc:
        services.pass_issue(
            actor=personas.staff_a,
            household=ha3,
            valid_from=gates.today,
            valid_until=gates.today,
            holders=[gates.a1],  # lives in 101
        )
    assert set(exc.value.errors) == {"holders"}
    assert gates.a1.name in exc.value.errors["holders"]
    assert not EntryPass.objects.filter(household=ha3).exists()


def test_a_household_with_nobody_registered_gets_no_pass(personas, city, gates):
    empty = make_place("household", "KA-2-101", "101室", city.ka2)
    with pytest.raises(ValidationError) as exc:
        services.pass_issue(
            actor=personas.staff_a, household=empty, valid_from=gates.today,
            valid_until=gates.today,
        )  # fmt: skip
    assert set(exc.value.errors) == {"holders"}
    assert not EntryPass.objects.filter(household=empty).exists()


@pytest.mark.parametrize("who", ["staff_b", "cadre", "outsider", "district", "other_street"])
def test_only_issuers_of_the_community_may_issue(personas, gates, ha3, who):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.pass_issue(
            actor=getattr(personas, who), household=ha3, valid_from=gates.today,
            valid_until=gates.today,
        )  # fmt: skip
    assert _counts() == before


def test_staff_of_another_community_cannot_issue_for_a_building_revoke_or_reissue(
    personas, city, gates, ha3
):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.passes_issue_building(
            actor=personas.staff_b, building=city.ka1, valid_from=gates.today,
            valid_until=gates.today,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.pass_revoke(actor=personas.staff_b, entry_pass=gates.p1, reason="x")
    with pytest.raises(PermissionDenied):
        services.pass_report_lost(actor=personas.staff_b, entry_pass=gates.p1)
    with pytest.raises(PermissionDenied):
        services.pass_reissue(actor=personas.staff_b, entry_pass=gates.p1)
    assert _counts() == before
    gates.p1.refresh_from_db()
    assert (gates.p1.status, gates.p1.version) == (PassStatus.ACTIVE, 1)


def test_street_officer_and_hq_issue_in_their_scope(personas, gates, ha3):
    p = services.pass_issue(
        actor=personas.street, household=ha3, valid_from=gates.today, valid_until=gates.today
    )
    assert p.issued_by == personas.street


def test_issue_for_a_building_skips_households_that_have_a_pass_or_nobody(
    personas, city, gates, ha3
):
    make_place("household", "KA-1-104", "104室", city.ka1)  # nobody lives here
    issued = services.passes_issue_building(
        actor=personas.staff_a, building=city.ka1, valid_from=gates.today, valid_until=gates.today
    )
    assert [p.household for p in issued] == [ha3]
    assert EntryPass.objects.filter(household__parent=city.ka1).count() == 3


def test_issue_for_a_place_that_is_no_building_is_refused(personas, city, gates):
    with pytest.raises(ValidationError) as exc:
        services.passes_issue_building(
            actor=personas.staff_a, building=city.ka, valid_from=gates.today,
            valid_until=gates.today,
        )  # fmt: skip
    assert set(exc.value.errors) == {"building"}


def test_revoke_needs_a_reason(personas, gates):
    with pytest.raises(ValidationError) as exc:
        services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="   ")
    assert set(exc.value.errors) == {"reason"}
    gates.p1.refresh_from_db()
    assert gates.p1.status == PassStatus.ACTIVE


def test_revoking_twice_is_refused(personas, gates):
    services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="moved away")
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="again")
    assert set(exc.value.errors) == {"status"}
    gates.p1.refresh_from_db()
    assert gates.p1.note == "moved away"
    assert _counts() == before


@pytest.mark.parametrize("first", ["revoke", "lost"])
def test_reporting_lost_a_pass_that_is_not_active_is_refused(personas, gates, first):
    if first == "revoke":
        services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="moved away")
    else:
        services.pass_report_lost(actor=personas.staff_a, entry_pass=gates.p1)
    status = EntryPass.objects.get(pk=gates.p1.pk).status
    with pytest.raises(ValidationError) as exc:
        services.pass_report_lost(actor=personas.staff_a, entry_pass=gates.p1)
    assert set(exc.value.errors) == {"status"}
    assert EntryPass.objects.get(pk=gates.p1.pk).status == status


def test_reissue_raises_the_version_and_reactivates_a_lost_pass(personas, gates):
    services.pass_report_lost(actor=personas.staff_a, entry_pass=gates.p1)
    new_until = gates.today + dt.timedelta(days=60)
    p = services.pass_reissue(actor=personas.staff_a, entry_pass=gates.p1, valid_until=new_until)
    assert (p.version, p.status, p.valid_until) == (2, PassStatus.ACTIVE, new_until)


def test_reissue_with_a_last_day_in_the_past_is_refused(personas, gates):
    with pytest.raises(ValidationError) as exc:
        services.pass_reissue(
            actor=personas.staff_a,
            entry_pass=gates.p1,
            valid_until=gates.today - dt.timedelta(days=1),
        )
    assert set(exc.value.errors) == {"valid_until"}
    assert EntryPass.objects.get(pk=gates.p1.pk).version == 1


def test_reissue_with_holders_from_another_household_is_refused(personas, gates):
    with pytest.raises(ValidationError) as exc:
        services.pass_reissue(actor=personas.staff_a, entry_pass=gates.p1, holders=[gates.a3])
    assert set(exc.value.errors) == {"holders"}
    p = EntryPass.objects.get(pk=gates.p1.pk)
    assert p.version == 1
    assert {r.name for r in p.holders.all()} == {"甲一", "甲二"}
