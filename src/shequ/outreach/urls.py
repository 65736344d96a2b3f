from django.urls import path

from shequ.outreach import door_views, views

app_name = "outreach"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("c/<int:campaign_id>/", views.board, name="board"),
    path("c/<int:campaign_id>/questions/", views.questions, name="questions"),
    path("c/<int:campaign_id>/doors.xlsx", views.tasks_export, name="tasks_export"),
    path("c/<int:campaign_id>/b/<int:building_id>/", door_views.doors, name="doors"),
    path("t/<int:task_id>/", door_views.task, name="task"),
    path("mine/", door_views.mine, name="mine"),
    path("proposals/", views.proposals, name="proposals"),
    path("sw.js", door_views.doors_sw, name="sw"),
]
