"""The transfer page: staff send closed tubes to the lab; bad input keeps the ticks."""

from __future__ import annotations

from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Transfer, Tube, TubeStatus
from tests.testing.conftest import swab


def test_staff_send_the_closed_tubes(login, personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:10]]
                + [swab(rnd, "T0000002", rnd.a[10])])  # fmt: skip
    client = login(personas.staff_a)
    url = f"/testing/rounds/{rnd.round.pk}/transfers/"
    page = client.get(url).content.decode()
    assert 'value="T0000001" checked' in page
    assert 'value="T0000002"' not in page  # still open
    r = client.post(url, {"code": "J-9", "tube": ["T0000001"]})
    assert r.status_code == 302
    t = Transfer.objects.get(code="J-9")
    assert t.tube_count == 1
    assert Tube.objects.get(barcode="T0000001").status == TubeStatus.SENT
    assert "J-9" in client.get(url).content.decode()


def test_nothing_ticked_is_an_error_next_to_the_tubes(login, personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:10]])
    r = login(personas.staff_a).post(f"/testing/rounds/{rnd.round.pk}/transfers/", {"code": "J-1"})
    assert r.status_code == 400
    assert 'value="J-1"' in r.content.decode()
    assert not Transfer.objects.exists()


def test_other_communities_and_cadres_cannot_send(login, personas, rnd) -> None:
    url = f"/testing/rounds/{rnd.round.pk}/transfers/"
    assert login(personas.staff_b).get(url).status_code == 404
    assert login(personas.cadre).get(url).status_code == 404
