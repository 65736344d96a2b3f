"""Pages under /testing/ (see views.py and transfer_views.py)."""

from shequ.testing import transfer_views, views

app_name = "testing"
urlpatterns = [*views.urlpatterns, *transfer_views.urlpatterns]
