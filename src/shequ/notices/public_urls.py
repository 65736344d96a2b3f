"""The residents' notice and answers pages (/n/…), outside the login."""

from django.urls import path

from shequ.notices import public_views

app_name = "notice"
urlpatterns = [
    path("q/<str:code>/", public_views.answers_page, name="answers"),
    path("<str:token>/", public_views.notice_page, name="page"),
    path("<str:token>/f/<int:file_id>/", public_views.notice_file, name="file"),
]
