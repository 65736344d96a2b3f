"""Routes of a testing round's door-to-door pages (`round_views.py`), under /outreach/rounds/.
The old /testing/ addresses of these pages redirect here (testing/urls.py)."""

from django.urls import path

from shequ.outreach import round_views as views

app_name = "outreach_rounds"
urlpatterns = [
    path("<int:round_id>/missed/", views.missed, name="missed"),
    path("<int:round_id>/missed/send/", views.missed_send, name="missed_send"),
    path("<int:round_id>/missed.xlsx", views.missed_xlsx, name="missed_xlsx"),
    path("<int:round_id>/missed/<int:building_id>.pdf", views.missed_pdf, name="missed_pdf"),
    path("<int:round_id>/missed/<int:resident_id>/outcome/", views.outcome_record, name="outcome"),
    path("<int:round_id>/missed/<int:resident_id>/home/", views.home_request, name="home_request"),
    path("<int:round_id>/home/", views.home_tasks, name="home_tasks"),
    path("<int:round_id>/home/assign/", views.home_assign, name="home_assign"),
    path("home/<int:task_id>/", views.home_swab, name="home_swab"),
]
