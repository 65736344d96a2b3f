"""Page 2 of the teams page is page 2 of the same order's teams (it used to show the newest
order's teams: the pager dropped ?order=)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from shequ.mobilization import services
from shequ.mobilization.models import Team


def _next_link(html: str) -> str:
    found = re.search(r'href="([^"]*)" rel="next"', html)
    assert found, "no next page link"
    return found.group(1).replace("&amp;", "&")


def test_page_two_of_the_teams_page_keeps_the_chosen_order(personas, city, mob, login):
    Team.objects.bulk_create(  # the page shows 50 teams at a time
        Team(order=mob.order, number=n, leader=mob.a1, community=city.a) for n in range(1, 53)
    )
    newer = services.order_issue(
        actor=personas.hq,
        title="第二道命令",
        scope=city.c,
        deadline=timezone.now() + dt.timedelta(hours=24),
    )
    Team.objects.create(
        order=newer, number=1, leader=mob.b1, community=city.b
    )  # the default order's team
    client = login(personas.hq)
    first = client.get("/mobilization/teams/", {"order": mob.order.pk}).content.decode()
    assert "紧急通知" in first
    assert "<strong>#50</strong>" in first
    assert "<strong>#51</strong>" not in first
    second = client.get("/mobilization/teams/" + _next_link(first)).content.decode()
    assert "紧急通知" in second  # still the order the user chose
    assert "<strong>#51</strong>" in second
    assert "乙社区" not in second  # not the newer order's team
