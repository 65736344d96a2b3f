"""WSGI entry point for granian, gunicorn or any WSGI server."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
application = get_wsgi_application()
_patterns = get_resolver().url_patterns  # imports every view and API module now

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: keep
# it out of the garbage collector's scans, which otherwise walk it again and again while a
# batch of a thousand items allocates (about a tenth of a batch's CPU, bench/README.md).
gc.freeze()
