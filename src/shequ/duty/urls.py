from django.urls import path

from shequ.duty import views

app_name = "duty"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
    path("posts/<int:post_id>/qr.svg", views.post_qr, name="post_qr"),
    path("p/<str:token>/", views.scan, name="scan"),
    path("changes/", views.changes_page, name="changes"),
    path("calls/", views.calls_page, name="calls"),
    path("calls/<int:call_id>/", views.call_page, name="call"),
    path("hours/", views.hours_page, name="hours"),
    path("rosters/new/", views.roster_new, name="roster_new"),
    path("rosters/<int:roster_id>/", views.roster_page, name="roster"),
    path("rosters/<int:roster_id>/<str:action>/", views.roster_action, name="roster_action"),
    path("rosters/<int:roster_id>/roster.xlsx", views.roster_export, name="roster_export"),
    path(
        "rosters/<int:roster_id>/cell/<int:shift_id>/<str:day>/",
        views.roster_cell,
        name="roster_cell",
    ),
    path(
        "rosters/<int:roster_id>/check/<int:shift_id>/<str:day>/",
        views.roster_check,
        name="roster_check",
    ),
    path("communities/<int:community_id>/", views.posts_page, name="posts"),
    path("shifts/<int:shift_id>/needs/", views.requirement_page, name="requirement"),
]
