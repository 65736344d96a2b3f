"""Pages under /checkpoints/: the home, the passage log and figures (views), the gate page
(gate_views), entry passes (pass_views) and gate rules (rules_views)."""

from django.urls import path

from shequ.checkpoints import gate_views, pass_views, rules_views, views

app_name = "checkpoints"
urlpatterns = [
    path("", views.home, name="home"),
    path("passages/", views.log, name="log"),
    path("passages/<int:passage_id>/", views.passage, name="passage"),
    path("figures/", views.figures, name="figures"),
    path("gate/", gate_views.gate_list, name="gate_list"),
    path("gate/sw.js", gate_views.service_worker, name="gate_sw"),
    path("gate/<int:gate_id>/", gate_views.gate, name="gate"),
    path("passes/", pass_views.pass_list, name="pass_list"),
    path("passes/issue/", pass_views.pass_issue_building, name="pass_issue_building"),
    path(
        "passes/issue/household/<int:household_id>/",
        pass_views.pass_issue_household,
        name="pass_issue_household",
    ),
    path("passes/<int:pass_id>/", pass_views.pass_detail, name="pass_detail"),
    path("passes/<int:pass_id>/qr.svg", pass_views.pass_qr, name="pass_qr"),
    path(
        "passes/building/<int:building_id>.pdf",
        pass_views.building_pdf,
        name="passes_building_pdf",
    ),
    path("rules/", rules_views.rules_index, name="rules_index"),
    path("rules/<int:community_id>/", rules_views.rules_page, name="rules"),
]
