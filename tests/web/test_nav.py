"""The navigation (shequ/web/nav.py) as each role sees it: every item shown opens (200, with
something in it), every item hidden is one the role cannot open — refused, sent elsewhere,
or a page that says it has nothing for them."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from shequ.core.models import Notification
from shequ.core.roles import Role
from shequ.web.nav import ITEMS
from tests.web.access_world import World, build_world

ROLES = tuple(Role.values)

# Pages that answer 200 to anyone logged in but, for a role without the item, only say that
# there is nothing for them. Any other 200 means the role can open the page: it must be shown.
NOTHING_HERE = {
    "places": "Your role covers no places.",
    "my-shifts": "Your login is not linked to a cadre or volunteer record",
    "my-duty": "No order has called you yet.",
    "mobilization": "No mobilization order yet.",
}
SHOWN = re.compile(r'data-testid="nav-([\w-]+)"')


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The access matrix's world of roles, built once for the module and rolled back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            for role, user in built.users.items():
                if user is not None:
                    client = Client()
                    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
                    client.force_login(user)
                    built.clients[role] = client
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _shown(world: World, role: str) -> list[str]:
    """The items the role's home page shows, in order (each once: the phone menu repeats the
    desk's)."""
    html = world.clients[role].get("/").content.decode()
    return list(dict.fromkeys(SHOWN.findall(html)))


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.key)
@pytest.mark.parametrize("role", ROLES)
def test_an_item_is_shown_exactly_when_the_role_can_open_it(db, world: World, role, item) -> None:
    response = world.clients[role].get(item.url)
    body = response.content.decode() if response.status_code == 200 else ""
    empty = item.key in NOTHING_HERE and NOTHING_HERE[item.key] in body
    if item.key in _shown(world, role):
        assert response.status_code == 200, f"{role} is shown {item.key}, which answers {response}"
        assert not empty, f"{role} is shown {item.key}, which has nothing for them"
    else:
        opens = response.status_code == 200 and not empty
        assert not opens, f"{role} can open {item.key} but the navigation hides it"
        assert response.status_code in (200, 302, 403, 404)
        if response.status_code == 302:
            assert "/login/" not in response["Location"]


def test_a_cadre_on_a_gate_roster_finds_shifts_gate_and_messages_first(db, world: World) -> None:
    shown = _shown(world, Role.CADRE)
    assert shown[:3] == ["my-shifts", "gates", "inbox"]
    assert "residents" not in shown
    assert "duty" not in shown


def test_a_volunteer_with_no_gate_sees_no_gate_and_no_testing(db, world: World) -> None:
    shown = _shown(world, Role.VOLUNTEER)
    assert shown[:2] == ["my-shifts", "inbox"]
    assert "gates" not in shown
    assert "testing" not in shown


def test_the_lab_sees_its_lab_and_no_resident_or_place(db, world: World) -> None:
    shown = _shown(world, Role.LAB_OPERATOR)
    assert shown[0] == "lab"
    assert not {"residents", "places", "testing", "duty", "gates"} & set(shown)


def test_messages_in_the_navigation_show_the_unread_count(db, world: World) -> None:
    user = world.users[Role.VOLUNTEER]
    for i in range(3):
        Notification.objects.create(user=user, kind="test", title=f"通知{i}")
    html = world.clients[Role.VOLUNTEER].get("/duty/me/").content.decode()
    link = re.search(r'<a [^>]*data-testid="nav-inbox".*?</a>', html, re.S)
    assert link is not None
    assert re.search(r'sq-unread"[^>]*>3</span>', link.group(0))


def test_the_section_open_is_marked_current(db, world: World) -> None:
    html = world.clients[Role.CADRE].get("/duty/me/").content.decode()
    current = re.findall(r'data-testid="nav-([\w-]+)" aria-current="page"', html)
    assert current == ["my-shifts"]


def test_residents_page_refuses_a_role_that_sees_no_resident(db, world: World) -> None:
    response = world.clients[Role.WAREHOUSE_KEEPER].get("/residents/")
    assert response.status_code == 403
    assert 'name="building"' not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.COMMUNITY_STAFF, True),
        (Role.DISTRICT_OFFICER, True),
        (Role.INSPECTOR, False),
        (Role.CADRE, False),
        (Role.AGENCY_COORDINATOR, False),
    ],
)
def test_move_people_button_only_for_roles_that_may_move_people(db, world: World, role, shown):
    order = world.a.objects["order"]
    html = world.clients[role].get(f"/mobilization/?order={order.pk}").content.decode()
    assert ("/mobilization/moves/" in html) is shown


@pytest.mark.parametrize("role", ROLES)
def test_inspections_are_shown_to_inspectors_the_hq_officers_and_community_staff(
    db, world, role
) -> None:
    shown = "inspections" in _shown(world, role)
    assert shown is (
        role
        in (
            Role.CITY_HQ,
            Role.DISTRICT_OFFICER,
            Role.STREET_OFFICER,
            Role.INSPECTOR,
            Role.COMMUNITY_STAFF,
        )
    )


@pytest.mark.parametrize("role", ROLES)
def test_users_is_shown_to_the_hq_and_street_officers_only(db, world: World, role) -> None:
    shown = "users" in _shown(world, role)
    assert shown is (role in (Role.CITY_HQ, Role.STREET_OFFICER))
    assert (world.clients[role].get("/users/").status_code == 200) is shown


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.CITY_HQ, True),
        (Role.STREET_OFFICER, True),
        (Role.COMMUNITY_STAFF, True),
        (Role.AGENCY_COORDINATOR, True),
        (Role.CADRE, False),
        (Role.LAB_OPERATOR, False),
    ],
)
def test_daily_reports_are_shown_to_those_who_see_or_file_them(db, world: World, role, shown):
    assert ("reports" in _shown(world, role)) is shown


@pytest.mark.parametrize("role", ROLES)
def test_the_watch_list_is_shown_to_whoever_sees_help(db, world, role) -> None:
    """Community staff and cadres (and those above who see help) find the watch list."""
    shown = "watch" in _shown(world, role)
    seeing = {
        Role.CITY_HQ, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_STAFF,
        Role.CADRE, Role.VOLUNTEER, Role.INSPECTOR,
    }  # fmt: skip
    assert shown is (role in seeing)


@pytest.mark.parametrize("role", ROLES)
def test_disinfection_is_shown_to_those_who_see_or_record_it(db, world, role) -> None:
    shown = "patrols" in _shown(world, role)
    assert shown is (
        role
        in (
            Role.CITY_HQ,
            Role.DISTRICT_OFFICER,
            Role.STREET_OFFICER,
            Role.INSPECTOR,
            Role.COMMUNITY_STAFF,
            Role.CADRE,
            Role.VOLUNTEER,
        )
    )


@pytest.mark.parametrize("role", ROLES)
def test_notices_are_shown_to_community_staff_and_the_officers_above(db, world, role) -> None:
    shown = "notices" in _shown(world, role)
    publishers = {Role.CITY_HQ, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_STAFF}
    assert shown is (role in publishers)
    assert (world.clients[role].get("/notices/").status_code == 200) is shown
