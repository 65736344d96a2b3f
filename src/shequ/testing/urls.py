"""Routes of the pages under /testing/ (the views are in `testing/views/`, one module per
feature)."""

from django.urls import path

from shequ.testing.views import lab, missed, rounds, station, transfers

app_name = "testing"
urlpatterns = [
    path("", rounds.home, name="home"),
    path("rounds/new/", rounds.round_new, name="round_new"),
    path("sites/new/", rounds.site_new, name="site_new"),
    path("rounds/<int:round_id>/", rounds.round_detail, name="round"),
    path("rounds/<int:round_id>/finish/", rounds.round_finish, name="round_finish"),
    path("rounds/<int:round_id>/missed/", missed.missed, name="missed"),
    path("rounds/<int:round_id>/missed.xlsx", missed.missed_xlsx, name="missed_xlsx"),
    path(
        "rounds/<int:round_id>/missed/<int:building_id>.pdf", missed.missed_pdf, name="missed_pdf"
    ),
    path(
        "rounds/<int:round_id>/missed/<int:resident_id>/outcome/",
        missed.outcome_record,
        name="outcome",
    ),
    path(
        "rounds/<int:round_id>/missed/<int:resident_id>/home/",
        missed.home_request,
        name="home_request",
    ),
    path("rounds/<int:round_id>/home/", missed.home_tasks, name="home_tasks"),
    path("rounds/<int:round_id>/home/assign/", missed.home_assign, name="home_assign"),
    path("rounds/<int:round_id>/transfers/", transfers.transfers, name="transfers"),
    path("rounds/<int:round_id>/recalls/", rounds.recalls, name="recalls"),
    path("rounds/<int:round_id>/summary.pdf", rounds.summary_pdf, name="summary_pdf"),
    path("home/<int:task_id>/", missed.home_swab, name="home_swab"),
    path("recalls/<int:recall_id>/", rounds.recall, name="recall"),
    path("stations/sw.js", station.station_sw, name="station_sw"),
    path("stations/<int:station_id>/", station.station, name="station"),
    path(
        "stations/<int:station_id>/snapshot.json",
        station.station_snapshot,
        name="station_snapshot",
    ),
    path("lab/", lab.lab, name="lab"),
    path("lab/import/", lab.lab_import, name="lab_import"),
    path("lab/import/<uuid:job_id>/", lab.lab_import_job, name="lab_import_job"),
    path("lab/import/<uuid:job_id>/errors.xlsx", lab.lab_import_errors, name="lab_import_errors"),
]
