"""Routes of the mobilization pages (the API's are in api.py)."""

from django.urls import path

from shequ.mobilization.views import accounts, board, dispatch, pairings, staff, teams

app_name = "mobilization"
urlpatterns = [
    path("", board.board_page, name="board"),
    path("orders/new/", board.order_new, name="order_new"),
    path("me/", board.me, name="me"),
    path("r/<str:token>/", board.report_in_page, name="report_in"),
    path("r/<str:token>/qr.svg", board.qr_svg, name="qr"),
    path("check-in/", board.check_in_page, name="check_in"),
    path("needs/", board.needs_page, name="needs"),
    path("staff/", staff.staff_page, name="staff"),
    path("staff/import/", staff.staff_import, name="staff_import"),
    path("staff/import/<uuid:job_id>/", staff.staff_import_job, name="staff_import_job"),
    path(
        "staff/import/<uuid:job_id>/errors.xlsx",
        staff.staff_import_errors,
        name="staff_import_errors",
    ),
    path("staff/<int:staff_id>/invite/", accounts.staff_invite, name="staff_invite"),
    path("agencies/import/", accounts.agency_import, name="agency_import"),
    path("agencies/import/<uuid:job_id>/", accounts.agency_import_job, name="agency_import_job"),
    path(
        "agencies/import/<uuid:job_id>/errors.xlsx",
        accounts.agency_import_errors,
        name="agency_import_errors",
    ),
    path("volunteers/", accounts.vetting_page, name="vetting"),
    path(
        "volunteers/poster/<int:place_id>.pdf",
        accounts.volunteer_poster_pdf,
        name="volunteer_poster",
    ),
    path("orders/<int:order_id>/reported.xlsx", board.reported_export, name="reported_export"),
    path("teams/", teams.teams_page, name="teams"),
    path("batches/", dispatch.batches_page, name="batches"),
    path("moves/", dispatch.moves_page, name="moves"),
    path("pairings/", pairings.pairings_page, name="pairings"),
    path("pairings/<int:pairing_id>/end/", pairings.pairing_end, name="pairing_end"),
    path("teams/drafts/<int:draft_id>/", teams.draft_page, name="draft"),
    path("orders/<int:order_id>/teams.xlsx", teams.teams_export, name="teams_export"),
]
