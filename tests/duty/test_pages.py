"""Duty pages: set-up, the roster grid, edits with live rule checks, Excel, scope."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from shequ.duty import planning
from shequ.duty.models import Assignment, Post, Roster, RosterStatus
from shequ.mobilization.models import Agency
from tests.duty.helpers import run_roster_jobs

pytestmark = pytest.mark.django_db


def _generate(client, login, personas, city, duty):
    login(personas.staff_a)
    response = client.post(
        reverse("duty:roster_new"),
        {"place": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 7},
    )
    assert response.status_code == 302
    run_roster_jobs()
    return Roster.objects.get(place=city.a)


def test_planner_makes_a_roster_and_sees_the_grid(client, login, personas, city, duty):
    roster = _generate(client, login, personas, city, duty)
    assert roster.status == RosterStatus.DRAFT
    page = client.get(reverse("duty:roster", args=[roster.pk]))
    html = page.content.decode()
    # Two 12-hour shifts of the gate and one patrol shift, 7 days: 21 cells, all covered.
    assert html.count('data-testid="cell"') == 21
    assert 'data-status="short"' not in html
    some = roster.assignments.select_related("staff").first()
    assert some.staff.name in html
    # Discarding a draft asks first (shequ.js reads data-confirm before the form is sent).
    discard = reverse("duty:roster_action", args=[roster.pk, "discard"])
    assert re.search(rf'action="{discard}" data-confirm="放弃这份排班草稿', html)
    client.post(reverse("duty:roster_action", args=[roster.pk, "publish"]))
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED


def test_short_cells_are_marked_and_explained(client, login, personas, city, duty):
    gate_day = duty.gate.shifts.get(name="白班")
    req = gate_day.requirements.get(day__isnull=True)
    req.min_people = req.max_people = 20  # more than the 8 people on duty
    req.save()
    roster = _generate(client, login, personas, city, duty)
    html = client.get(reverse("duty:roster", args=[roster.pk])).content.decode()
    short = [i for i in roster.explanation if i["code"] == "short"]
    # Every day shift is short (20 wanted, 8 on duty); each short cell is explained.
    assert html.count('data-status="short"') == len(short) >= 7
    day_items = [i for i in short if "白班" in i["label"]]
    assert len(day_items) == 7
    assert all(i["pool"] == 8 and i["missing"] >= 12 for i in day_items)
    with translation.override("en"):
        text = planning.explanation_text(day_items[0])
    assert "of 8 people free" in text
    assert "白班" in text
    with translation.override("zh-hans"):
        assert planning.explanation_text(day_items[0]) in html


def test_cell_edit_checks_rules_live_and_refuses_a_broken_one(client, login, personas, city, duty):
    roster = _generate(client, login, personas, city, duty)
    night = duty.gate.shifts.get(name="夜班")
    a = Assignment.objects.filter(roster=roster, shift=night, day=duty.tomorrow).first()
    day_shift = duty.gate.shifts.get(name="白班")
    # The night worker of day 1 cannot also take the day shift of day 1 (20:00 start after a
    # 08:00-20:00 shift leaves no rest) — the check says which rule.
    url = reverse("duty:roster_check", args=[roster.pk, day_shift.pk, duty.tomorrow.isoformat()])
    check = client.get(url, {"staff": a.staff_id}).content.decode()
    assert 'data-testid="rule-check"' in check
    assert "sq-field-msg" in check
    cell = reverse("duty:roster_cell", args=[roster.pk, day_shift.pk, duty.tomorrow.isoformat()])
    before = roster.assignments.count()
    response = client.post(cell, {"staff": a.staff_id}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert roster.assignments.count() == before


def test_excel_roster_has_one_row_per_shift_and_names(client, login, personas, city, duty):
    roster = _generate(client, login, personas, city, duty)
    response = client.get(reverse("duty:roster_export", args=[roster.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    names = {a.staff.name for a in roster.assignments.select_related("staff")}
    cells = " ".join(str(v) for row in rows[1:] for v in row if v)
    assert all(n in cells for n in names)


def test_other_community_cannot_see_or_edit(client, login, personas, city, duty):
    roster = _generate(client, login, personas, city, duty)
    login(personas.staff_b)
    assert client.get(reverse("duty:roster", args=[roster.pk])).status_code == 404
    assert client.get(reverse("duty:roster_export", args=[roster.pk])).status_code == 404
    assert client.get(reverse("duty:posts", args=[city.a.pk])).status_code == 404
    response = client.post(reverse("duty:roster_action", args=[roster.pk, "publish"]))
    assert response.status_code == 404
    home = client.get(reverse("duty:home")).content.decode()
    assert "甲社区" not in home


def test_posts_page_adds_a_post_and_keeps_input_on_error(client, login, personas, city, duty):
    login(personas.staff_a)
    url = reverse("duty:posts", args=[city.a.pk])
    data = {
        "post-name": "北门",  # taken
        "post-kind": "checkpoint",
        "post-place": city.a.pk,
        "post-pattern": "3x8",
        "post-opens": "00:00",
        "post-closes": "00:00",
        "post-people": "2",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "sq-field-error" in html
    assert "北门" in html
    data["post-name"] = "南门"
    assert client.post(url, data).status_code == 302
    post = Post.objects.get(community=city.a, name="南门")
    assert [s.name for s in post.shifts.all()] == ["早班", "中班", "夜班"]
    assert post.shifts.first().requirements.get().min_people == 2


def test_cadre_without_planning_role_goes_to_my_shifts(client, login, personas, duty):
    login(personas.cadre)
    response = client.get(reverse("duty:home"))
    assert response.status_code == 302
    assert response.url == reverse("duty:me")


def test_a_role_that_plans_no_duty_may_not_make_a_roster(client, login, personas, city, duty):
    login(personas.cadre)
    form = {"place": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 7}
    assert client.post(reverse("duty:roster_new"), form).status_code == 403
    assert client.post(reverse("duty:roster_new"), {}).status_code == 403
    assert not Roster.objects.exists()


def test_a_replan_reason_too_long_is_refused_at_its_field(client, login, personas, city, duty):
    roster = _generate(client, login, personas, city, duty)
    client.post(reverse("duty:roster_action", args=[roster.pk, "publish"]))
    replan = reverse("duty:roster_action", args=[roster.pk, "replan"])
    response = client.post(replan, {"reason": "病" * 201})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="reason-error"' in html
    assert "原因请控制在200字以内。" in html
    assert Roster.objects.filter(based_on=roster).count() == 0  # not silently cut to 200
    response = client.post(replan, {"reason": "值二生病"})
    draft = Roster.objects.get(based_on=roster)
    assert response.url == reverse("duty:roster", args=[draft.pk])
    assert draft.reason == "值二生病"


def test_a_cell_edit_names_the_person_field_and_refuses_a_malformed_id(
    client, login, personas, city, duty
):
    roster = _generate(client, login, personas, city, duty)
    day_shift = duty.gate.shifts.get(name="白班")
    cell = reverse("duty:roster_cell", args=[roster.pk, day_shift.pk, duty.tomorrow.isoformat()])
    before = roster.assignments.count()
    for staff in ("", "abc", "0", str(2**70), "999999"):
        response = client.post(cell, {"staff": staff}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        assert 'data-testid="staff-error"' in response.content.decode()
        assert "请选择人员。" in response.content.decode()
    for bad_id in ("", "abc", str(2**70)):
        assert client.post(cell, {"remove": bad_id}).status_code == 404
    assert roster.assignments.count() == before
    on = roster.assignments.filter(shift=day_shift, day=duty.tomorrow).first()
    response = client.post(cell, {"remove": on.pk})
    assert response.url == reverse("duty:roster", args=[roster.pk])
    assert roster.assignments.count() == before - 1
    response = client.post(cell, {"staff": on.staff_id}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert roster.assignments.count() == before


def test_a_new_roster_starts_after_the_published_one_by_default(
    client, login, personas, city, duty
):
    from shequ.duty import planning

    home = login(personas.staff_a)
    tomorrow = duty.tomorrow
    assert f'name="starts_on" value="{tomorrow:%Y-%m-%d}"' in home.get("/duty/").content.decode()
    published = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=tomorrow, days=7
    )
    planning.roster_publish(actor=personas.staff_a, roster=published)
    after = tomorrow + dt.timedelta(days=7)
    assert f'name="starts_on" value="{after:%Y-%m-%d}"' in home.get("/duty/").content.decode()


def test_the_add_a_person_list_shows_agency_and_community(client, login, personas, city, duty):
    roster = _generate(client, login, personas, city, duty)
    day_shift = duty.gate.shifts.get(name="白班")
    cell = reverse("duty:roster_cell", args=[roster.pk, day_shift.pk, duty.tomorrow.isoformat()])
    page = client.get(cell).content.decode()
    picker = page.split('name="staff"')[1].split("</select>")[0]
    agency = Agency.objects.get(code="AG1")
    assert f" · {agency.name} · {city.a.name}" in picker
