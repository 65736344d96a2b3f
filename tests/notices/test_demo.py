"""The demo's notice, policy answers and hotline calls."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.notices import selectors
from shequ.notices.demo import add_demo_notices
from shequ.notices.models import Notice, NoticeStatus

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_a_notice_with_ten_answers_and_four_calls(personas, city, login):
    assert add_demo_notices(hq=personas.hq) == {
        "notice": 1,
        "policy answer": 10,
        "hotline call": 4,
    }
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.place.kind == "community"
    poster = login(personas.hq).get(f"/notices/{notice.pk}/poster.pdf")
    assert poster.content.startswith(b"%PDF")
    assert selectors.stale_answers(personas.hq).count() == 1
    assert selectors.calls_for(personas.hq, follow_up=True).count() == 2
    assert "核酸" in Client().get(f"/n/{notice.token}/").content.decode()
    assert add_demo_notices(hq=personas.hq) == {}  # once
