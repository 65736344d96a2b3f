"""Scope leaks and edge cases found in review: nobody learns about people outside their
places, rosters of a street and its communities never both stand, started shifts stay as
they were, sick reports undone leave nothing behind, and bad numbers are not 500s."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.errors import ValidationError
from shequ.duty import attendance, changes, planning
from shequ.duty.models import Attendance, DutyRequest, RosterStatus
from tests.duty.helpers import attendance_item, day_shift, put, roster_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _item(staff_id: int, post_id: int | None, kind: str = "in") -> dict:
    return attendance_item(kind, staff_id, timezone.now(), post_id=post_id)


def test_a_batch_about_someone_out_of_scope_says_nothing_about_them(personas, duty):
    mob_b = duty.b1
    real = attendance.attendance_batch(
        actor=personas.outsider,
        items=[_item(mob_b.pk, duty.post_b.pk), _item(mob_b.pk, None, "out")],
    )
    ghost = attendance.attendance_batch(
        actor=personas.outsider, items=[_item(10**9, duty.post_b.pk), _item(10**9, None, "out")]
    )
    assert [r.message for r in real] == [r.message for r in ghost] == ["Unknown person."] * 2
    assert [r.field for r in real] == [r.field for r in ghost] == ["staff_id"] * 2
    assert not Attendance.objects.exists()


def test_a_manual_entry_for_someone_of_another_community_does_not_name_them(personas, city, duty):
    with pytest.raises(ValidationError) as err:
        attendance.attendance_manual(
            actor=personas.staff_a,
            staff=duty.b1,
            post=duty.gate,
            check_in_at=timezone.now() - dt.timedelta(hours=1),
            reason="手机没电",
        )
    text = str(err.value)
    assert duty.b1.name not in text
    assert "乙门" not in text


def test_my_shifts_cannot_check_in_at_a_post_of_another_community(client, login, personas, duty):
    login(personas.cadre)
    response = client.post(reverse("duty:me"), {"check_in": duty.post_b.pk})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_street_roster_replaces_its_communities_and_not_the_other_way(personas, city, duty):
    d = duty.tomorrow
    community = planning.roster_generate(actor=personas.staff_a, place=city.a, starts_on=d, days=1)
    community = planning.roster_publish(actor=personas.staff_a, roster=community)
    again = planning.roster_generate(actor=personas.staff_a, place=city.a, starts_on=d, days=1)
    street = planning.roster_generate(actor=personas.street, place=city.s1, starts_on=d, days=1)
    street = planning.roster_publish(actor=personas.street, roster=street)
    community.refresh_from_db()
    assert community.status == RosterStatus.SUPERSEDED
    with pytest.raises(ValidationError) as err:
        planning.roster_publish(actor=personas.staff_a, roster=again)
    assert city.s1.name in str(err.value)
    # and a new community roster for those days is refused before it is solved
    with pytest.raises(ValidationError) as err:
        planning.roster_generate(actor=personas.staff_a, place=city.a, starts_on=d, days=1)
    assert city.s1.name in str(err.value)
    # Every shift of A tomorrow is staffed by one roster only: never twice its people.
    crew = street.assignments.filter(day=d, shift=day_shift(duty))
    assert crew.count() == 1


def test_a_new_roster_keeps_the_crew_of_shifts_that_have_started(personas, city, duty):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    old = roster_for(personas.staff_a, city.a, yesterday, days=2)
    worked = put(old, day_shift(duty), yesterday, duty.people[7])
    new = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=yesterday, days=2
    )
    crew = set(
        new.assignments.filter(shift=day_shift(duty), day=yesterday).values_list(
            "staff_id", flat=True
        )
    )
    assert crew == {worked.staff_id}


def test_a_replan_keeps_someone_on_a_started_shift_even_after_they_left_the_pool(
    personas, city, duty
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    roster = roster_for(personas.staff_a, city.a, yesterday, days=3)
    put(roster, day_shift(duty), yesterday, duty.people[2])
    duty.people[2].available = False
    duty.people[2].save(update_fields=["available"])
    draft = planning.roster_replan(actor=personas.staff_a, roster=roster)
    on_started = draft.assignments.filter(shift=day_shift(duty), day=yesterday)
    assert list(on_started.values_list("staff_id", flat=True)) == [duty.people[2].pk]
    # ...and nothing else: they are off the pool for the days to come.
    assert draft.assignments.filter(staff=duty.people[2]).count() == 1


def _sick(personas, city, duty):
    roster = roster_for(personas.staff_a, city.a, duty.tomorrow)
    mine = put(roster, day_shift(duty), duty.tomorrow, duty.people[0])
    change = changes.sick_report(actor=personas.cadre, assignment=mine, reason="发烧")
    return roster, mine, change


def test_a_refused_sick_report_leaves_no_day_off_and_no_draft(personas, city, duty):
    _roster, _mine, change = _sick(personas, city, duty)
    assert DutyRequest.objects.filter(staff=duty.people[0]).exists()
    changes.change_decide(actor=personas.staff_a, change=change, approve=False)
    change.refresh_from_db()
    assert not DutyRequest.objects.filter(staff=duty.people[0]).exists()
    assert change.proposal.status == RosterStatus.DISCARDED


def test_someone_taken_off_sick_can_be_put_back_and_leaves_the_excel(
    client, login, personas, city, duty
):
    roster, mine, change = _sick(personas, city, duty)
    changes.change_decide(actor=personas.staff_a, change=change, approve=True)
    login(personas.staff_a)
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("duty:roster_export", args=[roster.pk])).content)
    ).active
    assert duty.people[0].name not in str(list(sheet.iter_rows(values_only=True)))
    DutyRequest.objects.filter(staff=duty.people[0]).delete()  # well again
    back = planning.assignment_add(
        actor=personas.staff_a,
        roster=roster,
        shift=day_shift(duty),
        day=duty.tomorrow,
        staff=duty.people[0],
    )
    assert back.pk != mine.pk
    assert back.vacated_at is None


def test_bad_numbers_are_not_server_errors(client, login, api, personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=1
    )
    login(personas.staff_a)
    assert client.get(reverse("duty:roster", args=[roster.pk]), {"week": "--1"}).status_code == 200
    assert client.get(reverse("duty:roster", args=[roster.pk]), {"week": "²"}).status_code == 200
    assert client.post(reverse("duty:changes"), {"change": "--3"}).status_code == 404
    assert client.get(f"/duty/rosters/{2**70}/").status_code == 404
    hq = api(personas.hq)
    assert hq.get(f"/api/v1/duty/rosters/{2**70}").status_code == 404
    batch = hq.post(
        "/api/v1/duty/attendance/batch",
        {
            "items": [
                {
                    "client_uuid": str(uuid.uuid4()),
                    "kind": "in",
                    "staff_id": 2**70,
                    "post_id": duty.gate.pk,
                    "at": timezone.now().isoformat(),
                }
            ]
        },
    )
    # A number too large to be an id is that item's fault, answered with the others.
    assert batch.status_code == 200
    assert [(a["status"], a["field"]) for a in batch.json()] == [("rejected", "staff_id")]


def test_the_needs_page_is_read_only_for_those_who_do_not_plan(client, login, personas, duty):
    shift = day_shift(duty)
    login(personas.district)
    page = client.get(reverse("duty:requirement", args=[shift.pk])).content.decode()
    assert 'name="min_people"' not in page
    response = client.post(
        reverse("duty:requirement", args=[shift.pk]), {"min_people": 9, "max_people": 9}
    )
    assert response.status_code == 403
    assert shift.requirements.get(day__isnull=True).min_people == 1
