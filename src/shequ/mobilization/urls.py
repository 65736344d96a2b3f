from django.urls import path

from shequ.mobilization import views

app_name = "mobilization"
urlpatterns = [
    path("", views.board_page, name="board"),
    path("orders/new/", views.order_new, name="order_new"),
    path("me/", views.me, name="me"),
    path("r/<str:token>/", views.report_in_page, name="report_in"),
    path("r/<str:token>/qr.svg", views.qr_svg, name="qr"),
    path("check-in/", views.check_in_page, name="check_in"),
    path("needs/", views.needs_page, name="needs"),
    path("staff/", views.staff_page, name="staff"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/import/<uuid:job_id>/", views.staff_import_job, name="staff_import_job"),
    path(
        "staff/import/<uuid:job_id>/errors.xlsx",
        views.staff_import_errors,
        name="staff_import_errors",
    ),
    path("orders/<int:order_id>/reported.xlsx", views.reported_export, name="reported_export"),
    path("teams/", views.teams_page, name="teams"),
    path("batches/", views.batches_page, name="batches"),
    path("moves/", views.moves_page, name="moves"),
    path("teams/drafts/<int:draft_id>/", views.draft_page, name="draft"),
    path("orders/<int:order_id>/teams.xlsx", views.teams_export, name="teams_export"),
]
