"""Forming teams from who reported in: preview → swap → confirm, on pages, API and CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shequ.cli import app
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.mobilization import board, formation, services
from shequ.mobilization.models import Enlistment, Rank, Team, TeamDraft, TeamMember
from tests.mobilization.conftest import make_staff


@pytest.fixture
def pool(personas, city, mob):
    """Nine people reported in at A: three county-level leaders, mixed party and gender."""
    people = []
    for i in range(9):
        people.append(
            make_staff(
                personas.coordinator,
                mob.agency,
                city.a,
                f"队员{i}",
                rank=Rank.CHU if i % 3 == 0 else Rank.KEYUAN,
                party_member=i % 2 == 0,
                gender="female" if i % 4 == 0 else "male",
                birth_year=1970 + i * 3,
            )
        )
    enlisted = services.enlist(actor=personas.coordinator, order=mob.order, staff=people)
    services.report_in_batch(
        actor=personas.staff_a,
        items=[
            {"client_uuid": str(__import__("uuid").uuid4()), "token": e.token} for e in enlisted
        ],
    )
    return people


def test_a_draft_has_one_qualified_leader_per_team_and_nobody_twice(personas, mob, pool):
    rules = formation.rules_from(size=3, time_limit_s=5)
    draft = formation.team_draft_create(actor=personas.hq, order=mob.order, rules=rules)
    assert len(draft.teams) == 3
    leaders = {t["leader"] for t in draft.teams}
    assert leaders == {s.pk for s in pool if s.rank == Rank.CHU}
    everyone = [p for t in draft.teams for p in (t["leader"], *t["members"])]
    assert len(everyone) == len(set(everyone)) == 9
    assert draft.balance["party_members"]["spread"] <= 1
    assert not Team.objects.exists()  # a preview assigns nobody


def test_swapping_keeps_the_leader_rule(personas, mob, pool):
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    first, second = draft.teams[0], draft.teams[1]
    a, b = first["members"][0], second["members"][0]
    formation.team_draft_swap(actor=personas.hq, draft=draft, first=a, second=b)
    draft.refresh_from_db()
    assert b in draft.teams[0]["members"]
    assert a in draft.teams[1]["members"]
    # A leader swapped with a plain member would leave a team without a qualified leader.
    with pytest.raises(ValidationError):
        formation.team_draft_swap(
            actor=personas.hq,
            draft=draft,
            first=draft.teams[0]["leader"],
            second=draft.teams[1]["members"][1],
        )


def test_confirming_assigns_everyone_once(personas, mob, pool):
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    teams = formation.team_draft_confirm(actor=personas.hq, draft=draft)
    assert len(teams) == 3
    assert TeamMember.objects.filter(order=mob.order).count() == 9
    assert Enlistment.objects.filter(staff__in=pool, state="assigned").count() == 9
    with pytest.raises(ValidationError):
        formation.team_draft_confirm(actor=personas.hq, draft=draft)


def test_too_few_leaders_is_explained(personas, mob, pool):
    rules = formation.rules_from(size=2, leader_rank=Rank.CHU, time_limit_s=5, team_count=4)
    draft = formation.team_draft_create(actor=personas.hq, order=mob.order, rules=rules)
    assert len(draft.teams) == 3  # only three people qualify to lead: the best partial result
    assert any("1" in p for p in draft.problems)  # one leader missing, and it says so


def test_only_the_hq_or_district_forms_teams(personas, mob, pool):
    with pytest.raises(PermissionDenied):
        formation.team_draft_create(
            actor=personas.staff_a, order=mob.order, rules=formation.rules_from()
        )


def test_a_district_neither_forms_teams_for_nor_closes_a_city_wide_order(personas, mob, pool):
    # The order spans the city: acting on it as a whole takes the city. D1's officer only
    # reads their part of it (the board's rows of D1's streets).
    with pytest.raises(PermissionDenied):
        formation.team_draft_create(
            actor=personas.district, order=mob.order, rules=formation.rules_from()
        )
    with pytest.raises(PermissionDenied):
        services.order_close(actor=personas.district, order=mob.order)
    rows = board.board(personas.district, order=mob.order, level="street").rows
    assert {r.place.code for r in rows} == {"S1", "S2"}  # not S3 of the other district


def test_the_pages_preview_and_confirm(personas, mob, pool, login):
    client = login(personas.hq)
    response = client.post(f"/mobilization/teams/?order={mob.order.pk}", {"size": 3})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert 'data-testid="balance"' in preview
    assert preview.count("（") >= 3  # each team names its leader
    done = client.post(response["Location"], {"action": "confirm"})
    assert done.status_code == 302
    assert Team.objects.count() == 3
    listing = client.get(f"/mobilization/teams/?order={mob.order.pk}").content.decode()
    assert "#3" in listing
    assert login(personas.staff_a).get(response["Location"]).status_code == 404


def test_the_cli_forms_and_prints_json(personas, mob, pool):
    result = CliRunner().invoke(
        app,
        [
            "teams",
            "form",
            "--order",
            str(mob.order.pk),
            "--user",
            "hq",
            "--json",
            "--time-limit",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body["teams"]) == 3
    assert body["balance"]["party_members"]["spread"] <= 1


def test_the_api_drafts_and_confirms(personas, mob, pool, api):
    client = api(personas.hq)
    draft = client.post(
        f"/api/v1/mobilization/orders/{mob.order.pk}/team-drafts", {"time_limit_s": 5}
    )
    assert draft.status_code == 201
    confirmed = client.post(f"/api/v1/mobilization/team-drafts/{draft.json()['id']}/confirm")
    assert confirmed.status_code == 200
    assert len(confirmed.json()) == 3
    bad = client.post(f"/api/v1/mobilization/orders/{mob.order.pk}/team-drafts", {"size": 1})
    assert bad.status_code == 422


def test_my_duty_shows_my_team_and_teammates(personas, mob, pool, login):
    from tests.conftest import make_user

    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    formation.team_draft_confirm(actor=personas.hq, draft=draft)
    me = pool[0]
    me.user = make_user("duiyuan0")
    me.save()
    page = login(me.user).get("/mobilization/me/").content.decode()
    assert 'data-testid="my-team"' in page
    team = TeamMember.objects.get(staff=me).team
    for member in team.members.select_related("staff"):
        assert member.staff.name in page


def test_the_team_form_shows_a_wrong_rule_next_to_its_field(personas, mob, pool, login):
    from django.utils.html import escape

    url = f"/mobilization/teams/?order={mob.order.pk}"
    page = login(personas.hq).post(url, {"size": 1, "leader_rank": "chu", "agency_mode": "any"})
    assert page.status_code == 200
    html = page.content.decode()
    field = html.split('for="size"', 1)[1].split("</div>", 1)[0]
    with pytest.raises(ValidationError) as refused:
        formation.rules_from(size=1)
    assert escape(refused.value.errors["size"]) in field  # the service's words, at the field
    assert "sq-field-error" in html.split('for="size"', 1)[0].rsplit("<div", 1)[1]
    assert not TeamDraft.objects.exists()
    typo = login(personas.hq).post(url, {"size": "three"})
    assert typo.status_code == 200
    assert "sq-field-error" in typo.content.decode()


def test_swapping_on_the_draft_page(personas, mob, pool, login):
    client = login(personas.hq)
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    url = f"/mobilization/teams/drafts/{draft.pk}/"
    a, b = draft.teams[0]["members"][0], draft.teams[1]["members"][0]
    assert client.post(url, {"action": "swap", "first": a, "second": b}).status_code == 200
    draft.refresh_from_db()
    assert b in draft.teams[0]["members"]
    typo = client.post(url, {"action": "swap", "first": "x", "second": b}).content.decode()
    assert 'data-testid="error"' in typo
    draft.refresh_from_db()
    assert b in draft.teams[0]["members"]  # nothing changed


def test_an_unknown_action_on_the_draft_page_is_refused(personas, mob, pool, login):
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    url = f"/mobilization/teams/drafts/{draft.pk}/"
    response = login(personas.hq).post(url, {"action": "delete"})
    assert response.status_code == 400
    assert "编组草案页面上没有这个操作。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_swap_lists_name_agency_and_community_once_per_person(personas, city, mob, pool, login):
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    page = login(personas.hq).get(f"/mobilization/teams/drafts/{draft.pk}/").content.decode()
    first = page.split('data-testid="swap-first"')[1].split("</select>")[0]
    assert f"队员1 · {mob.agency.name} · {city.a.name}</option>" in first
    in_draft = [p for t in draft.teams for p in (t["leader"], *t["members"])]
    for person in in_draft:
        assert first.count(f'value="{person}"') == 1  # nobody twice
    assert first.count("<optgroup") == len(draft.teams)  # grouped by team
