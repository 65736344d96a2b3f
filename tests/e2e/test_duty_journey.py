"""Browser journey for duty: community staff make and publish a roster, a cadre sees the
shift on their phone and checks in."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.duty import services
from shequ.duty.models import Attendance, Post, RequestKind, Roster, RosterJob, RosterJobStatus
from tests.duty.helpers import run_roster_jobs
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in


def test_staff_roster_then_cadre_checks_in(live_server, personas, city, duty, browser):
    # One post with a shift that runs now, which the cadre asked for; other posts off.
    Post.objects.update(active=False)
    post = services.post_create(
        actor=personas.staff_a, community=city.a, name="临时卡口", kind="checkpoint", pattern="none"
    )
    now = timezone.localtime()
    shift = services.shift_add(
        actor=personas.staff_a, post=post, name="值守", starts=dt.time(now.hour, 0), minutes=240
    )
    services.duty_request_add(
        actor=personas.cadre,
        staff=duty.people[0],
        day=now.date(),
        kind=RequestKind.PREFER,
        shift=shift,
    )

    desk_context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = desk_context.new_page()
    desk.set_default_timeout(20_000)
    _log_in(desk, live_server, "staff_a")
    desk.goto(f"{live_server.url}/duty/")
    desk.select_option("select[name=place]", str(city.a.pk))
    desk.fill("input[name=starts_on]", now.date().isoformat())
    desk.fill("input[name=days]", "1")
    desk.click("[data-testid=generate]")
    # The roster is made in the background: the job page follows it until the draft is there.
    desk.wait_for_selector("[data-testid=roster-job][data-status=queued]")
    job_page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    _log_in(job_page, live_server, "staff_a")
    job_page.goto(desk.url)
    job_page.wait_for_selector("[data-testid=roster-job]")
    job_page.screenshot(path=str(ARTIFACTS / "roster-job-360.png"), full_page=True)
    assert job_page.evaluate("document.documentElement.scrollWidth") <= 360
    # Mid-solve, as the worker writes it: the first complete roster's figures while it is
    # improved (the card's poll brings them).
    job = RosterJob.objects.get()
    RosterJob.objects.filter(pk=job.pk).update(
        status=RosterJobStatus.SOLVING,
        percent=40,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        draft_objective=3796,
        draft_short=0,
        draft_seconds=4.2,
    )
    job_page.wait_for_selector("[data-testid=job-draft]")
    assert "3796" in job_page.inner_text("[data-testid=job-draft]")
    job_page.screenshot(path=str(ARTIFACTS / "roster-job-draft-360.png"), full_page=True)
    assert job_page.evaluate("document.documentElement.scrollWidth") <= 360
    RosterJob.objects.filter(pk=job.pk).update(status=RosterJobStatus.QUEUED, percent=0)
    run_roster_jobs()  # the worker's turn
    desk.wait_for_selector("[data-testid=roster-grid]")
    assert duty.people[0].name in desk.inner_text("[data-testid=roster-grid]")
    desk.click("[data-testid=publish]")
    desk.wait_for_selector("[data-testid=roster-status]")
    assert Roster.objects.get(place=city.a).status == "published"
    desk.screenshot(path=str(ARTIFACTS / "roster-grid-1280.png"), full_page=True)

    phone_context = browser.new_context(viewport={"width": 360, "height": 740})
    phone = phone_context.new_page()
    phone.set_default_timeout(20_000)
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/duty/me/")
    assert "临时卡口" in phone.inner_text("[data-testid=today-shift]")
    phone.click("[data-testid=check-in]")
    phone.wait_for_selector("[data-testid=checked-in]")
    phone.screenshot(path=str(ARTIFACTS / "my-shifts-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    presence = Attendance.objects.get(staff=duty.people[0])
    assert presence.post == post
    assert presence.assignment is not None
    desk_context.close()
    phone_context.close()
