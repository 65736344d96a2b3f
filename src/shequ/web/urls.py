from django.urls import path

from shequ.web import search_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.switch_language, name="language"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("inbox/<int:note_id>/", views.inbox_open, name="inbox_open"),
    path("search/", search_views.search, name="search"),
]
