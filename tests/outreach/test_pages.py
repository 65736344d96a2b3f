"""The pages: the list and its Excel, a new campaign from the question builder (without
JavaScript, input kept on error), the board, my buildings, a building's doors in walking
order, the household task page's big buttons, and the proposals to confirm."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from shequ.outreach.models import Campaign, Proposal, TaskStatus
from shequ.residents.models import Resident
from tests.outreach.conftest import task_of
from tests.residents.factories import id_number


def _builder(community, **extra):
    data = {
        "name": "疫苗接种动员", "kind": "vaccination", "unit": "household",
        "community": str(community.pk), "q-TOTAL_FORMS": "3", "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "30",
        "q-0-label": "已接种剂次", "q-0-type": "number", "q-0-required": "on",
        "q-1-label": "是否愿意", "q-1-type": "choice", "q-1-choices": "愿意 / 不愿意",
        "q-2-label": "", "q-2-type": "text",
    }  # fmt: skip
    data.update(extra)
    return data


def test_staff_make_a_campaign_with_the_question_builder(client, login, door, city, personas):
    login(personas.staff_a)
    page = client.get(reverse("outreach:new") + "?kind=vaccination")
    assert page.status_code == 200
    assert "已接种剂次" in page.content.decode()  # the vaccination preset
    r = client.post(reverse("outreach:new"), _builder(city.a, places=[str(city.ka1.pk)]))
    campaign = Campaign.objects.get(name="疫苗接种动员")
    assert r.status_code == 302
    assert [q["label"] for q in campaign.questions] == ["已接种剂次", "是否愿意"]
    assert campaign.questions[1]["choices"] == ["愿意", "不愿意"]
    assert campaign.tasks.count() == 2


def test_a_bad_question_keeps_the_input_and_says_which(client, login, door, city, personas):
    login(personas.staff_a)
    r = client.post(reverse("outreach:new"), _builder(city.a, **{"q-1-choices": "只有一个"}))
    html = r.content.decode()
    assert r.status_code == 200
    assert "2" in html
    assert "只有一个" in html
    assert "疫苗接种动员" in html
    assert not Campaign.objects.filter(name="疫苗接种动员").exists()


def test_more_rows_adds_blank_question_rows(client, login, door, city, personas):
    login(personas.staff_a)
    r = client.post(reverse("outreach:new"), _builder(city.a, more="1"))
    assert r.content.decode().count('data-testid="question-row"') == 2 + 4


def test_the_board_shows_progress_and_gives_buildings_out(client, login, door, city, personas):
    from shequ.outreach import services

    services.outcome_record(
        actor=personas.cadre, task=task_of(door.campaign, city.ha1), outcome="done",
        answers={"present": True, "symptoms": "无"},
    )  # fmt: skip
    login(personas.staff_a)
    url = reverse("outreach:board", args=[door.campaign.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="count-done" data-count="1"' in html
    assert 'data-chart="outreach-progress"' in html
    r = client.post(url, {"action": "assign", "team": door.team2.pk, "buildings": [city.ka1.pk]})
    assert r.status_code == 302
    assert door.campaign.assignments.get(building=city.ka1).team == door.team2
    # Another community's staff cannot open it.
    login(personas.staff_b)
    assert client.get(url).status_code == 404


def test_exports_are_excel(client, login, door, personas):
    login(personas.staff_a)
    r = client.get(reverse("outreach:tasks_export", args=[door.campaign.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert len(rows) == 1 + 5
    assert "是否在家" in rows[0] or "At home" in rows[0]
    r = client.get(reverse("outreach:home") + "?format=xlsx")
    assert (
        list(openpyxl.load_workbook(io.BytesIO(r.content)).active.values)[1][0] == "第一轮入户排查"
    )
    r = client.get(reverse("outreach:proposals") + "?format=xlsx")
    assert r.status_code == 200


def test_a_cadre_walks_my_buildings_and_doors_in_order(client, login, door, city, personas):
    login(personas.cadre)
    mine = client.get(reverse("outreach:mine")).content.decode()
    assert "1号楼" in mine
    assert "2号楼" not in mine  # team 2's
    doors = client.get(reverse("outreach:doors", args=[door.campaign.pk, city.ka2.pk]))
    html = doors.content.decode()
    assert html.index("1单元301室") < html.index("1单元1201室") < html.index("2单元201室")
    assert 'data-testid="read-only"' in html  # team 2's building: look, not record


def test_the_task_page_records_with_big_buttons_and_keeps_input_on_error(
    client, login, door, city, personas
):
    login(personas.cadre)
    t = task_of(door.campaign, city.ha1)
    url = reverse("outreach:task", args=[t.pk])
    assert 'data-testid="outcome-nobody_home"' in client.get(url).content.decode()
    bad = client.post(url, {"outcome": "done", "a_symptoms": "无", "note": "三楼东"})
    html = bad.content.decode()
    assert "三楼东" in html
    assert "sq-field-error" in html
    r = client.post(url, {"outcome": "nobody_home"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert (t.status, t.visits) == (TaskStatus.NOBODY_HOME, 1)
    r = client.post(
        url,
        {"outcome": "done", "a_present": "yes", "a_symptoms": "无", "arrival_name": "新住户",
         "arrival_from": "杭州", "arrival_document": id_number()},
    )  # fmt: skip
    assert r.status_code == 302
    assert Proposal.objects.get().name == "新住户"
    # Another team's cadre sees the door but gets a clear refusal when recording.
    login(door.cadre2)
    assert 'data-testid="read-only"' in client.get(url).content.decode()
    refused = client.post(url, {"outcome": "refused"})
    assert refused.status_code == 403


def test_staff_confirm_a_new_arrival_on_the_proposals_page(client, login, door, city, personas):
    login(personas.cadre)
    t = task_of(door.campaign, city.ha2)
    client.post(
        reverse("outreach:task", args=[t.pk]),
        {"outcome": "done", "a_present": "yes", "a_symptoms": "无", "arrival_name": "小王"},
    )
    login(personas.staff_a)
    page = client.get(reverse("outreach:proposals")).content.decode()
    assert "小王" in page
    proposal = Proposal.objects.get()
    r = client.post(
        reverse("outreach:proposals"),
        {"proposal": proposal.pk, "action": "confirm", "document_number": id_number()},
    )
    assert r.status_code == 302
    assert Resident.objects.get(name="小王").household == city.ha2
    login(personas.cadre)
    assert client.get(reverse("outreach:proposals")).status_code == 403


@pytest.mark.parametrize("name", ["home", "mine", "proposals", "new"])
def test_people_without_a_role_here_are_refused(client, login, personas, name):
    login(personas.outsider)
    assert client.get(reverse(f"outreach:{name}")).status_code == 403
