from django.urls import path

from shequ.notices import answer_views, views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
    path("<int:notice_id>/poster.pdf", views.notice_poster_pdf, name="poster"),
    path("<int:notice_id>/files/<int:file_id>/", views.notice_file, name="file"),
    path("answers/", answer_views.answer_list, name="answers"),
    path("answers/new/", answer_views.answer_edit, name="answer_new"),
    path("answers/<int:answer_id>/", answer_views.answer_edit, name="answer"),
    path("hotline/", answer_views.call_list, name="calls"),
    path("hotline/<int:call_id>/", answer_views.call_detail, name="call"),
]
