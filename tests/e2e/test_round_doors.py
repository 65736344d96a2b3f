"""The missed walk on a 360 px phone (issue #21): community staff give a building's missed
to team 3; the team's cadre finds "my buildings" on the home page, opens the building and
taps the outcome at a door; the page fits the phone."""

from __future__ import annotations

from shequ.mobilization.models import Team, TeamMember
from shequ.outreach.models import CampaignKind, Task
from shequ.testing.ingest import swabs_batch
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.testing.conftest import rnd, swab  # noqa: F401 - the rnd fixture


def test_staff_send_a_building_to_a_team_whose_cadre_records_at_the_door(
    live_server,
    personas,
    rnd,  # noqa: F811 - the fixture imported above
    city,
    duty,
    phone,
) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:8]])
    team = Team.objects.create(order=duty.order, number=3, leader=duty.people[0], community=city.a)
    TeamMember.objects.create(team=team, order=duty.order, staff=duty.people[0])
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/outreach/rounds/{rnd.round.pk}/missed/?building={city.ka1.pk}")
    phone.select_option("[data-testid=team]", str(team.pk))
    phone.click("[data-testid=send]")
    phone.wait_for_selector("[data-testid=send-form]")
    phone.screenshot(path=str(ARTIFACTS / "round-doors-staff-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert Task.objects.filter(campaign__kind=CampaignKind.MISSED_TEST).count() == 3

    phone.context.clear_cookies()
    _log_in(phone, live_server, "cadre")
    phone.click("[data-testid=home-doors-round]")
    phone.wait_for_selector("[data-testid=my-buildings]")
    phone.screenshot(path=str(ARTIFACTS / "round-doors-mine-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click(f"[data-testid=building][href='?building={city.ka1.pk}']")
    person = phone.locator(f"[data-testid=missed-person][data-resident='{rnd.a[9].pk}']")
    assert phone.locator("[data-testid=missed-person]").count() == 3
    person.locator("[data-testid=outcome-reminded]").click()
    phone.wait_for_selector(
        f"[data-resident='{rnd.a[9].pk}'] [data-testid=latest-outcome][data-outcome=reminded]"
    )
    phone.screenshot(path=str(ARTIFACTS / "round-doors-cadre-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    task = Task.objects.get(resident=rnd.a[9], campaign__kind=CampaignKind.MISSED_TEST)
    assert (task.status, task.answers["door"]) == ("done", "reminded")
