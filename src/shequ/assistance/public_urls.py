"""The resident's public help page (/h/<compound code>/), outside the login."""

from django.urls import path

from shequ.assistance import public_views

app_name = "help"
urlpatterns = [path("<str:code>/", public_views.help_page, name="page")]
