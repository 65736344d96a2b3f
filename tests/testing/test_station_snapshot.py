"""The station snapshot (the residents list a sampling station keeps for offline work) holds
the residents of the running rounds' places in the site's community, and goes only to whoever
runs testing there or is on a shift at the site now (from 30 minutes before it to its end)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.duty import services as duty_services
from shequ.duty.models import PostKind
from shequ.places.models import PlaceKind
from shequ.testing import services
from shequ.testing.models import Station
from tests.conftest import make_place
from tests.duty.conftest import duty  # noqa: F401 - the fixture: the cadre on duty in A
from tests.duty.helpers import put, roster_for
from tests.residents.factories import ResidentFactory


@pytest.fixture
def site(personas, city, rnd, duty) -> SimpleNamespace:  # noqa: F811 - the fixture above
    """A site of A staffed from a sampling post, and a resident of A in another building."""
    post = duty_services.post_create(
        actor=personas.staff_a, community=city.a, name="采样点", kind=PostKind.SAMPLING,
        pattern="day", opens=dt.time(7), closes=dt.time(19),
    )  # fmt: skip
    made = services.site_create(
        actor=personas.staff_a, community=city.a, name="东门采样点", opens=dt.time(7),
        closes=dt.time(19), stations=1, post=post,
    )  # fmt: skip
    h2 = make_place(PlaceKind.HOUSEHOLD, "KA-2-101", "101室", city.ka2)
    other = ResidentFactory(name="二号楼住户", household=h2)
    return SimpleNamespace(
        post=post, station=Station.objects.get(site=made), other=other, cadre=duty.people[0]
    )


def url(station) -> str:
    return f"/testing/stations/{station.pk}/snapshot.json"


def on_shift(site, *, starts_in: dt.timedelta):
    today = timezone.localdate()
    roster = roster_for(site.cadre.user, site.post.community, today)
    return put(
        roster, site.post.shifts.get(), today, site.cadre,
        starts_at=timezone.now() + starts_in, minutes=8 * 60,
    )  # fmt: skip


def test_a_cadre_on_duty_in_the_community_but_not_at_the_site_gets_no_list(
    personas, site, login
) -> None:
    client = login(personas.cadre)
    assert client.get(f"/testing/stations/{site.station.pk}/").status_code == 200  # may sample
    r = client.get(url(site.station))
    assert r.status_code == 403
    assert r.json()["detail"]
    assert "a0" not in r.content.decode()


def test_on_shift_at_the_site_the_list_lasts_until_the_shift_ends(personas, site, login) -> None:
    client = login(personas.cadre)
    soon = on_shift(site, starts_in=dt.timedelta(minutes=20))
    r = client.get(url(site.station))
    assert r.status_code == 200
    assert dt.datetime.fromisoformat(r.json()["expires_at"]) == soon.ends_at
    soon.starts_at = timezone.now() + dt.timedelta(minutes=45)
    soon.ends_at = soon.starts_at + dt.timedelta(hours=8)
    soon.save()
    assert client.get(url(site.station)).status_code == 403


def test_the_list_holds_only_the_residents_the_running_rounds_cover(
    personas, city, rnd, site, login
) -> None:
    client = login(personas.staff_a)
    data = client.get(url(site.station)).json()
    assert data["expires_at"] is None  # they run testing in A: no shift needed
    assert "二号楼住户" in {r["name"] for r in data["residents"]}  # A's round covers KA-2
    services.round_finish(actor=personas.staff_a, round_=rnd.round)
    today = timezone.localdate()
    building_round = services.round_create(
        actor=personas.staff_a, name="1号楼", places=[city.ka1], starts_on=today, ends_on=today
    )
    names = {r["name"] for r in client.get(url(site.station)).json()["residents"]}
    assert names == {f"a{i}" for i in range(12)}  # KA-1's people only: not KA-2's
    services.round_finish(actor=personas.staff_a, round_=building_round)
    assert client.get(url(site.station)).json()["residents"] == []  # no round, no list


def test_the_station_list_carries_watch_tags_without_a_query_per_person(
    personas, site, rnd, login, django_assert_max_num_queries
) -> None:
    from shequ.residents.models import Resident, tags_to_bits

    Resident.objects.filter(pk=rnd.a[0].pk).update(tags=tags_to_bits(["immobile", "returnee"]))
    client = login(personas.staff_a)
    with django_assert_max_num_queries(20):
        snap = client.get(url(site.station)).json()
    tags = {p["id"]: p["tags"] for p in snap["residents"]}
    assert tags[rnd.a[0].pk] == ["immobile"]
    assert tags[rnd.a[1].pk] == []
    page = client.get(f"/testing/stations/{site.station.pk}/").content.decode()
    assert '"tag_immobile"' in page
