"""Closing a tube by hand has one rule, whoever asks: the station page's plain form and the
swab batch API (which the station phones and home visits use) accept and refuse the same
closings with the same words, and a tube that gets full closes itself through the same
writer (with its audit row)."""

from __future__ import annotations

import datetime as dt

from django.contrib.messages import get_messages
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.testing import services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Tube, TubeStatus
from tests.testing.conftest import close, swab

API = "/api/v1/testing/swabs:batch"


def _by_page(client, rnd, station, barcode: str) -> str:
    """Close `barcode` with the station page's plain form; the message it shows."""
    response = client.post(
        f"/testing/stations/{station.pk}/",
        {"round": rnd.round.pk, "tube": barcode, "person": "", "close": "1"},
    )
    assert response.status_code == 302
    # Not shown yet (no page followed): the messages of earlier posts come first.
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def _by_api(client, rnd, station, barcode: str) -> str | None:
    """Close `barcode` through the API; None when it closed, else the refusal's words."""
    response = client.post(API, {"items": [close(rnd, barcode, station=station)]})
    assert response.status_code == 200, response.content
    [answer] = response.json()
    return None if answer["status"] == "created" else answer["message"]


def _same(page: str, api: str | None, page_barcode: str, api_barcode: str) -> None:
    if api is None:
        assert page == f"试管 {page_barcode} 已封管。"
    else:
        assert page == f"未登记：{api.replace(api_barcode, page_barcode)}"


def test_the_page_and_the_api_close_and_refuse_the_same_tubes(
    personas, rnd, city, login, api
) -> None:
    today = timezone.localdate()
    both = services.round_create(
        actor=personas.hq, name="两社区", places=[city.a, city.b], starts_on=today,
        ends_on=today, pool_size=10,
    )  # fmt: skip
    site_b = services.site_create(
        actor=personas.hq, community=city.b, name="乙小区广场", opens=dt.time(7),
        closes=dt.time(19), stations=1,
    )  # fmt: skip
    station_b = site_b.stations.get()
    rnd.round = both
    swabs_batch(
        actor=personas.hq,
        items=[
            swab(rnd, "P0000001", rnd.a[0]),
            swab(rnd, "A0000001", rnd.a[1]),
            swab(rnd, "P0000002", rnd.b0, station=station_b),
        ],
    )
    swabs_batch(actor=personas.hq, items=[swab(rnd, "A0000002", rnd.a[2], station=station_b)])
    page, by_api = login(personas.hq), api(personas.hq)
    cases = [
        ("P0000001", "A0000001", rnd.s1),  # open, with a swab: closes
        ("P0000001", "A0000001", rnd.s1),  # closed already
        ("P0000009", "A0000009", rnd.s1),  # never opened
        ("P0000002", "A0000002", rnd.s1),  # a tube of community B, closed from A's station
    ]
    answers = []
    for page_barcode, api_barcode, station in cases:
        said = _by_api(by_api, rnd, station, api_barcode)
        _same(_by_page(page, rnd, station, page_barcode), said, page_barcode, api_barcode)
        answers.append(said)
    assert answers[0] is None
    assert answers[1] == "试管 A0000001 未开管。"
    assert "A0000009" in answers[2]
    assert answers[3] == "试管 A0000002 属于其他社区。"
    assert set(Tube.objects.filter(status=TubeStatus.CLOSED).values_list("barcode", flat=True)) == {
        "P0000001",
        "A0000001",
    }


def test_a_full_tube_closes_through_the_same_writer(personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:10]])
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000002", rnd.a[10])])
    swabs_batch(actor=personas.staff_a, items=[close(rnd, "T0000002")])
    closed = AuditEvent.objects.filter(action="testing.tube.close").order_by("id")
    tubes = {t.pk: t.barcode for t in Tube.objects.all()}
    assert [tubes[int(e.object_id)] for e in closed] == ["T0000001", "T0000002"]
    assert {e.place_id for e in closed} == {rnd.site.community.pk}
