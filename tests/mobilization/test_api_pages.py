"""Mobilization through the API and the pages, with scope."""

from __future__ import annotations

import uuid

from shequ.mobilization import services
from shequ.mobilization.models import Enlistment, ReportInEvent
from tests.conftest import make_user


def test_an_agency_coordinator_sees_only_their_staff(personas, mob, api):
    names = {
        s["name"]
        for s in api(personas.coordinator).get("/api/v1/mobilization/staff").json()["items"]
    }
    assert names == {"甲一", "甲二", "乙一"}


def test_a_community_sees_only_who_reported_to_it(personas, mob, api):
    services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    services.report_in(actor=personas.staff_b, enlistment=mob.e["乙一"])
    url = f"/api/v1/mobilization/orders/{mob.order.pk}/enlistments"
    seen_a = {
        e["staff_name"] for e in api(personas.staff_a).get(url, state="reported_in").json()["items"]
    }
    seen_b = {
        e["staff_name"] for e in api(personas.staff_b).get(url, state="reported_in").json()["items"]
    }
    assert seen_a == {"甲一"}
    assert seen_b == {"乙一"}
    assert api(personas.outsider).get(url).status_code == 404  # no role: no orders at all


def test_the_batch_endpoint_is_exactly_once(personas, mob, api):
    body = {"items": [{"client_uuid": str(uuid.uuid4()), "token": mob.e["甲一"].token}]}
    first = api(personas.staff_a).post("/api/v1/mobilization/report-ins", body)
    again = api(personas.staff_a).post("/api/v1/mobilization/report-ins", body)
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["status"] == "created"
    assert again.json()[0]["status"] == "duplicate"
    assert first.json()[0]["id"] == again.json()[0]["id"] == mob.e["甲一"].pk
    assert ReportInEvent.objects.count() == 1


def test_a_bad_item_is_answered_alone_and_only_a_malformed_request_is_422(personas, mob, api):
    good = {"client_uuid": str(uuid.uuid4()), "token": mob.e["甲一"].token}
    response = api(personas.staff_a).post(
        "/api/v1/mobilization/report-ins",
        {"items": [{"client_uuid": "nope", "token": "x"}, good]},
    )
    assert response.status_code == 200
    assert [(a["status"], a["field"]) for a in response.json()] == [
        ("rejected", "client_uuid"),
        ("created", ""),
    ]
    empty = api(personas.staff_a).post("/api/v1/mobilization/report-ins", {"items": []})
    assert (empty.status_code, empty.json()) == (200, [])
    for body in ({"items": {"a": 1}}, {"items": [good] * 1001}, {}):
        whole = api(personas.staff_a).post("/api/v1/mobilization/report-ins", body)
        assert whole.status_code == 422
        assert whole.json()["errors"][0]["field"].startswith("items")


def test_the_board_counts_need_and_arrivals_per_community(personas, city, mob, api, login):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    services.need_declare(
        actor=personas.staff_a,
        community=city.a,
        people_per_day=5,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
    )
    services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    board = api(personas.hq).get(f"/api/v1/mobilization/orders/{mob.order.pk}/board").json()
    row_a = next(r for r in board["rows"] if r["name"] == "甲社区")
    assert (row_a["need"], row_a["reported"], row_a["gap"]) == (5, 1, 4)
    assert row_a["signed_up"] == 2  # 甲二 and 外一 live in A and are on the way
    assert board["total"]["reported"] == 1
    assert sum(board["per_hour"].values()) == 1
    street = api(personas.street).get(f"/api/v1/mobilization/orders/{mob.order.pk}/board").json()
    assert [r["name"] for r in street["rows"]] == ["甲社区"]
    # Worst gap first: community B, short of 9, comes before A (short of 4), then the rest.
    services.need_declare(
        actor=personas.staff_b,
        community=city.b,
        people_per_day=9,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
    )
    rows = api(personas.hq).get(f"/api/v1/mobilization/orders/{mob.order.pk}/board").json()["rows"]
    assert [r["gap"] for r in rows][:2] == [9, 4]
    assert [r["gap"] for r in rows] == sorted((r["gap"] for r in rows), reverse=True)
    page = login(personas.hq).get("/mobilization/").content.decode()
    assert page.index(city.b.name) < page.index(city.a.name)


