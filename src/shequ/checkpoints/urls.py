"""Pages under /checkpoints/: the gate page (gate_views), passes and rules (pass_views), the
log, alerts and figures (views)."""

from shequ.checkpoints import gate_views, pass_views, views

app_name = "checkpoints"
urlpatterns = [*views.urlpatterns, *gate_views.urlpatterns, *pass_views.urlpatterns]
