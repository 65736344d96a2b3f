"""Routes of duty's pages (/duty/…); the API's are in `duty/api.py`."""

from django.urls import path

from shequ.duty.views import calls, changes, hours, me, roster_jobs, rosters, setup

app_name = "duty"
urlpatterns = [
    path("", setup.home, name="home"),
    path("me/", me.me, name="me"),
    path("ical/<str:token>.ics", me.ical_feed, name="ical"),
    path("posts/<int:post_id>/qr.svg", me.post_qr, name="post_qr"),
    path("p/<str:token>/", me.scan, name="scan"),
    path("changes/", changes.changes_page, name="changes"),
    path("calls/", calls.calls_page, name="calls"),
    path("calls/<int:call_id>/", calls.call_page, name="call"),
    path("hours/", hours.hours_page, name="hours"),
    path("rosters/new/", rosters.roster_new, name="roster_new"),
    path("rosters/jobs/<int:job_id>/", roster_jobs.roster_job, name="roster_job"),
    path("rosters/<int:roster_id>/", rosters.roster_page, name="roster"),
    path("rosters/<int:roster_id>/<str:action>/", rosters.roster_action, name="roster_action"),
    path("rosters/<int:roster_id>/roster.xlsx", rosters.roster_export, name="roster_export"),
    path("rosters/<int:roster_id>/roster.pdf", rosters.roster_pdf, name="roster_pdf"),
    path(
        "rosters/<int:roster_id>/cell/<int:shift_id>/<str:day>/",
        rosters.roster_cell,
        name="roster_cell",
    ),
    path(
        "rosters/<int:roster_id>/check/<int:shift_id>/<str:day>/",
        rosters.roster_check,
        name="roster_check",
    ),
    path("communities/<int:community_id>/", setup.posts_page, name="posts"),
    path("shifts/<int:shift_id>/needs/", setup.requirement_page, name="requirement"),
]
