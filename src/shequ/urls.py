"""Page routes, the API and the admin."""

from django.contrib import admin
from django.urls import include, path

from shequ.api import api

urlpatterns = [
    path("", include("shequ.web.urls")),
    path("places/", include("shequ.places.urls")),
    path("residents/", include("shequ.residents.urls")),
    path("mobilization/", include("shequ.mobilization.urls")),
    path("v/", include("shequ.mobilization.public_urls")),
    path("duty/", include("shequ.duty.urls")),
    path("checkpoints/", include("shequ.checkpoints.urls")),
    path("testing/", include("shequ.testing.urls")),
    path("outreach/rounds/", include("shequ.outreach.round_urls")),
    path("users/", include("shequ.core.users.urls")),
    path("notify/", include("shequ.notify.urls")),
    path("reports/", include("shequ.reports.urls")),
    path("help/", include("shequ.assistance.urls")),
    path("inspections/", include("shequ.inspections.urls")),
    path("supplies/", include("shequ.supplies.urls")),
    path("patrols/", include("shequ.patrols.urls")),
    path("outreach/", include("shequ.outreach.urls")),
    path("h/", include("shequ.assistance.public_urls")),
    path("notices/", include("shequ.notices.urls")),
    path("n/", include("shequ.notices.public_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "shequ.web.views.bad_request"
handler403 = "shequ.web.views.forbidden"
handler404 = "shequ.web.views.not_found"
handler500 = "shequ.web.views.server_error"
