from django.urls import path

from shequ.patrols import finding_views, phone_views, views

app_name = "patrols"

urlpatterns = [
    path("", views.checklist, name="checklist"),
    path("phone/", phone_views.phone, name="phone"),
    path("phone/sw.js", phone_views.phone_sw, name="phone_sw"),
    path("setup/", views.setup, name="setup"),
    path("rounds/", views.history, name="history"),
    path("rounds/<int:patrol_round_id>/photo/", views.round_photo, name="round_photo"),
    path("findings/", finding_views.findings, name="findings"),
    path("findings/new/", finding_views.new_finding, name="new_finding"),
    path("findings/<int:finding_id>/", finding_views.finding, name="finding"),
    path("findings/<int:finding_id>/photo/", finding_views.finding_photo, name="finding_photo"),
]
