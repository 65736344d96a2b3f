"""The Users section: a manager (city HQ, street officer) finds the users of their places,
grants and removes roles no higher than their own and only in their places, locks, unlocks
and resets sign-in; every change leaves an audit row, a refusal leaves nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shequ.core import services as core_services
from shequ.core.errors import PermissionDenied
from shequ.core.models import ApiToken, AuditEvent, RoleAssignment
from shequ.core.roles import Role
from shequ.core.users import selectors, services
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("english")


def _listed(client: Client, q: str = "") -> list[str]:
    html = client.get("/users/", {"q": q}).content.decode()
    block = re.search(r'data-testid="users">(.*?)</ul>', html, re.S)
    assert block is not None
    return re.findall(r"<small>([\w.-]+)</small>", block.group(1))


def test_a_street_officer_finds_the_users_of_their_street_only(db, personas, login):
    client = login(personas.street)
    listed = _listed(client)
    assert "staff_a" in listed
    assert "cadre" in listed
    assert "staff_b" not in listed  # community B lies in another street
    assert "hq" not in listed
    assert "coord" not in listed
    assert "outsider" not in listed  # no role: only a manager over the city sees them
    assert _listed(client, "staff_") == ["staff_a"]


def test_search_finds_by_display_name_and_by_exact_phone(db, personas, city, login):
    make_user("wang", Role.VOLUNTEER, city.a, display_name="王志愿", phone="13900000042")
    make_user("li", Role.VOLUNTEER, city.b, display_name="李志愿", phone="13900000043")
    client = login(personas.street)
    assert _listed(client, "王志") == ["wang"]
    assert _listed(client, "139 0000 0042") == ["wang"]
    assert _listed(client, "13900000043") == []  # li is in another street
    assert _listed(client, "1390000004") == []  # a phone is found only whole


def test_the_hq_finds_everyone_including_users_with_no_role(db, personas, login):
    listed = _listed(login(personas.hq))
    assert {"staff_a", "staff_b", "coord", "outsider", "street2"} <= set(listed)


def test_an_out_of_scope_user_page_is_404_and_roles_without_the_capability_are_refused(
    db, personas, login
):
    assert login(personas.street).get(f"/users/{personas.staff_b.pk}/").status_code == 404
    assert login(personas.street).get(f"/users/{personas.staff_a.pk}/").status_code == 200
    for user in (personas.staff_a, personas.district, personas.coordinator, personas.outsider):
        response = login(user).get("/users/")
        assert response.status_code == 403
        assert "Only the city HQ and street officers manage users" in response.content.decode()


def test_a_street_officer_grants_a_community_role_in_their_street(db, personas, city, login):
    newcomer = make_user("newcomer", Role.VOLUNTEER, city.a)
    response = login(personas.street).post(
        f"/users/{newcomer.pk}/roles/", {"role": Role.COMMUNITY_STAFF, "place": "A"}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(
        user=newcomer, role=Role.COMMUNITY_STAFF, place=city.a
    ).exists()
    event = AuditEvent.objects.get(
        action="core.role.grant", changes__user="newcomer", actor=personas.street
    )
    assert event.actor == personas.street
    assert event.place == city.a
    page = login(personas.street).get(f"/users/{newcomer.pk}/").content.decode()
    assert "Community staff" in page
    assert "Role granted" in page  # the history


def test_an_admin_cannot_grant_a_role_on_a_place_outside_their_scope(db, personas, city, login):
    """Issue #17: refused with a clear error, the input kept, nothing written."""
    before = AuditEvent.objects.count()
    response = login(personas.street).post(
        f"/users/{personas.cadre.pk}/roles/", {"role": Role.COMMUNITY_STAFF, "place": "B"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "乙社区 lies outside the places where you manage users." in html
    assert 'value="B"' in html  # the input is kept
    assert not RoleAssignment.objects.filter(user=personas.cadre, place=city.b).exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", [Role.CITY_HQ, Role.DISTRICT_OFFICER])
def test_an_admin_cannot_grant_a_role_above_their_own(db, personas, city, login, role):
    before = AuditEvent.objects.count()
    response = login(personas.street).post(
        f"/users/{personas.cadre.pk}/roles/", {"role": role, "place": "A"}
    )
    assert response.status_code in (400, 403)
    assert not RoleAssignment.objects.filter(user=personas.cadre, role=role).exists()
    assert AuditEvent.objects.count() == before
    # The service refuses it too (the page offers no such role to choose).
    with pytest.raises(PermissionDenied, match="stands above your own role"):
        services.role_grant_by_manager(
            actor=personas.street, user=personas.cadre, role=role, place=city.a
        )
    assert not RoleAssignment.objects.filter(user=personas.cadre, role=role).exists()


def test_the_role_choices_stop_at_the_managers_own_role(db, personas):
    street = {value for value, _label in selectors.grantable_roles(personas.street)}
    assert Role.STREET_OFFICER in street
    assert Role.COMMUNITY_STAFF in street
    assert not {Role.CITY_HQ, Role.DISTRICT_OFFICER, Role.AGENCY_COORDINATOR} & street
    assert Role.CITY_HQ in {value for value, _label in selectors.grantable_roles(personas.hq)}
    assert selectors.grantable_roles(personas.staff_a) == []


def test_only_a_manager_over_the_city_grants_an_agency_role(db, personas, city, login):
    agency = personas.coordinator.role_assignments.get().agency
    with pytest.raises(PermissionDenied):
        services.role_grant_by_manager(
            actor=personas.street, user=personas.cadre, role=Role.AGENCY_COORDINATOR, agency=agency
        )
    response = login(personas.hq).post(
        f"/users/{personas.cadre.pk}/roles/",
        {"role": Role.AGENCY_COORDINATOR, "agency": agency.pk},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=personas.cadre, agency=agency).exists()


def test_an_unknown_place_code_and_a_duplicate_role_name_the_field(db, personas, login):
    client = login(personas.street)
    response = client.post(
        f"/users/{personas.cadre.pk}/roles/", {"role": Role.CADRE, "place": "NOPE"}
    )
    assert response.status_code == 400
    assert "No place with this code." in response.content.decode()
    response = client.post(f"/users/{personas.cadre.pk}/roles/", {"role": Role.CADRE, "place": "A"})
    assert response.status_code == 400
    assert "already holds this role there" in response.content.decode()
    assert RoleAssignment.objects.filter(user=personas.cadre).count() == 1


def test_a_role_is_removed_only_within_scope_and_rank(db, personas, city, login):
    client = login(personas.street)
    role = personas.staff_a.role_assignments.get()
    assert client.post(f"/users/{personas.staff_a.pk}/roles/{role.pk}/remove/").status_code == 302
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(
        action="core.role.revoke", actor=personas.street, changes__user="staff_a"
    ).exists()
    # A district role over the street's own district is above the street officer: refused.
    boss = make_user("boss", Role.COMMUNITY_STAFF, city.a)
    high = core_services.role_grant(
        actor=None, user=boss, role=Role.DISTRICT_OFFICER, place=city.d1
    )
    answer = client.post(f"/users/{boss.pk}/roles/{high.pk}/remove/")
    assert answer.status_code == 404  # the district role lies outside the street: not seen
    assert RoleAssignment.objects.filter(pk=high.pk).exists()
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=personas.street, assignment=high)


def test_lock_prevents_login_and_unlock_restores_it(db, personas, login):
    manager = login(personas.street)
    assert manager.post(f"/users/{personas.cadre.pk}/lock/", {"action": "lock"}).status_code == 302
    personas.cadre.refresh_from_db()
    assert not personas.cadre.is_active
    other = Client()
    answer = other.post("/login/", {"username": "cadre", "password": PASSWORD})
    assert answer.status_code == 200  # the form again, not a redirect in
    assert "_auth_user_id" not in other.session
    assert (
        manager.post(f"/users/{personas.cadre.pk}/lock/", {"action": "unlock"}).status_code == 302
    )
    answer = other.post("/login/", {"username": "cadre", "password": PASSWORD})
    assert answer.status_code == 302
    actions = list(
        AuditEvent.objects.filter(object_type="core.user", object_id=str(personas.cadre.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["core.user.lock", "core.user.unlock"]


def test_locking_ends_a_session_already_open(db, personas, login):
    cadre = Client()
    cadre.force_login(personas.cadre)
    assert cadre.get("/").status_code == 200
    services.user_lock(actor=personas.street, user=personas.cadre)
    assert cadre.get("/").status_code == 302  # sent to log in


def test_unlock_clears_a_lockout_after_failed_attempts(db, personas, settings, login):
    settings.AXES_FAILURE_LIMIT = 2
    other = Client()
    for _ in range(3):
        other.post("/login/", {"username": "cadre", "password": "wrong"})
    assert other.post("/login/", {"username": "cadre", "password": PASSWORD}).status_code == 429
    login(personas.street).post(f"/users/{personas.cadre.pk}/lock/", {"action": "unlock"})
    assert other.post("/login/", {"username": "cadre", "password": PASSWORD}).status_code == 302


def test_reset_ends_sessions_revokes_tokens_and_the_link_sets_a_password_once(db, personas, login):
    cadre = Client()
    cadre.force_login(personas.cadre)
    token, _secret = core_services.api_token_create(actor=None, user=personas.cadre, name="scan")
    response = login(personas.street).post(f"/users/{personas.cadre.pk}/reset/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    link = re.search(r"<code>(http[^<]+)</code>", response.content.decode())
    assert link is not None
    personas.cadre.refresh_from_db()
    assert not personas.cadre.has_usable_password()
    assert cadre.get("/").status_code == 302  # the open session ended
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="core.user.signin_reset", actor=personas.street
    ).exists()
    # The user opens the link, chooses a password, signs in with it; the link then is spent.
    fresh = Client()
    path = link.group(1).split("testserver", 1)[1]
    form_page = fresh.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new = "a-brand-new-pass-phrase"
    done = fresh.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert fresh.post("/login/", {"username": "cadre", "password": new}).status_code == 302
    again = Client().get(path, follow=True).content.decode()
    assert 'data-testid="error"' in again  # used or expired
    assert 'name="new_password1"' not in again


@pytest.mark.parametrize("action", ["lock", "reset"])
def test_a_user_with_a_role_outside_the_managers_places_is_not_locked_or_reset(
    db, personas, city, login, action
):
    both = make_user("both", Role.CADRE, city.a)
    core_services.role_grant(actor=None, user=both, role=Role.CADRE, place=city.b)
    url = f"/users/{both.pk}/lock/" if action == "lock" else f"/users/{both.pk}/reset/"
    response = login(personas.street).post(url, {"action": "lock"})
    assert response.status_code == 403
    assert "also holds a role outside your places" in response.content.decode()
    both.refresh_from_db()
    assert both.is_active
    assert both.has_usable_password()
    assert not ApiToken.objects.filter(user=both).exists()
    assert (
        not AuditEvent.objects.filter(object_id=str(both.pk), object_type="core.user")
        .exclude(action="core.user.create")
        .exists()
    )
    # The HQ, over both places, may.
    assert login(personas.hq).post(url, {"action": "lock"}).status_code in (200, 302)


def test_a_manager_does_not_lock_themselves(db, personas):
    with pytest.raises(PermissionDenied):
        services.user_lock(actor=personas.hq, user=personas.hq)


def test_a_street_officer_grants_exactly_the_roles_up_to_their_own_in_their_street(
    db, personas, city
):
    """Every role × every place of the city: granted iff the place lies in the officer's
    street and the role ranks no higher than a street officer; refusals write nothing."""
    places = [city.c, city.d1, city.s1, city.s2, city.a, city.b, city.ka, city.kb1]
    place_roles = [r for r in Role if r != Role.AGENCY_COORDINATOR]
    low = {Role.STREET_OFFICER, Role.INSPECTOR, Role.COMMUNITY_STAFF, Role.LAB_OPERATOR}
    low |= {Role.WAREHOUSE_KEEPER, Role.CADRE, Role.VOLUNTEER}
    target = make_user("target")
    for place in places:
        for role in place_roles:
            mine = place.path.startswith(city.s1.path) and role in low
            events = AuditEvent.objects.count()
            try:
                services.role_grant_by_manager(
                    actor=personas.street, user=target, role=role, place=place
                )
            except PermissionDenied:
                assert not mine, f"{role} at {place.code} refused"
                assert AuditEvent.objects.count() == events
            else:
                assert mine, f"{role} at {place.code} granted"
                assert AuditEvent.objects.count() == events + 1
    granted = set(target.role_assignments.values_list("role", "place__code"))
    assert granted == {(r, code) for r in low for code in ("S1", "A", "KA")}


def test_a_user_with_no_role_is_found_through_their_staff_record_in_the_street(
    db, personas, city, login
):
    from shequ.mobilization.models import StaffKind
    from tests.mobilization.conftest import make_staff

    for tag, community in (("a", city.a), ("b", city.b)):
        staff = make_staff(personas.hq, None, community, f"志愿者{tag}", kind=StaffKind.VOLUNTEER)
        staff.user = make_user(f"vol_{tag}")
        staff.save(update_fields=["user"])
    client = login(personas.street)
    assert _listed(client, "vol_") == ["vol_a"]  # vol_b lives in another street
    vol_a = staff.user.__class__.objects.get(username="vol_a")
    response = client.post(f"/users/{vol_a.pk}/roles/", {"role": Role.VOLUNTEER, "place": "A"})
    assert response.status_code == 302
    assert client.post(f"/users/{vol_a.pk}/lock/", {"action": "lock"}).status_code == 302
