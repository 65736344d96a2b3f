from django.urls import path

from shequ.web import search_views, signin_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", signin_views.code_login, name="code_login"),
    path("login/forgot/", signin_views.forgot_password, name="forgot_password"),
    path("i/<str:token>/", signin_views.invitation, name="invitation"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.switch_language, name="language"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("inbox/<int:note_id>/", views.inbox_open, name="inbox_open"),
    path("search/", search_views.search, name="search"),
]
