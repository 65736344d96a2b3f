from django.urls import path

from shequ.places import views

app_name = "places"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:place_id>/", views.detail, name="detail"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<uuid:job_id>/", views.import_job, name="import_job"),
    path("import/<uuid:job_id>/errors.xlsx", views.import_errors, name="import_errors"),
    path("<int:place_id>/zone/", views.set_zone, name="set_zone"),
    path("<int:place_id>/zone/lift/", views.lift_zone, name="lift_zone"),
]
