"""The duty API: each endpoint's answer, refusals, and scope (out of scope is 404)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from shequ.duty import attendance, calls, planning
from shequ.duty.models import (
    Attendance,
    AttendanceEvent,
    Roster,
    RosterJob,
    ShiftChange,
    UrgentAnswer,
)
from tests.duty.helpers import (
    day_shift,
    login_for,
    night_shift,
    put,
    roster_for,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
BASE = "/api/v1/duty"


@pytest.fixture
def today_plan(personas, city, duty):
    """A published roster of A for today and tomorrow: the cadre (值一) on the gate's day
    shift that started 20 minutes ago, led by 值二; 值三 on the patrol tomorrow."""
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=2)
    started = timezone.now() - dt.timedelta(minutes=20)
    mine = put(roster, day_shift(duty), today, duty.people[0], starts_at=started)
    lead = put(roster, day_shift(duty), today, duty.people[1], starts_at=started, leader=True)
    other = put(roster, duty.patrol.shifts.get(), duty.tomorrow, duty.people[2])
    return roster, mine, lead, other


# --- posts and rosters --------------------------------------------------------------------


def test_posts_are_listed_within_duty_scope(personas, duty, api):
    names_a = {p["name"] for p in api(personas.staff_a).get(f"{BASE}/posts").json()["items"]}
    names_b = {p["name"] for p in api(personas.staff_b).get(f"{BASE}/posts").json()["items"]}
    assert names_a == {"北门", "巡查"}
    assert names_b == {"乙门"}
    assert api(personas.cadre).get(f"{BASE}/posts").json()["count"] == 0
    gate = next(
        p for p in api(personas.staff_a).get(f"{BASE}/posts").json()["items"] if p["name"] == "北门"
    )
    assert [s["name"] for s in gate["shifts"]] == ["白班", "夜班"]


def test_a_planner_creates_a_post_others_are_refused(personas, city, duty, api):
    body = {"community_id": city.a.pk, "name": "南门", "kind": "checkpoint", "pattern": "3x8"}
    created = api(personas.staff_a).post(f"{BASE}/posts", body)
    assert created.status_code == 201
    assert len(created.json()["shifts"]) == 3
    assert api(personas.staff_b).post(f"{BASE}/posts", {**body, "name": "西门"}).status_code == 404
    assert api(personas.district).post(f"{BASE}/posts", {**body, "name": "西门"}).status_code == 403
    bad = api(personas.staff_a).post(f"{BASE}/posts", {**body, "kind": "castle"})
    assert bad.status_code == 422
    assert any(e["field"] == "kind" for e in bad.json()["errors"])
    same = api(personas.staff_a).post(f"{BASE}/posts", body)
    assert same.status_code == 400
    assert same.json()["errors"][0]["field"] == "name"


def test_roster_generate_detail_publish_and_replan(personas, city, duty, api):
    planner = api(personas.staff_a)
    body = {"place_id": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 2}
    made = planner.post(f"{BASE}/rosters", {**body, "time_limit": 1})
    # Queued, not solved in the request: the job says where to follow it.
    assert made.status_code == 202
    job = made.json()
    assert (job["status"], job["percent"], job["roster_id"], job["seconds"]) == (
        "queued",
        0,
        None,
        1,
    )
    assert job["links"]["job"] == f"{BASE}/roster-jobs/{job['id']}"
    assert job["links"]["page"] == f"/duty/rosters/jobs/{job['id']}/"
    assert not Roster.objects.exists()
    planning.run_roster_job(job["id"])  # what the worker does
    done = planner.get(job["links"]["job"]).json()
    assert (done["status"], done["percent"], done["finished"]) == ("done", 100, True)
    roster_id = done["roster_id"]
    assert done["links"]["roster"] == f"{BASE}/rosters/{roster_id}"
    assert done["draft_short"] == 0  # the first complete roster already covered every shift
    assert planner.get(f"{BASE}/rosters/{roster_id}").json()["status"] == "draft"
    detail = planner.get(f"{BASE}/rosters/{roster_id}").json()
    # Two gate shifts and the patrol, two days, one person each: all covered.
    assert len(detail["assignments"]) == 6
    assert {a["post"] for a in detail["assignments"]} == {"北门", "巡查"}
    assert all(e["text"] for e in detail["explanation"])
    for who in ("staff_b", "cadre", "outsider"):
        assert api(getattr(personas, who)).get(f"{BASE}/rosters/{roster_id}").status_code == 404
        assert (
            api(getattr(personas, who)).post(f"{BASE}/rosters/{roster_id}/publish").status_code
            == 404
        )
    assert api(personas.district).post(f"{BASE}/rosters/{roster_id}/publish").status_code == 403
    published = planner.post(f"{BASE}/rosters/{roster_id}/publish")
    assert published.json()["status"] == "published"
    again = planner.post(f"{BASE}/rosters/{roster_id}/publish")
    assert again.status_code == 400
    replan = planner.post(f"{BASE}/rosters/{roster_id}/replan", {"reason": "有人生病"})
    assert replan.status_code == 201
    assert replan.json()["based_on_id"] == roster_id
    listed = {r["id"] for r in planner.get(f"{BASE}/rosters").json()["items"]}
    assert listed == {roster_id, replan.json()["id"]}
    assert api(personas.staff_b).get(f"{BASE}/rosters").json()["count"] == 0


def test_a_roster_outside_scope_cannot_be_generated(personas, city, duty, api):
    body = {"place_id": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 1}
    assert api(personas.staff_b).post(f"{BASE}/rosters", body).status_code == 404
    assert not Roster.objects.exists()
    assert not RosterJob.objects.exists()
    too_long = api(personas.staff_a).post(f"{BASE}/rosters", {**body, "days": 29})
    assert too_long.status_code == 422


def test_a_cadre_sees_only_their_own_shifts(personas, duty, api, today_plan):
    _roster, mine, _lead, _other = today_plan
    shifts = api(personas.cadre).get(f"{BASE}/me/shifts").json()
    assert [s["id"] for s in shifts] == [mine.pk]
    assert shifts[0]["post"] == "北门"
    assert api(personas.outsider).get(f"{BASE}/me/shifts").json() == []


# --- attendance ---------------------------------------------------------------------------


def test_check_in_by_post_id_then_qr_then_check_out(personas, duty, api, today_plan):
    _roster, mine, _lead, _other = today_plan
    me = api(personas.cadre)
    first = me.post(f"{BASE}/attendance/check-in", {"post_id": duty.gate.pk})
    assert first.status_code == 200
    body = first.json()
    assert body["assignment_id"] == mine.pk
    assert body["late"] is True  # 20 minutes after the start, the rule is 15
    again = me.post(f"{BASE}/attendance/check-in", {"token": duty.gate.token})
    assert again.json()["id"] == body["id"]
    elsewhere = me.post(f"{BASE}/attendance/check-in", {"post_id": duty.patrol.pk})
    assert elsewhere.status_code == 400
    assert "check out of 北门 first" in elsewhere.json()["errors"][0]["message"]
    out = me.post(f"{BASE}/attendance/check-out", {})
    assert out.status_code == 200
    assert out.json()["minutes"] == 0
    assert out.json()["check_out_at"] is not None


def test_check_in_refusals(personas, duty, api, today_plan):
    me = api(personas.cadre)
    assert me.post(f"{BASE}/attendance/check-in", {"post_id": duty.post_b.pk}).status_code == 404
    assert me.post(f"{BASE}/attendance/check-in", {"token": "nope"}).status_code == 404
    both = me.post(f"{BASE}/attendance/check-in", {"post_id": duty.gate.pk, "token": "x"})
    assert both.status_code == 422
    assert me.post(f"{BASE}/attendance/check-in", {}).status_code == 422
    nobody = api(personas.outsider).post(f"{BASE}/attendance/check-in", {"token": duty.gate.token})
    assert nobody.status_code == 403
    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    late = me.post(f"{BASE}/attendance/check-in", {"post_id": duty.gate.pk, "at": future})
    assert late.status_code == 400
    assert late.json()["errors"][0]["field"] == "at"
    assert me.post(f"{BASE}/attendance/check-out", {}).status_code == 400
    assert not Attendance.objects.exists()


def test_the_batch_endpoint_is_exactly_once_across_requests(personas, duty, api, today_plan):
    _roster, mine, _lead, _other = today_plan
    item = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "in",
        "staff_id": duty.people[0].pk,
        "post_token": duty.gate.token,
        "at": (mine.starts_at + dt.timedelta(minutes=5)).isoformat(),
    }
    first = api(personas.cadre).post(f"{BASE}/attendance/batch", {"items": [item]})
    again = api(personas.cadre).post(f"{BASE}/attendance/batch", {"items": [item]})
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["status"] == "created"
    assert again.json()[0]["status"] == "duplicate"
    assert again.json()[0]["id"] == first.json()[0]["id"] == Attendance.objects.get().pk
    assert Attendance.objects.count() == AttendanceEvent.objects.count() == 1


def test_bad_items_are_answered_and_only_a_malformed_or_oversized_batch_is_422(personas, duty, api):
    me = api(personas.cadre)
    ok = {"client_uuid": str(uuid.uuid4()), "kind": "sideways", "staff_id": 1, "at": "soon"}
    bad = me.post(
        f"{BASE}/attendance/batch",
        {
            "items": [
                {**ok, "client_uuid": "x"},
                {**ok, "kind": "sideways"},
                {**ok, "kind": "in", "at": "soon"},
            ]
        },
    )
    assert bad.status_code == 200
    assert [(a["status"], a["field"]) for a in bad.json()] == [
        ("rejected", "client_uuid"),
        ("rejected", "kind"),
        ("rejected", "at"),
    ]
    item = {"kind": "out", "staff_id": duty.people[0].pk, "at": timezone.now().isoformat()}
    many = [{**item, "client_uuid": str(uuid.uuid4())} for _ in range(1001)]
    assert me.post(f"{BASE}/attendance/batch", {"items": many}).status_code == 422
    assert me.post(f"{BASE}/attendance/batch", {"items": "all of them"}).status_code == 422
    assert me.post(f"{BASE}/attendance/batch", {"items": []}).json() == []
    assert not AttendanceEvent.objects.exists()


def test_attendance_and_no_shows_stay_in_scope(personas, city, duty, api, today_plan):
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate)
    rows = api(personas.staff_a).get(f"{BASE}/attendance", community_id=city.a.pk).json()
    assert [r["staff"] for r in rows["items"]] == ["值一"]
    assert api(personas.staff_b).get(f"{BASE}/attendance").json()["count"] == 0
    assert api(personas.cadre).get(f"{BASE}/attendance").json()["count"] == 1
    shows = api(personas.staff_a).get(f"{BASE}/no-shows", community_id=city.a.pk).json()
    assert [a["staff"] for a in shows] == ["值二"]  # the leader has not come
    assert api(personas.staff_b).get(f"{BASE}/no-shows", community_id=city.a.pk).status_code == 404
    assert api(personas.cadre).get(f"{BASE}/no-shows", community_id=city.a.pk).status_code == 404


def test_the_leader_enters_a_presence_by_hand_others_cannot(personas, duty, api, today_plan):
    _roster, mine, lead, _other = today_plan
    leader = login_for(lead.staff, "leader")
    body = {
        "staff_id": duty.people[0].pk,
        "post_id": duty.gate.pk,
        "check_in_at": mine.starts_at.isoformat(),
        "reason": "手机没电",
    }
    done = api(leader).post(f"{BASE}/attendance/manual", body)
    assert done.status_code == 201
    assert done.json()["in_source"] == "manual"
    assert api(personas.staff_b).post(f"{BASE}/attendance/manual", body).status_code == 404
    assert api(personas.cadre).post(f"{BASE}/attendance/manual", body).status_code == 404
    no_reason = api(leader).post(f"{BASE}/attendance/manual", {**body, "reason": ""})
    assert no_reason.status_code == 422


# --- urgent calls -------------------------------------------------------------------------


def test_urgent_call_create_list_answer_close(personas, city, duty, api):
    body = {"community_id": city.a.pk, "where": "3号楼", "needed": 1, "message": "搬运物资"}
    made = api(personas.staff_a).post(f"{BASE}/calls", body)
    assert made.status_code == 201
    call = made.json()
    assert call["notified"] == 1  # only the cadre has a login
    assert api(personas.staff_b).post(f"{BASE}/calls", body).status_code == 404
    assert api(personas.district).post(f"{BASE}/calls", body).status_code == 403
    assert api(personas.staff_a).post(f"{BASE}/calls", {**body, "needed": 0}).status_code == 422
    assert [c["id"] for c in api(personas.staff_a).get(f"{BASE}/calls").json()["items"]] == [
        call["id"]
    ]
    assert api(personas.staff_b).get(f"{BASE}/calls").json()["count"] == 0
    mine = api(personas.cadre).get(f"{BASE}/calls/open").json()
    assert [(c["id"], c["my_answer"]) for c in mine] == [(call["id"], None)]
    assert api(personas.staff_b).post(f"{BASE}/calls/{call['id']}/answer").status_code == 404
    answered = api(personas.cadre).post(f"{BASE}/calls/{call['id']}/answer")
    assert answered.status_code == 200
    assert answered.json()["accepted"] is True
    assert answered.json()["call"]["status"] == "filled"
    assert api(personas.cadre).get(f"{BASE}/calls/open").json() == []  # filled: no longer open
    assert api(personas.staff_b).post(f"{BASE}/calls/{call['id']}/close").status_code == 404
    assert api(personas.cadre).post(f"{BASE}/calls/{call['id']}/close").status_code == 403
    closed = api(personas.staff_a).post(f"{BASE}/calls/{call['id']}/close")
    assert closed.json()["status"] == "closed"
    assert UrgentAnswer.objects.count() == 1


def test_an_ineligible_answer_is_400_with_the_reason(personas, city, duty, api, today_plan):
    call = calls.call_create(actor=personas.staff_a, community=city.a, where="3号楼", needed=2)
    refused = api(personas.cadre).post(f"{BASE}/calls/{call.pk}/answer")
    assert refused.status_code == 400
    assert "You are on 北门 白班" in refused.json()["errors"][0]["message"]


# --- changes and hours --------------------------------------------------------------------


def test_swap_decide_and_scope_through_the_api(personas, city, duty, api):
    roster = roster_for(personas.staff_a, city.a, duty.tomorrow)
    mine = put(roster, night_shift(duty), duty.tomorrow, duty.people[0])
    body = {"assignment_id": mine.pk, "replacement_id": duty.people[3].pk, "reason": "家里有事"}
    assert api(personas.staff_b).post(f"{BASE}/changes/swap", body).status_code == 404
    unknown = api(personas.cadre).post(f"{BASE}/changes/swap", {**body, "replacement_id": 999_999})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "replacement_id"
    asked = api(personas.cadre).post(f"{BASE}/changes/swap", body)
    assert asked.status_code == 201
    change = asked.json()
    assert (change["kind"], change["status"], change["replacement"]) == ("swap", "pending", "值四")
    url = f"{BASE}/changes/{change['id']}/decide"
    assert api(personas.staff_b).post(url, {"approve": True}).status_code == 404
    assert api(personas.cadre).post(url, {"approve": True}).status_code == 403
    decided = api(personas.staff_a).post(url, {"approve": True})
    assert decided.json()["status"] == "approved"
    assert [c["id"] for c in api(personas.cadre).get(f"{BASE}/changes").json()["items"]] == [
        change["id"]
    ]
    assert api(personas.staff_b).get(f"{BASE}/changes").json()["count"] == 0
    # The shift is the replacement's now: the cadre no longer sees it.
    assert api(personas.cadre).post(f"{BASE}/changes/swap", body).status_code == 404


def test_sick_report_and_cancel_through_the_api(personas, city, duty, api):
    roster = roster_for(personas.staff_a, city.a, duty.tomorrow)
    mine = put(roster, day_shift(duty), duty.tomorrow, duty.people[0])
    sick = api(personas.cadre).post(f"{BASE}/changes/sick", {"assignment_id": mine.pk})
    assert sick.status_code == 201
    assert sick.json()["proposal_id"] is not None
    assert (
        api(personas.staff_b).post(f"{BASE}/changes/{sick.json()['id']}/cancel").status_code == 404
    )
    cancelled = api(personas.cadre).post(f"{BASE}/changes/{sick.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert ShiftChange.objects.get().status == "cancelled"
    someone_else = api(personas.outsider).post(f"{BASE}/changes/sick", {"assignment_id": mine.pk})
    assert someone_else.status_code == 404


def test_hours_report_through_the_api(personas, duty, api, today_plan):
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate)
    report = api(personas.staff_a).get(f"{BASE}/reports/hours", by="community").json()
    assert [(r["name"], r["person_times"], r["open"]) for r in report["rows"]] == [("甲社区", 1, 1)]
    assert report["total"]["person_times"] == 1
    assert api(personas.staff_b).get(f"{BASE}/reports/hours").json()["rows"] == []
    bad = api(personas.staff_a).get(f"{BASE}/reports/hours", by="street")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "by"
