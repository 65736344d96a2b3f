from django.urls import path

from shequ.places import views

app_name = "places"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:place_id>/", views.detail, name="detail"),
    path("<int:place_id>/zone/", views.set_zone, name="set_zone"),
    path("<int:place_id>/zone/lift/", views.lift_zone, name="lift_zone"),
]
