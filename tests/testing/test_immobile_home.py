"""An immobile resident cannot come to a site: when a round opens over their place they get a
home-sampling task at once (not after being missed), and the missed list shows their tags."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.outreach.models import TaskStatus
from shequ.residents.models import tags_to_bits
from shequ.testing import services
from shequ.testing.models import HomeReason
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import home_tasks

pytestmark = pytest.mark.django_db


def _round(personas, places, name="第二轮"):
    today = timezone.localdate()
    return services.round_create(
        actor=personas.staff_a, name=name, places=places, starts_on=today, ends_on=today
    )


def test_opening_a_round_gives_immobile_residents_a_home_task_at_once(personas, city) -> None:
    immobile = tags_to_bits(["immobile"])
    bedridden = ResidentFactory(name="卧床老人", household=city.ha1, tags=immobile)
    ResidentFactory(name="独居老人", household=city.ha1, tags=tags_to_bits(["elderly_alone"]))
    ResidentFactory(name="乙卧床", household=city.hb1, tags=tags_to_bits(["immobile"]))
    round_ = _round(personas, [city.a])
    tasks = list(home_tasks(campaign__round=round_))
    assert [(t.resident_id, t.reason, t.status, t.building_id) for t in tasks] == [
        (bedridden.pk, HomeReason.IMMOBILE, TaskStatus.OPEN, city.ka1.pk)
    ]  # not the elderly (they walk), not B's immobile resident (outside the round)
    assert AuditEvent.objects.filter(action="outreach.home.create", object_id=str(tasks[0].pk))


def test_a_round_over_a_building_takes_only_that_buildings_immobile(personas, city) -> None:
    from tests.conftest import make_place

    h2 = make_place("household", "KA-2-101", "101室", city.ka2)
    ResidentFactory(name="一号楼", household=city.ha1, tags=tags_to_bits(["immobile"]))
    two = ResidentFactory(name="二号楼", household=h2, tags=tags_to_bits(["immobile", "disabled"]))
    round_ = _round(personas, [city.ka2])
    assert list(home_tasks(campaign__round=round_).values_list("resident_id", flat=True)) == [
        two.pk
    ]


def test_a_round_with_nobody_immobile_makes_no_task(personas, city) -> None:
    ResidentFactory(household=city.ha1)
    assert not home_tasks(campaign__round=_round(personas, [city.a])).exists()


def test_the_missed_list_shows_the_watch_tags(personas, city, login) -> None:
    person = ResidentFactory(
        name="孕妇甲", household=city.ha1, tags=tags_to_bits(["pregnant", "returnee"])
    )
    ResidentFactory(name="普通乙", household=city.ha1)
    round_ = _round(personas, [city.a])
    client = login(personas.staff_a)
    client.cookies["shequ_language"] = "en"
    html = client.get(
        f"/testing/rounds/{round_.pk}/missed/?building={city.ka1.pk}", follow=True
    ).content  # the old address redirects to outreach's page
    html = html.decode()
    assert person.name in html
    assert 'data-testid="watch-tag">Pregnant<' in html
    assert html.count('data-testid="watch-tag"') == 1  # returnee is not a watch tag
