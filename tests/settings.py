"""Test settings: the real settings, with generated local keys allowed on PostgreSQL too."""

import os

os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")

from shequ.settings import *  # noqa: F403

ROSTER_SECONDS = 2.0
ROSTER_JOB_SECONDS = 2.0
