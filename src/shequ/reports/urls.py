from django.urls import path

from shequ.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<int:community_id>/<str:day>/", views.community, name="community"),
    path("p/<int:place_id>/<str:day>/", views.rollup, name="rollup"),
    path("agency/<str:day>/", views.agency, name="agency"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
]
