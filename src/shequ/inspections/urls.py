from django.urls import path

from shequ.inspections import phone_views, views

app_name = "inspections"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_visit, name="new"),
    path("phone/", phone_views.phone, name="phone"),
    path("phone/sw.js", phone_views.phone_sw, name="phone_sw"),
    path("v/<int:visit_id>/", views.visit, name="visit"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:rectification_id>/", views.task, name="task"),
    path("summary/", views.summary, name="summary"),
    path("summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("setup/", views.setup, name="setup"),
    path("v/<int:visit_id>/photos/<int:photo_id>/", views.photo, name="photo"),
]
