from __future__ import annotations

import pytest

from shequ.core import services
from shequ.core.roles import Capability, Role
from shequ.core.scopes import forget_scope, scope_for
from shequ.places.models import Place


def test_a_street_officer_covers_exactly_their_street(personas, city):
    ids = set(scope_for(personas.street).place_ids())
    expected = set(Place.objects.filter(path__startswith=city.s1.path).values_list("id", flat=True))
    assert ids == expected
    assert city.ka.pk in ids
    assert city.kb.pk not in ids
    assert city.d1.pk not in ids


def test_a_user_with_no_role_covers_nothing(personas):
    scope = scope_for(personas.outsider)
    assert scope.is_empty
    assert not scope.place_ids().exists()


def test_an_agency_coordinator_covers_no_places_by_their_binding(personas):
    assert scope_for(personas.coordinator).is_empty


def test_two_roles_cover_the_union_without_repeating_nested_places(personas, city):
    user = personas.staff_a
    services.role_grant(actor=None, user=user, role=Role.COMMUNITY_STAFF, place=city.b)
    services.role_grant(actor=None, user=user, role=Role.COMMUNITY_STAFF, place=city.ga)
    forget_scope(user)
    scope = scope_for(user)
    assert scope.paths == tuple(sorted([city.a.path, city.b.path]))
    assert scope.covers(city.kb)


def test_community_staff_may_see_but_not_set_zones(personas, city):
    assert scope_for(personas.staff_a).covers(city.ka)
    assert not scope_for(personas.staff_a, Capability.SET_ZONE).covers(city.ka)


def test_an_inactive_user_covers_nothing(personas):
    personas.street.is_active = False
    assert scope_for(personas.street).is_empty


def test_a_role_on_a_place_without_a_path_covers_nothing_rather_than_everything(personas, city):
    Place.objects.filter(pk=city.ka.pk).update(path="")
    user = personas.outsider
    services.role_grant(
        actor=None, user=user, role=Role.CADRE, place=Place.objects.get(pk=city.ka.pk)
    )
    forget_scope(user)
    assert scope_for(user).is_empty


def test_only_city_hq_may_add_a_root_city(personas):
    from shequ.core.errors import PermissionDenied
    from shequ.places.services import place_create

    with pytest.raises(PermissionDenied):
        place_create(actor=personas.street, kind="city", code="X", name="另一市")
    assert place_create(actor=personas.hq, kind="city", code="X", name="另一市").path


def test_the_admin_cannot_reshape_the_place_tree(admin_client, city):
    assert admin_client.get("/admin/places/place/add/").status_code == 403
    page = admin_client.get(f"/admin/places/place/{city.ka.pk}/change/").content.decode()
    assert 'name="parent"' not in page
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403


def test_covers_all_needs_every_place_not_just_one(personas, city):
    staff_a = scope_for(personas.staff_a)
    assert staff_a.covers_all([city.ka, city.ka1])
    assert not staff_a.covers_all([city.ka, city.kb])  # one of the two is B's
    assert not staff_a.covers_all([city.s1])  # the street around A is not A's
    assert not staff_a.covers_all([])  # nothing to cover is not "all covered"
    assert scope_for(personas.street).covers_all(iter([city.a, city.ka1]))


@pytest.mark.usefixtures("english")
def test_adding_places_takes_its_own_capability_over_the_parent(personas, city):
    from shequ.core.errors import PermissionDenied
    from shequ.places.services import place_create

    assert place_create(
        actor=personas.district, kind="street", code="S9", name="九街道", parent=city.d1
    )
    with pytest.raises(PermissionDenied, match="You may not add places here"):
        place_create(
            actor=personas.district, kind="street", code="S8", name="八街道", parent=city.d2
        )
    with pytest.raises(PermissionDenied):  # a district officer covers no whole city
        place_create(actor=personas.district, kind="city", code="X", name="另一市")
    with pytest.raises(PermissionDenied):  # community staff see places, they do not add them
        place_create(actor=personas.staff_a, kind="grid", code="G9", name="九网格", parent=city.a)


def test_the_hq_manages_every_agency_a_coordinator_their_own(personas):
    from shequ.core.scopes import agency_scope_for
    from shequ.mobilization.models import Agency

    own = Agency.objects.get(code="AG1")
    other = Agency.objects.create(code="AG2", name="另一厅", level=own.level)
    hq = agency_scope_for(personas.hq, Capability.MANAGE_STAFF)
    assert hq.every
    assert hq.covers(other)
    assert hq.covers(None)
    coordinator = agency_scope_for(personas.coordinator, Capability.MANAGE_STAFF)
    assert coordinator.covers(own)
    assert coordinator.covers(own.pk)
    assert not coordinator.covers(other)
    assert not coordinator.covers(None)
    assert set(Agency.objects.filter(coordinator.q("pk"))) == {own}
    assert set(Agency.objects.filter(hq.q("pk"))) == {own, other}
    # The HQ sees people through places, not through agencies; a street officer neither.
    assert agency_scope_for(personas.hq, Capability.VIEW_STAFF).is_empty
    assert agency_scope_for(personas.street, Capability.MANAGE_STAFF).is_empty
    assert not Agency.objects.filter(
        agency_scope_for(personas.street, Capability.MANAGE_STAFF).q("pk")
    ).exists()


def test_users_with_a_capability_over_a_place_include_the_roles_above(personas, city):
    from shequ.core.scopes import users_with

    planners = set(users_with(Capability.PLAN_DUTY, city.ka1))
    assert planners == {personas.hq, personas.street, personas.staff_a}
    # Only the roles bound to the community itself: its own staff.
    assert set(users_with(Capability.PLAN_DUTY, city.a, inherited=False)) == {personas.staff_a}
    assert set(users_with(Capability.PLAN_DUTY, city.ka, inherited=False)) == set()
    # Seeing passages is also a district officer's; an inactive user is nobody's audience.
    personas.district.is_active = False
    personas.district.save()
    assert personas.district not in set(users_with(Capability.VIEW_PASSAGES, city.a))
    assert personas.hq in set(users_with(Capability.VIEW_PASSAGES, city.a))


def test_users_with_by_place_answers_many_places_in_one_query(
    personas, city, django_assert_num_queries
):
    from shequ.core.scopes import users_with_by_place

    with django_assert_num_queries(1):
        found = users_with_by_place(Capability.RUN_TESTING, [city.a, city.b, city.s3])
    assert found[city.a.pk] == {personas.hq.pk, personas.street.pk, personas.staff_a.pk}
    assert found[city.b.pk] == {personas.hq.pk, personas.other_street.pk, personas.staff_b.pk}
    assert found[city.s3.pk] == {personas.hq.pk}
    with django_assert_num_queries(1):
        own = users_with_by_place(
            Capability.RUN_TESTING, [city.a, city.b, city.s3], inherited=False
        )
    assert own == {city.a.pk: {personas.staff_a.pk}, city.b.pk: {personas.staff_b.pk}}


def test_users_with_by_place_takes_place_ids_too(personas, city, django_assert_num_queries):
    from shequ.core.scopes import users_with_by_place

    with django_assert_num_queries(1):  # bound right there: no need to read the tree
        own = users_with_by_place(Capability.PLAN_DUTY, [city.a.pk], inherited=False)
    assert own == {city.a.pk: {personas.staff_a.pk}}
    with django_assert_num_queries(2):  # where the place sits in the tree, then who is there
        found = users_with_by_place(Capability.PLAN_DUTY, [city.a.pk])
    assert found == {city.a.pk: {personas.hq.pk, personas.street.pk, personas.staff_a.pk}}