def test_only_hq_or_a_district_issues_orders(personas, city, api):
    body = {"title": "令", "scope_id": city.c.pk, "deadline": "2099-01-01T08:00:00+08:00"}
    assert api(personas.staff_a).post("/api/v1/mobilization/orders", body).status_code in (403, 404)
    assert api(personas.hq).post("/api/v1/mobilization/orders", body).status_code == 201
    past = {**body, "deadline": "2001-01-01T08:00:00+08:00"}
    response = api(personas.hq).post("/api/v1/mobilization/orders", past)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "deadline"


def test_the_qr_link_shows_the_owner_their_code_and_staff_a_confirm_button(
    personas, mob, client, login
):
    owner = make_user("a1user")
    mob.a1.user = owner
    mob.a1.save()
    url = f"/mobilization/r/{mob.e['甲一'].token}/"
    page = login(owner).get(url).content.decode()
    assert 'data-testid="qr"' in page
    assert 'data-testid="confirm"' not in page
    assert login(owner).get(url + "qr.svg")["Content-Type"] == "image/svg+xml"
    staff_page = login(personas.staff_a).get(url).content.decode()
    assert 'data-testid="confirm"' in staff_page
    assert login(personas.staff_b).get(url).status_code == 404
    assert login(personas.outsider).get(url).status_code == 404
    done = login(personas.staff_a).post(url)
    assert done.status_code == 302
    assert Enlistment.objects.get(pk=mob.e["甲一"].pk).state == "reported_in"


def test_a_refused_check_in_says_why_on_the_page(personas, mob, login):
    mob.a1.fitness = "unwell"
    mob.a1.save()
    page = login(personas.staff_a).post(f"/mobilization/r/{mob.e['甲一'].token}/").content.decode()
    assert 'data-testid="error"' in page


def test_the_check_in_page_lists_who_is_coming_to_my_community(personas, mob, login):
    page = login(personas.staff_a).get("/mobilization/check-in/").content.decode()
    assert "甲一" in page
    assert "甲二" in page
    assert "外一" in page
    assert "乙一" not in page
    assert login(personas.coordinator).get("/mobilization/check-in/").status_code == 403


def test_the_board_page_and_the_reported_in_export(personas, mob, login):
    services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    page = login(personas.hq).get("/mobilization/").content.decode()
    assert 'data-testid="total-reported">1<' in page
    assert 'data-testid="chart"' in page
    assert page.count('<th scope="row">') == 1  # this hour: its sign-ups and report-ins
    export = login(personas.hq).get(f"/mobilization/orders/{mob.order.pk}/reported.xlsx")
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "甲一"
    assert len(rows) == 2


def test_a_coordinator_signs_up_staff_from_the_page(personas, mob, login, city):
    from tests.mobilization.conftest import make_staff

    new = make_staff(personas.coordinator, mob.agency, city.a, "甲新")
    response = login(personas.coordinator).post("/mobilization/staff/", {"staff": [new.pk]})
    assert response.status_code == 302
    assert Enlistment.objects.get(staff=new).state == "signed_up"


def test_teams_are_shown_only_within_scope(personas, city, mob, login):
    from shequ.mobilization.models import Team, TeamMember

    team = Team.objects.create(order=mob.order, number=1, leader=mob.b1, community=city.b)
    TeamMember.objects.create(team=team, order=mob.order, staff=mob.b1, is_leader=True)
    url = f"/mobilization/teams/?order={mob.order.pk}"
    assert "乙一" in login(personas.staff_b).get(url).content.decode()
    assert "乙一" not in login(personas.staff_a).get(url).content.decode()
    assert login(personas.outsider).get(url).status_code == 404
    export = login(personas.outsider).get(f"/mobilization/orders/{mob.order.pk}/teams.xlsx")
    assert export.status_code == 404


def test_a_check_in_never_redirects_off_site(personas, mob, login):
    url = f"/mobilization/r/{mob.e['甲一'].token}/"
    response = login(personas.staff_a).post(url, {"next": "https://evil.example/x"})
    assert response["Location"] == url


