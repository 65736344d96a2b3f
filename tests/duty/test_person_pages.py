"""The person's side: my shifts (check in / out), post QR, calendar feed, swap / sick,
urgent calls, approvals and the hours page."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shequ.duty import calls
from shequ.duty.models import (
    Attendance,
    ChangeKind,
    ChangeStatus,
    ShiftChange,
    UrgentAnswer,
)
from shequ.duty.views.me import ical_token
from tests.duty.helpers import day_shift, night_shift, put, roster_for

pytestmark = pytest.mark.django_db


def _published(personas, city, duty, starts_in_hours: float = 0):
    """A published roster with the cadre (duty.people[0]) on the gate's day shift now and
    on the night shift in three days."""
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=7)
    start = timezone.now() + dt.timedelta(hours=starts_in_hours)
    now_shift = put(roster, day_shift(duty), today, duty.people[0], leader=True, starts_at=start)
    later = put(roster, night_shift(duty), today + dt.timedelta(days=3), duty.people[0])
    return roster, now_shift, later


def test_my_shifts_shows_the_shift_now_and_checks_in_and_out(client, login, personas, city, duty):
    _roster, now_shift, later = _published(personas, city, duty)
    login(personas.cadre)
    html = client.get(reverse("duty:me")).content.decode()
    assert 'data-testid="today-shift"' in html
    assert "北门" in html
    assert 'data-testid="check-in"' in html
    assert f"{later.day:%m-%d}" in html
    client.post(reverse("duty:me"), {"check_in": duty.gate.pk})
    presence = Attendance.objects.get(staff=duty.people[0])
    assert presence.post == duty.gate
    assert presence.assignment == now_shift
    html = client.get(reverse("duty:me")).content.decode()
    assert 'data-testid="checked-in"' in html
    assert 'data-testid="check-in"' not in html
    client.post(reverse("duty:me"), {"check_out": "1"})
    presence.refresh_from_db()
    assert presence.check_out_at is not None
    assert presence.minutes is not None


def test_scanning_the_post_qr_checks_in_there(client, login, personas, city, duty):
    _published(personas, city, duty)
    login(personas.staff_a)
    svg = client.get(reverse("duty:post_qr", args=[duty.gate.pk]))
    assert svg.status_code == 200
    assert b"<svg" in svg.content
    login(personas.cadre)
    url = reverse("duty:scan", args=[duty.gate.token])
    assert "北门" in client.get(url).content.decode()
    client.post(url)
    presence = Attendance.objects.get(staff=duty.people[0])
    assert presence.in_source == "qr"
    assert presence.post == duty.gate
    assert client.get(reverse("duty:scan", args=["not-a-token"])).status_code == 404


def test_calendar_feed_lists_the_persons_shifts_and_refuses_a_forged_link(
    client, personas, city, duty
):
    _roster, now_shift, later = _published(personas, city, duty)
    token = ical_token(duty.people[0])
    response = client.get(reverse("duty:ical", args=[token]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    expected = [now_shift.starts_at, later.starts_at]
    assert [e.decoded("dtstart") for e in events] == [t.replace(microsecond=0) for t in expected]
    assert "北门" in str(events[0]["summary"])
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("duty:ical", args=[forged])).status_code == 404
    other = ical_token(duty.people[1])
    assert client.get(reverse("duty:ical", args=[other])).content.count(b"BEGIN:VEVENT") == 0


def test_sick_report_from_my_shifts_reaches_the_changes_page(client, login, personas, city, duty):
    _roster, _now, later = _published(personas, city, duty)
    login(personas.cadre)
    client.post(reverse("duty:me"), {"sick": later.pk, "reason": "发烧"})
    change = ShiftChange.objects.get(assignment=later)
    assert change.kind == ChangeKind.SICK
    assert change.reason == "发烧"
    assert 'data-testid="change-asked"' in client.get(reverse("duty:me")).content.decode()
    login(personas.staff_a)
    html = client.get(reverse("duty:changes")).content.decode()
    assert "发烧" in html
    assert duty.people[0].name in html
    login(personas.staff_b)
    assert "发烧" not in client.get(reverse("duty:changes")).content.decode()


def test_a_change_decision_must_be_chosen_and_a_bad_change_id_is_unknown(
    client, login, personas, city, duty
):
    _roster, _now, later = _published(personas, city, duty)
    login(personas.cadre)
    client.post(reverse("duty:me"), {"sick": later.pk, "reason": "发烧"})
    change = ShiftChange.objects.get(assignment=later)
    login(personas.staff_a)
    url = reverse("duty:changes")
    for crafted in ({"change": change.pk}, {"change": change.pk, "decision": "maybe"}):
        response = client.post(url, crafted)
        assert response.status_code == 400
        assert 'data-testid="decision-error"' in response.content.decode()
        assert "请选择：批准、拒绝或撤回。" in response.content.decode()
        change.refresh_from_db()
        assert change.status == ChangeStatus.PENDING  # not refused for want of a decision
    for bad_id in ("", "abc", "1.5", str(2**70)):
        assert client.post(url, {"change": bad_id, "decision": "refuse"}).status_code == 404
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url, {"change": change.pk})
    assert "Choose a decision: approve, refuse or cancel." in response.content.decode()
    response = client.post(url, {"change": change.pk, "decision": "refuse"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.REFUSED


def test_a_swap_is_refused_at_its_field_in_the_shifts_row(client, login, personas, city, duty):
    _roster, now_shift, later = _published(personas, city, duty)
    login(personas.cadre)
    url = reverse("duty:me")
    for replacement in ("", "abc", "0"):  # nobody chosen, or a crafted value
        sent = {"replacement": replacement, "reason": "家里有事", "swap": later.pk}
        response = client.post(url, sent)
        html = response.content.decode()
        assert response.status_code == 400
        assert 'data-testid="replacement-error"' in html
        assert "请选择替班人。" in html
        assert 'value="家里有事"' in html  # the reason is kept
    long = {"replacement": "", "reason": "病" * 201, "sick": later.pk}
    response = client.post(url, long)
    assert response.status_code == 400
    assert 'data-testid="reason-error"' in response.content.decode()
    both = client.post(url, {"replacement": "", "reason": "", "swap": later.pk, "sick": later.pk})
    assert both.status_code == 400
    assert "请选择换班或请病假，二者选一。" in both.content.decode()
    assert not ShiftChange.objects.exists()
    # the shift now has no form on the page: its refusal is said at the top
    started = client.post(url, {"replacement": duty.people[3].pk, "swap": now_shift.pk})
    assert started.status_code == 400
    assert 'role="status"' in started.content.decode()
    for bad_id in ("", "abc", str(2**70)):
        assert client.post(url, {"replacement": "", "swap": bad_id}).status_code == 404
        assert client.post(url, {"check_in": bad_id}).status_code == 404
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url, {"replacement": "", "reason": "", "swap": later.pk})
    assert "Choose who takes the shift." in response.content.decode()
    response = client.post(url, {"replacement": duty.people[3].pk, "reason": "", "swap": later.pk})
    assert response.status_code == 302
    change = ShiftChange.objects.get(assignment=later)
    assert (change.kind, change.replacement) == (ChangeKind.SWAP, duty.people[3])


def test_urgent_call_page_posts_and_the_answer_is_kept(client, login, personas, city, duty):
    login(personas.staff_a)
    response = client.post(
        reverse("duty:calls"),
        {"community": city.a.pk, "where": "核酸点", "needed": 1, "hours": 2, "message": ""},
    )
    call = calls.calls_for(personas.staff_a).get()
    assert response.status_code == 302
    assert call.where == "核酸点"
    login(personas.cadre)
    assert "核酸点" in client.get(reverse("duty:me")).content.decode()
    html = client.post(reverse("duty:call", args=[call.pk])).content.decode()
    assert 'data-testid="answer"' in html
    assert UrgentAnswer.objects.get(call=call, staff=duty.people[0]).accepted
    login(personas.staff_b)
    assert client.get(reverse("duty:call", args=[call.pk])).status_code == 404


def test_urgent_call_form_keeps_input_and_names_the_field(client, login, personas, city, duty):
    login(personas.staff_a)
    response = client.post(
        reverse("duty:calls"),
        {"community": city.a.pk, "where": "核酸点", "needed": 0, "hours": 2},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "核酸点" in html
    assert "sq-field-error" in html


def test_hours_page_shows_person_times_and_hours(client, login, personas, city, duty):
    _roster, _now_shift, _later = _published(personas, city, duty, starts_in_hours=-3)
    login(personas.cadre)
    client.post(reverse("duty:me"), {"check_in": duty.gate.pk})
    Attendance.objects.filter(staff=duty.people[0]).update(
        check_in_at=timezone.now() - dt.timedelta(hours=3)
    )
    client.post(reverse("duty:me"), {"check_out": "1"})
    login(personas.staff_a)
    html = client.get(reverse("duty:hours"), {"by": "person"}).content.decode()
    assert duty.people[0].name in html
    assert "3.0" in html
    login(personas.staff_b)
    assert duty.people[0].name not in client.get(reverse("duty:hours")).content.decode()


def test_a_role_that_plans_no_duty_may_not_post_an_urgent_call(client, login, personas, city):
    login(personas.cadre)
    assert client.post(reverse("duty:calls"), {}).status_code == 403
    filled = {"community": city.a.pk, "where": "核酸点", "needed": 1, "hours": 2}
    assert client.post(reverse("duty:calls"), filled).status_code == 403
    assert not calls.calls_for(personas.staff_a).exists()
    assert client.get(reverse("duty:calls")).status_code == 200


def test_an_urgent_call_for_a_community_one_does_not_plan_is_refused_at_its_field(
    client, login, personas, city, duty
):
    login(personas.staff_a)
    response = client.post(
        reverse("duty:calls"),
        {"community": city.b.pk, "where": "核酸点", "needed": 1, "hours": 2},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not calls.calls_for(personas.hq).exists()
    field = html[html.index('name="community"') - 400 : html.index('name="community"')]
    assert "sq-field-error" in field
    assert "核酸点" in html
