"""The public volunteer sign-up page (/v/<community code>/), outside the login."""

from django.urls import path

from shequ.mobilization.views import signup

app_name = "volunteer"
urlpatterns = [path("<str:code>/", signup.signup, name="signup")]
