"""Web Push: the service worker and the (un)subscribe calls of the inbox page."""

from django.urls import path

from shequ.notify import views

app_name = "notify"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
]
