"""The testing pages: who sees which (404 outside one's places, 403 for roles without
testing), forms that keep the input and name the wrong field, the missed list's one-tap
outcomes, home sampling routes, the lab, recall lists, and the Excel and PDF files."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from shequ.mobilization.models import Team
from shequ.outreach import rounds
from shequ.outreach.models import Assignment, TaskStatus, Visit
from shequ.testing import labwork
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import (
    HomeReason,
    Recall,
    Round,
    RoundStatus,
    Site,
    Tube,
)
from tests.duty.conftest import duty  # noqa: F401 - the fixture, for teams and a cadre on duty
from tests.testing.conftest import home_tasks, send_to_lab, swab


def _round_urls(r: Round, building_id: int) -> list[str]:
    base = f"/testing/rounds/{r.pk}"
    doors = f"/outreach/rounds/{r.pk}"  # the missed walk and home sampling are outreach's
    return [
        f"{base}/",
        f"{doors}/missed/",
        f"{doors}/missed/?building={building_id}",
        f"{doors}/home/",
        f"{base}/recalls/",
    ]


@pytest.fixture
def sent(personas, rnd):
    """Here only T0000001, full with a0–a9 (closed by itself), sent to the lab under J-1."""
    return send_to_lab(personas.staff_a, rnd, a10=False)


@pytest.mark.parametrize("who", ["staff_a", "street", "hq"])
def test_round_pages_render_for_those_who_see_the_round(personas, rnd, city, login, who) -> None:
    client = login(getattr(personas, who))
    assert client.get("/testing/").status_code == 200
    for url in _round_urls(rnd.round, city.ka1.pk):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(f"/testing/rounds/{rnd.round.pk}/").content.decode()
    assert "第一轮" in html
    assert 'data-testid="coverage-row"' in html


def test_another_community_gets_404_and_roles_without_testing_get_403(
    personas, rnd, city, login
) -> None:
    client = login(personas.staff_b)
    assert client.get("/testing/").status_code == 200
    assert "第一轮" not in client.get("/testing/").content.decode()
    for url in _round_urls(rnd.round, city.ka1.pk):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/testing/rounds/{rnd.round.pk}/summary.pdf").status_code == 404
    assert client.get(f"/outreach/rounds/{rnd.round.pk}/missed.xlsx").status_code == 404
    assert client.get(f"/testing/stations/{rnd.s1.pk}/").status_code == 404
    for who in ("cadre", "outsider"):
        client = login(getattr(personas, who))
        assert client.get("/testing/").status_code == 403
        assert client.get(f"/testing/rounds/{rnd.round.pk}/").status_code == 403
        assert client.get("/testing/lab/").status_code == 403
        assert client.get(f"/testing/stations/{rnd.s1.pk}/").status_code == 404


def test_a_place_outside_the_users_area_is_404_on_the_dashboard(personas, rnd, city, login):
    client = login(personas.staff_a)
    url = f"/testing/rounds/{rnd.round.pk}/"
    assert client.get(url, {"place": city.b.pk}).status_code == 404
    assert client.get(url, {"place": "x"}).status_code == 404
    assert (
        client.get(
            f"/outreach/rounds/{rnd.round.pk}/missed/", {"building": city.kb1.pk}
        ).status_code
        == 404
    )


def test_dashboard_shows_coverage_tubes_turnaround_and_drills_down(
    personas, rnd, city, login, sent
) -> None:
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=1)
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "negative")])
    client = login(personas.street)
    html = client.get(f"/testing/rounds/{rnd.round.pk}/").content.decode()
    # 12 residents, a11 in hospital (exempt), 10 sampled: 10 / 11 = 90.9 %.
    assert re.search(r'data-testid="coverage-percent">90.9%<', html)
    assert re.search(r'data-testid="missed">1<', html)
    assert 'data-testid="turnaround" data-resulted="1"' in html
    grid = client.get(
        f"/testing/rounds/{rnd.round.pk}/", {"place": city.a.pk, "level": "building"}
    ).content.decode()
    assert "1号楼" in grid
    assert f"?building={city.ka1.pk}" in grid


def test_new_round_form_keeps_input_and_names_the_wrong_field(personas, city, login) -> None:
    client = login(personas.staff_a)
    assert client.get("/testing/rounds/new/").status_code == 200
    today = dt.date.today()
    response = client.post(
        "/testing/rounds/new/",
        {
            "name": "第二轮",
            "places": [city.a.pk],
            "starts_on": today.isoformat(),
            "ends_on": (today - dt.timedelta(days=1)).isoformat(),
            "pool_size": 10,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="第二轮"' in html
    assert re.search(r'sq-field-error">\s*<label for="id_ends_on"', html)
    assert not Round.objects.filter(name="第二轮").exists()
    # A place outside the user's area is not even a choice.
    response = client.post(
        "/testing/rounds/new/",
        {"name": "第二轮", "places": [city.b.pk], "starts_on": today, "ends_on": today},
    )
    assert re.search(r'sq-field-error">\s*<label for="id_places"', response.content.decode())
    assert not Round.objects.filter(name="第二轮").exists()
    response = client.post(
        "/testing/rounds/new/",
        {
            "name": "第二轮",
            "places": [city.a.pk],
            "starts_on": today,
            "ends_on": today,
            "pool_size": 5,
        },
    )
    created = Round.objects.get(name="第二轮")
    assert response["Location"] == f"/testing/rounds/{created.pk}/"
    assert created.pool_size == 5


def test_new_round_and_site_need_run_testing(personas, login) -> None:
    assert login(personas.district).get("/testing/rounds/new/").status_code == 403
    assert login(personas.cadre).get("/testing/sites/new/").status_code == 403


def test_new_site_form_refuses_a_bad_count_and_a_duplicate_name(personas, rnd, city, login):
    client = login(personas.staff_a)
    data = {"community": city.a.pk, "name": "新点", "opens": "07:00", "closes": "19:00"}
    response = client.post("/testing/sites/new/", {**data, "stations": 0})
    assert re.search(r'sq-field-error">\s*<label for="id_stations"', response.content.decode())
    response = client.post("/testing/sites/new/", {**data, "name": "甲小区广场", "stations": 2})
    assert re.search(r'sq-field-error">\s*<label for="id_name"', response.content.decode())
    response = client.post("/testing/sites/new/", {**data, "stations": 3})
    assert response.status_code == 302
    assert Site.objects.get(name="新点").stations.count() == 3


def _names_in(html: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])a\d+(?![\w-])", html))


def test_missed_outcome_buttons_record_the_latest_outcome(personas, rnd, city, login) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:9]])
    client = login(personas.staff_a)
    html = client.get(
        f"/outreach/rounds/{rnd.round.pk}/missed/", {"building": city.ka1.pk}
    ).content.decode()
    # Whole names only: "a0" may occur inside the CSRF token or an id.
    assert _names_in(html) >= {"a9", "a10"}
    assert not _names_in(html) & {"a0", "a11"}  # a0 sampled; a11 in hospital: exempt
    url = f"/outreach/rounds/{rnd.round.pk}/missed/{rnd.a[9].pk}/outcome/"
    response = client.post(url, {"outcome": "away"})
    assert response.status_code == 302
    response = client.post(url, {"outcome": "reminded"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    partial = response.content.decode()
    assert "<html" not in partial
    assert 'data-outcome="reminded"' in partial
    visits = Visit.objects.filter(task__resident=rnd.a[9]).order_by("-at", "-pk")
    assert [v.answers["door"] for v in visits] == ["reminded", "away"]
    # A wrong outcome records nothing; other communities and cadres may not.
    assert client.post(url, {"outcome": "gone"}, headers={"HX-Request": "true"}).status_code == 400
    assert Visit.objects.count() == 2
    assert login(personas.staff_b).post(url, {"outcome": "away"}).status_code == 404
    assert login(personas.cadre).post(url, {"outcome": "away"}).status_code == 403
    # Street officers see the list and may record (they run testing for the street).
    html = (
        login(personas.street)
        .get(f"/outreach/rounds/{rnd.round.pk}/missed/", {"building": city.ka1.pk})
        .content.decode()
    )
    assert 'data-outcome="reminded"' in html


def test_request_home_sampling_from_the_missed_list(personas, rnd, city, login) -> None:
    client = login(personas.staff_a)
    url = f"/outreach/rounds/{rnd.round.pk}/missed/{rnd.a[3].pk}/home/"
    response = client.post(url, headers={"HX-Request": "true"})
    assert 'data-testid="home-requested"' in response.content.decode()
    task = home_tasks(resident=rnd.a[3]).get()
    assert task.reason == HomeReason.MISSED
    html = client.get(f"/outreach/rounds/{rnd.round.pk}/home/").content.decode()
    assert "a3" in html
    assert 'data-testid="route"' in html


def test_missed_list_excel_opens_and_has_the_missed_names(personas, rnd, city, login) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:5]])
    client = login(personas.staff_a)
    response = client.get(f"/outreach/rounds/{rnd.round.pk}/missed.xlsx", {"building": city.ka1.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(f"a{i}" for i in range(5, 11))
    phones = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(p and "*" not in p for p in phones)  # community staff see phones in full
    masked = login(personas.street).get(
        f"/outreach/rounds/{rnd.round.pk}/missed.xlsx", {"building": city.ka1.pk}
    )
    sheet = load_workbook(io.BytesIO(masked.content)).worksheets[0]
    assert all("*" in row[3] for row in sheet.iter_rows(min_row=2, values_only=True))


def test_summary_pdf_has_the_round_in_chinese(personas, rnd, login, sent) -> None:
    response = login(personas.staff_a).get(f"/testing/rounds/{rnd.round.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "第一轮" in text
    assert "甲社区" in text
    assert "1号楼" in text


def test_home_routes_are_given_to_a_team_of_the_community(
    personas,
    rnd,
    city,
    login,
    duty,  # noqa: F811 - the fixture imported above
) -> None:
    rounds.home_tasks_create(
        actor=personas.staff_a, round_=rnd.round, residents=rnd.a[:2], reason=HomeReason.IMMOBILE
    )
    team = Team.objects.create(order=duty.order, number=3, leader=duty.people[0], community=city.a)
    other = Team.objects.create(order=duty.order, number=4, leader=duty.b1, community=city.b)
    client = login(personas.staff_a)
    html = client.get(f"/outreach/rounds/{rnd.round.pk}/home/").content.decode()
    assert f'value="{team.pk}"' in html
    assert f'value="{other.pk}"' not in html
    url = f"/outreach/rounds/{rnd.round.pk}/home/assign/"
    client.post(url, {"building": city.ka1.pk, "team": other.pk})
    assert not Assignment.objects.exists()
    client.post(url, {"building": city.ka1.pk, "team": team.pk})
    [given] = Assignment.objects.all()
    assert (given.building, given.team, given.campaign.kind) == (city.ka1, team, "home_sampling")
    html = client.get(f"/outreach/rounds/{rnd.round.pk}/home/").content.decode()
    assert "第 3 组" in html  # the route shows the team it was given to


def test_a_home_swab_form_records_the_visit(personas, rnd, login) -> None:
    [task] = rounds.home_tasks_create(
        actor=personas.staff_a, round_=rnd.round, residents=[rnd.a[0]], reason=HomeReason.IMMOBILE
    )
    client = login(personas.staff_a)
    response = client.post(f"/outreach/rounds/home/{task.pk}/", {"tube": ""})
    assert re.search(r'sq-field-error">\s*<label for="id_tube"', response.content.decode())
    response = client.post(f"/outreach/rounds/home/{task.pk}/", {"tube": "H0000001", "close": "on"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Tube.objects.get(barcode="H0000001").status == "closed"
    assert login(personas.staff_b).get(f"/outreach/rounds/home/{task.pk}/").status_code == 404


def test_station_page_and_its_snapshot_without_full_id_numbers(personas, rnd, login) -> None:
    client = login(personas.staff_a)
    html = client.get(f"/testing/stations/{rnd.s1.pk}/").content.decode()
    assert 'data-testid="station-page"' in html
    assert 'data-testid="st-round-chosen"' in html  # the only running round is chosen
    data = client.get(f"/testing/stations/{rnd.s1.pk}/snapshot.json").json()
    assert [r["id"] for r in data["rounds"]] == [rnd.round.pk]
    people = {r["name"]: r for r in data["residents"]}
    assert set(people) == {f"a{i}" for i in range(12)}
    a0 = rnd.a[0]
    a0.refresh_from_db()
    assert people["a0"]["last4"] == a0.document_number[-4:]
    assert a0.document_number not in json.dumps(data)
    assert (
        login(personas.staff_b).get(f"/testing/stations/{rnd.s1.pk}/snapshot.json").status_code
        == 404
    )


def test_station_plain_form_records_one_swab(personas, rnd, login) -> None:
    client = login(personas.staff_a)
    url = f"/testing/stations/{rnd.s1.pk}/"
    client.post(url, {"round": rnd.round.pk, "tube": "P0000001", "person": str(rnd.a[0].pk)})
    client.post(url, {"round": rnd.round.pk, "tube": "P0000001", "person": str(rnd.a[0].pk)})
    page = client.get(f"{url}?round={rnd.round.pk}").content.decode()
    assert "sq-msg-error" in page  # the second swab of a0: "already sampled … tube P1"
    assert "P0000001" in page
    assert Tube.objects.get(barcode="P0000001").samples.count() == 1


def test_lab_page_receives_transfers_and_records_a_result(personas, rnd, login, sent) -> None:
    client = login(rnd.lab)
    assert client.get("/testing/").status_code == 302  # a lab operator lands on the lab
    html = client.get("/testing/lab/").content.decode()
    assert "J-1" in html
    response = client.post(
        "/testing/lab/",
        {"action": "receive", "transfer": sent.pk, f"t{sent.pk}-received_count": "x"},
    )
    assert re.search(
        r'sq-field-error">\s*<label for="id_t\d+-received_count"', response.content.decode()
    )
    client.post(
        "/testing/lab/",
        {"action": "receive", "transfer": sent.pk, f"t{sent.pk}-received_count": 0},
    )
    html = client.get("/testing/lab/").content.decode()
    assert 'data-testid="discrepancy"' in html
    response = client.post(
        "/testing/lab/",
        {"action": "result", "round": rnd.round.pk, "barcode": "NOPE", "result": "positive"},
    )
    assert re.search(r'sq-field-error">\s*<label for="id_barcode"', response.content.decode())
    assert 'value="NOPE"' in response.content.decode()
    client.post(
        "/testing/lab/",
        {"action": "result", "round": rnd.round.pk, "barcode": "T0000001", "result": "positive"},
    )
    assert Recall.objects.get().tube.barcode == "T0000001"
    assert login(personas.staff_a).get("/testing/lab/").status_code == 403


def test_recall_page_lists_members_with_phones_as_the_role_may_see(
    personas, rnd, login, sent
) -> None:
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")])
    recall = Recall.objects.get()
    html = login(personas.staff_a).get(f"/testing/recalls/{recall.pk}/").content.decode()
    assert html.count('data-testid="member"') == 10
    a0 = rnd.a[0]
    a0.refresh_from_db()
    assert a0.phone in html
    html = login(personas.street).get(f"/testing/recalls/{recall.pk}/").content.decode()
    assert html.count('data-testid="member"') == 10
    assert a0.phone not in html
    assert a0.phone[-4:] in html
    assert login(personas.staff_b).get(f"/testing/recalls/{recall.pk}/").status_code == 404
    listing = login(personas.staff_a).get(f"/testing/rounds/{rnd.round.pk}/recalls/")
    assert 'data-testid="recall"' in listing.content.decode()


def test_finishing_a_round_from_its_page(personas, rnd, login) -> None:
    assert (
        login(personas.district).post(f"/testing/rounds/{rnd.round.pk}/finish/").status_code == 403
    )
    client = login(personas.staff_a)
    assert client.get(f"/testing/rounds/{rnd.round.pk}/finish/").status_code == 405
    client.post(f"/testing/rounds/{rnd.round.pk}/finish/")
    rnd.round.refresh_from_db()
    assert rnd.round.status == RoundStatus.FINISHED
    html = client.get(f"/testing/rounds/{rnd.round.pk}/").content.decode()
    assert 'data-testid="finish"' not in html


def test_a_cadre_on_duty_in_the_community_may_open_its_stations(
    personas,
    rnd,
    login,
    duty,  # noqa: F811 - the fixture imported above
) -> None:
    client = login(personas.cadre)
    html = client.get("/testing/").content.decode()
    assert f"/testing/stations/{rnd.s1.pk}/" in html
    assert 'data-testid="round"' not in html  # sampling does not show the rounds' figures
    assert client.get(f"/testing/stations/{rnd.s1.pk}/").status_code == 200
    assert client.get(f"/testing/rounds/{rnd.round.pk}/").status_code == 403


def test_a_lab_post_with_an_unknown_action_is_refused(rnd, login, sent) -> None:
    client = login(rnd.lab)
    response = client.post("/testing/lab/", {"action": "delete", "transfer": sent.pk})
    assert response.status_code == 400
    assert "实验室页面上没有这个操作" in response.content.decode()
    response = client.post("/testing/lab/", {"action": "receive", "transfer": "abc"})
    assert response.status_code == 404  # a transfer id that is no id, as an unknown one
    sent.refresh_from_db()
    assert sent.received_at is None


def test_a_home_swab_keeps_its_key_and_refuses_a_malformed_one(personas, rnd, login) -> None:
    [task] = rounds.home_tasks_create(
        actor=personas.staff_a, round_=rnd.round, residents=[rnd.a[0]], reason=HomeReason.IMMOBILE
    )
    client = login(personas.staff_a)
    url = f"/outreach/rounds/home/{task.pk}/"
    key = re.search(r'name="client_uuid" value="([^"]+)"', client.get(url).content.decode())
    assert key is not None
    response = client.post(url, {"tube": "H0000001", "client_uuid": "not-a-key", "close": "on"})
    assert response.status_code == 200
    assert "此表单已过期，请重新打开页面。" in response.content.decode()
    assert not Tube.objects.exists()
    response = client.post(url, {"tube": "H0000001", "client_uuid": key[1], "close": "on"})
    assert response.status_code == 302
    assert Tube.objects.get(barcode="H0000001").status == "closed"


def test_station_plain_form_goes_back_to_the_round_it_named(personas, rnd, login) -> None:
    client = login(personas.staff_a)
    url = f"/testing/stations/{rnd.s1.pk}/"
    response = client.post(url, {"round": "1&x=<b>", "tube": "P0000001"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?round="
    response = client.post(url, {"round": rnd.round.pk, "tube": "P0000001", "close": "on"})
    assert response["Location"] == f"{url}?round={rnd.round.pk}"


def test_a_round_and_a_site_are_named_not_given_a_persons_name(personas, city, login) -> None:
    """名称 (a thing's name) on the round, site and post forms; 姓名 stays a person's."""
    client = login(personas.staff_a)
    label = re.compile(r'<label for="id_(?:post-)?name"[^>]*>\s*([^<]+?)\s*<')
    for url in ("/testing/rounds/new/", "/testing/sites/new/", f"/duty/communities/{city.a.pk}/"):
        found = label.search(client.get(url).content.decode())
        assert found, url
        assert found.group(1).startswith("名称"), (url, found.group(1))
    resident = client.get("/residents/new/").content.decode()
    assert label.search(resident).group(1).startswith("姓名")
