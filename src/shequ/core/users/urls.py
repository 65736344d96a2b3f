"""Routes of the Users section."""

from django.urls import path

from shequ.core.users import views

app_name = "core_users"
urlpatterns = [
    path("", views.users_page, name="list"),
    path("<int:user_id>/", views.user_page, name="user"),
    path("<int:user_id>/roles/", views.role_add, name="role_add"),
    path("<int:user_id>/roles/<int:role_id>/remove/", views.role_remove, name="role_remove"),
    path("<int:user_id>/lock/", views.user_lock, name="lock"),
    path("<int:user_id>/reset/", views.signin_reset, name="reset"),
    path("password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
