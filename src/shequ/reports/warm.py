"""The worker keeps the city-wide home fresh (core.workers.PERIODIC, registered in apps.py).

A city HQ's home counts the whole city: today's figures of every community, the running
round's coverage by street, the city's places by kind — a second or more at ten million
residents (bench/README.md). Those are kept SHEQU_TODAY_CACHE_SECONDS in the cache every
server shares (core/kept.py); this job computes them again every half of that, once across
all workers, for each city HQ scope, so the views always find them fresh and no HQ view
counts the city itself. Narrower scopes (a district, a street) are cheap enough to compute
on the view that needs them, and are kept the same way.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from shequ.core.kept import refreshing
from shequ.core.models import RoleAssignment, User
from shequ.core.roles import Role
from shequ.places.selectors import scope_counts
from shequ.reports.today import today_for

logger = logging.getLogger(__name__)
DUE_KEY = "sq-warm:due"


def city_hq_users() -> list[User]:
    """One active city HQ login per place they hold the role over (they see the same)."""
    picked: dict[int, int] = {}
    rows = RoleAssignment.objects.filter(role=Role.CITY_HQ, user__is_active=True)
    for place_id, user_id in rows.order_by("place_id", "user_id").values_list(
        "place_id", "user_id"
    ):
        picked.setdefault(place_id, user_id)
    return list(User.objects.filter(pk__in=picked.values()).order_by("pk"))


def warm_city_homes() -> int:
    """Compute the city-wide homes' figures afresh into the shared cache when due (every
    half of SHEQU_TODAY_CACHE_SECONDS, once across workers; never when that is 0). Returns
    how many scopes were computed."""
    seconds = settings.TODAY_CACHE_SECONDS
    if seconds <= 0 or not cache.add(DUE_KEY, True, max(seconds // 2, 1)):
        return 0
    users = city_hq_users()
    began = time.perf_counter()
    with refreshing():
        for user in users:
            today_for(user)
            scope_counts(user)
    logger.info("warmed %d city home(s) in %.1f s", len(users), time.perf_counter() - began)
    return len(users)