def test_someone_on_duty_cannot_report_in_at_a_second_community(personas, city, mob, api):
    services.report_in(actor=personas.hq, enlistment=mob.e["甲一"])
    body = {
        "items": [
            {
                "client_uuid": str(uuid.uuid4()),
                "token": mob.e["甲一"].token,
                "community_id": city.b.pk,
            }
        ]
    }
    answer = api(personas.hq).post("/api/v1/mobilization/report-ins", body)
    assert answer.status_code == 200
    assert answer.json()[0]["status"] == "rejected"
    assert Enlistment.objects.get(pk=mob.e["甲一"].pk).community == city.a


def test_a_naive_deadline_is_city_time_not_a_500(personas, city, api):
    body = {"title": "令", "scope_id": city.c.pk, "deadline": "2099-01-01T08:00:00"}
    assert api(personas.hq).post("/api/v1/mobilization/orders", body).status_code == 201


def test_tampered_form_ids_are_refused_in_words_not_a_500(personas, mob, login, city):
    from tests.mobilization.conftest import make_staff

    new = make_staff(personas.coordinator, mob.agency, city.a, "甲新")
    client = login(personas.coordinator)
    response = client.post("/mobilization/staff/", {"staff": [str(new.pk), "x"]}, follow=True)
    assert "不是有效的编号：“x”。" in response.content.decode()
    assert not Enlistment.objects.filter(staff=new).exists()  # was enlisted, the x dropped
    moves = login(personas.district).post(
        f"/mobilization/moves/?order={mob.order.pk}", {"enlistment": ["x"], "to": "y"}
    )
    assert moves.status_code == 200
    assert "不是有效的编号：“x”。" in moves.content.decode()


def test_a_role_less_user_may_not_register_people(personas, api):
    body = {
        "kind": "volunteer",
        "name": "某",
        "id_number": "629999198001010011",
        "birth_year": 1980,
        "gender": "male",
    }
    assert api(personas.outsider).post("/api/v1/mobilization/staff", body).status_code == 403


def test_the_staff_page_and_the_api_refuse_the_same_enlisting_in_the_same_words(
    personas, mob, login, api, city
):
    from django.utils.html import escape

    from tests.mobilization.conftest import make_staff

    new = make_staff(personas.coordinator, mob.agency, city.a, "甲新")
    chosen = [new.pk, mob.x1.pk]  # 外一 is another agency's: not the coordinator's to enlist
    by_api = api(personas.coordinator).post(
        f"/api/v1/mobilization/orders/{mob.order.pk}/enlist", {"staff_ids": chosen}
    )
    assert by_api.status_code == 400
    [refusal] = [e["message"] for e in by_api.json()["errors"] if e["field"] == "staff_ids"]
    assert str(mob.x1.pk) in refusal
    page = login(personas.coordinator).post(
        f"/mobilization/staff/?order={mob.order.pk}", {"staff": chosen}, follow=True
    )
    assert escape(refusal) in page.content.decode()
    assert not Enlistment.objects.filter(staff=new).exists()  # nobody enlisted without them


def test_the_check_in_counter_keeps_its_total_while_a_search_narrows_the_list(personas, mob, login):
    services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    client = login(personas.staff_a)
    everyone = client.get("/mobilization/check-in/").content.decode()
    assert 'data-testid="arrived">1<' in everyone
    searched = client.get("/mobilization/check-in/", {"q": "甲二"}).content.decode()
    assert "甲二" in searched
    assert "甲一" not in searched  # the list is narrowed …
    assert 'data-testid="arrived">1<' in searched  # … the counter is not
    assert 'data-testid="found">1 ' in searched  # one person matches the search


def test_the_board_chart_is_echarts_data_with_its_numbers_in_a_table(personas, mob, login):
    import json
    import re

    from django.utils import timezone

    for name in ("甲一", "甲二"):
        services.report_in(actor=personas.staff_a, enlistment=mob.e[name])
    page = login(personas.hq).get("/mobilization/").content.decode()
    assert 'class="sq-chart ' in page
    assert 'data-chart="chart-per-hour"' in page
    island = re.search(r'<script id="chart-per-hour" type="application/json">(.*?)</script>', page)
    spec = json.loads(island.group(1))
    hour = timezone.localtime().strftime("%m-%d %H:00")
    assert spec["labels"][-1] == hour  # the hour, with its day
    reported = spec["series"][1]
    assert reported["data"][-1] == 2  # two reported in this hour
    # Without JavaScript: the same numbers in a table under the chart.
    assert f'<th scope="row">{hour}</th>' in page
    assert "vendor/echarts.min.js" in page
