"""Pages of help requests: the queue, one request, my tasks, figures."""

from django.urls import path

from shequ.assistance import isolation_views, views, watch_views

app_name = "assistance"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("new/", views.new_page, name="new"),
    path("mine/", views.mine_page, name="mine"),
    path("figures/", views.figures_page, name="figures"),
    path("isolation/", isolation_views.isolation_board, name="isolation"),
    path("watch/", watch_views.watch_page, name="watch"),
    path("poster/<int:place_id>/", views.poster_pdf, name="poster"),
    path("<int:request_id>/", views.request_page, name="request"),
    path("<int:request_id>/receipt/", views.receipt_page, name="receipt"),
]
