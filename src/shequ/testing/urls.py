"""Routes of the pages under /testing/ (the views are in `testing/views/`, one module per
feature)."""

from django.urls import path

from shequ.testing.views import lab, rounds, station, transfers
from shequ.testing.views.common import moved

app_name = "testing"
urlpatterns = [
    path("", rounds.home, name="home"),
    path("rounds/new/", rounds.round_new, name="round_new"),
    path("sites/new/", rounds.site_new, name="site_new"),
    path("rounds/<int:round_id>/", rounds.round_detail, name="round"),
    path("rounds/<int:round_id>/finish/", rounds.round_finish, name="round_finish"),
    # The missed list and home sampling are outreach's pages now: the old addresses redirect.
    path("rounds/<int:round_id>/missed/", moved("missed"), name="missed"),
    path("rounds/<int:round_id>/home/", moved("home_tasks"), name="home_tasks"),
    path("rounds/<int:round_id>/transfers/", transfers.transfers, name="transfers"),
    path("rounds/<int:round_id>/recalls/", rounds.recalls, name="recalls"),
    path("rounds/<int:round_id>/summary.pdf", rounds.summary_pdf, name="summary_pdf"),
    path("home/<int:task_id>/", moved("home_swab"), name="home_swab"),
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
