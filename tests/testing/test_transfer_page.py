"""The transfer page: staff send closed tubes to the lab. Nothing is ticked for them: an
operator ticks their own tubes, the button says how many go, and without JavaScript a
confirmation shows the count before anything is sent; bad input keeps the ticks. The lab
counts what it got and types the count (nothing pre-filled)."""

from __future__ import annotations

import json
import re

from shequ.testing import labwork
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Transfer, Tube, TubeStatus
from tests.testing.conftest import close, swab


def _closed_tubes(personas, rnd, n: int) -> list[str]:
    """`n` closed tubes of one swab each, T0000101 … (a0, a1, …)."""
    barcodes = [f"T{101 + i:07d}" for i in range(n)]
    swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, b, rnd.a[i]) for i, b in enumerate(barcodes)]
    )
    swabs_batch(actor=personas.staff_a, items=[close(rnd, b) for b in barcodes])
    return barcodes


def test_staff_send_the_closed_tubes(login, personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:10]]
                + [swab(rnd, "T0000002", rnd.a[10])])  # fmt: skip
    client = login(personas.staff_a)
    url = f"/testing/rounds/{rnd.round.pk}/transfers/"
    page = client.get(url).content.decode()
    assert 'value="T0000001"' in page
    assert 'value="T0000002"' not in page  # still open
    r = client.post(url, {"code": "J-9", "tube": ["T0000001"], "count": "1"})
    assert r.status_code == 302
    t = Transfer.objects.get(code="J-9")
    assert t.tube_count == 1
    assert Tube.objects.get(barcode="T0000001").status == TubeStatus.SENT
    assert "J-9" in client.get(url).content.decode()


def test_no_tube_is_ticked_for_the_operator(login, personas, rnd) -> None:
    _closed_tubes(personas, rnd, 3)
    page = login(personas.staff_a).get(f"/testing/rounds/{rnd.round.pk}/transfers/")
    html = page.content.decode()
    boxes = re.findall(r'<input type="checkbox" name="tube"[^>]*>', html)
    assert len(boxes) == 3
    assert not [b for b in boxes if "checked" in b]


def test_without_javascript_a_confirmation_shows_how_many_tubes_go(login, personas, rnd) -> None:
    barcodes = _closed_tubes(personas, rnd, 3)
    client = login(personas.staff_a)
    url = f"/testing/rounds/{rnd.round.pk}/transfers/"
    # Two ticked, no count from the page's script: nothing is sent, the count is asked.
    r = client.post(url, {"code": "J-2", "tube": barcodes[:2], "count": ""})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="transfer-confirm"' in html
    assert "发送 2 管" in html
    assert 'name="count" value="2"' in html
    assert not Transfer.objects.exists()
    r = client.post(url, {"code": "J-2", "tube": barcodes[:2], "count": "2"})
    assert r.status_code == 302
    assert Transfer.objects.get(code="J-2").tube_count == 2
    assert set(Tube.objects.filter(status=TubeStatus.SENT).values_list("barcode", flat=True)) == (
        set(barcodes[:2])
    )


def test_a_count_that_is_not_the_ticked_tubes_sends_nothing(login, personas, rnd) -> None:
    barcodes = _closed_tubes(personas, rnd, 3)
    r = login(personas.staff_a).post(
        f"/testing/rounds/{rnd.round.pk}/transfers/",
        {"code": "J-3", "tube": barcodes, "count": "2"},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "sq-field-error" in html
    assert "3" in re.search(r'role="alert">([^<]*)<', html).group(1)
    assert all(f'value="{b}" checked' in html for b in barcodes)  # the ticks stay
    assert not Transfer.objects.exists()


def test_the_button_says_how_many_tubes_go(login, personas, rnd) -> None:
    _closed_tubes(personas, rnd, 2)
    html = login(personas.staff_a).get(f"/testing/rounds/{rnd.round.pk}/transfers/").content
    words = json.loads(re.search(rb'id="transfer-words"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert words["other"].replace("%(n)s", "2") == "发送 2 管"
    assert b'data-testid="transfer-send"' in html
    assert b"testing/transfers.js" in html


def test_the_lab_types_the_count_it_received(login, personas, rnd) -> None:
    barcodes = _closed_tubes(personas, rnd, 2)
    transfer = labwork.transfer_create(
        actor=personas.staff_a, round_=rnd.round, community=rnd.site.community, code="J-4",
        barcodes=barcodes,
    )  # fmt: skip
    html = login(rnd.lab).get("/testing/lab/").content.decode()
    box = re.search(rf'<input[^>]*name="t{transfer.pk}-received_count"[^>]*>', html).group(0)
    assert "value=" not in box  # not the sent count: the lab counts
    assert "required" in box


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


def test_tubes_are_not_sent_from_a_community_the_sender_did_not_choose(
    login, personas, rnd
) -> None:
    barcodes = _closed_tubes(personas, rnd, 2)
    client = login(personas.staff_a)
    url = f"/testing/rounds/{rnd.round.pk}/transfers/"
    for community in ("999999", "abc"):
        r = client.post(
            url, {"community": community, "code": "J-7", "tube": barcodes, "count": "2"}
        )
        assert r.status_code == 400
        html = r.content.decode()
        assert 'data-testid="community-error"' in html
        assert "请选择社区。" in html
        assert 'value="J-7"' in html
    assert not Transfer.objects.exists()
