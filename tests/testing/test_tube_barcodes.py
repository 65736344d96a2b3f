"""A tube's barcode must look like one: when a tube closes and the station asks for the next,
a scanned ID card or entry pass is refused with "scan the tube first" and no tube is opened
under it; so is anything that does not match the configured tube barcodes."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.test import override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from shequ.residents.idcard import check_char
from shequ.testing.barcodes import tube_barcode_problem
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Sample, Tube, TubeStatus
from tests.testing.conftest import swab

PASS_CODE = "P12.3:Xb4bF0bxCk1Ckr6BaRxNq5NEo3Y7fLgQvKm0JbXtD2c"  # an entry pass's QR text


def test_an_id_card_scanned_after_a_tube_closed_opens_no_tube(personas, rnd) -> None:
    full = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:10]])
    assert full[-1].tube_closed
    # The station asks for the next tube; the operator scans a10's ID card, then swabs a10.
    a10 = rnd.a[10]
    a10.refresh_from_db()
    with translation.override("en"):
        [answer] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, a10.document_number, a10)])
    assert (answer.status, answer.field) == ("rejected", "tube")
    assert "scan the tube first" in answer.message
    assert "ID number" in answer.message
    assert not Tube.objects.filter(barcode=a10.document_number).exists()
    assert not Sample.objects.filter(resident=a10).exists()


def test_an_id_number_with_an_x_or_a_wrong_check_digit_is_still_no_tube(personas, rnd) -> None:
    items = [
        swab(rnd, "62999919800517123x", rnd.a[0]),
        swab(rnd, "629999198005171230", rnd.a[1]),  # a typo'd check digit: still an ID card
    ]
    answers = swabs_batch(actor=personas.staff_a, items=items)
    assert [(a.status, a.field) for a in answers] == [("rejected", "tube")] * 2
    assert not Tube.objects.exists()


def test_an_entry_pass_is_no_tube_even_under_a_lax_pattern(personas, rnd) -> None:
    with override_settings(TUBE_BARCODE_PATTERN=r".+"), translation.override("en"):
        [answer] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, PASS_CODE, rnd.a[0])])
        [id_card] = swabs_batch(
            actor=personas.staff_a, items=[swab(rnd, "629999198005171234", rnd.a[1])]
        )
    assert (answer.status, answer.field) == ("rejected", "tube")
    assert "entry pass" in answer.message
    assert id_card.status == "rejected"
    assert not Tube.objects.exists()


def test_codes_outside_the_tube_pattern_are_refused_and_the_pattern_is_a_setting(
    personas, rnd
) -> None:
    with translation.override("en"):
        short, spaced, real = swabs_batch(
            actor=personas.staff_a,
            items=[
                swab(rnd, "T1", rnd.a[0]),
                swab(rnd, "T000 0002", rnd.a[1]),
                swab(rnd, "2204150012345", rnd.a[2]),  # 13 digits, as real tubes carry
            ],
        )
    assert (short.status, short.field) == ("rejected", "tube")
    assert "T1 is not a tube barcode: scan the tube first." in short.message
    assert spaced.status == "rejected"
    assert real.status == "created"
    with override_settings(TUBE_BARCODE_PATTERN=r"^T\d{1,3}$"):
        [answer] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T1", rnd.a[0])])
    assert answer.status == "created"


def test_a_tube_opened_before_the_rule_can_still_be_closed(personas, rnd) -> None:
    tube = Tube.objects.create(
        round=rnd.round, barcode="T1", community=rnd.site.community, station=rnd.s1,
        pool_size=10, opened_by=personas.staff_a,
    )  # fmt: skip
    Sample.objects.create(
        client_uuid=uuid.uuid4(), round=rnd.round, tube=tube, resident=rnd.a[0],
        sampled_at=dt.datetime.now(dt.UTC), operator=personas.staff_a,
    )  # fmt: skip
    [answer] = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T1", None, kind="close", resident_id=None)]
    )
    assert answer.status == "created"
    tube.refresh_from_db()
    assert tube.status == TubeStatus.CLOSED


def test_the_station_plain_form_says_scan_the_tube_first(personas, rnd, login) -> None:
    client = login(personas.staff_a)
    url = f"/testing/stations/{rnd.s1.pk}/"
    a0 = rnd.a[0]
    a0.refresh_from_db()
    client.post(url, {"round": rnd.round.pk, "tube": a0.document_number, "person": str(a0.pk)})
    page = client.get(f"{url}?round={rnd.round.pk}").content.decode()
    assert "sq-msg-error" in page
    assert "请先扫试管" in page
    assert not Tube.objects.exists()


def test_the_station_page_hands_its_script_the_pattern_and_the_words(personas, rnd, login) -> None:
    html = login(personas.staff_a).get(f"/testing/stations/{rnd.s1.pk}/").content.decode()
    start = html.index('id="station-config"')
    config = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert config["tube_pattern"] == r"^[A-Za-z0-9][A-Za-z0-9-]{6,18}[A-Za-z0-9]$"
    assert "请先扫试管" in config["strings"]["tube_is_id"]
    assert "请先扫试管" in config["strings"]["tube_is_pass"]
    assert "%(code)s" in config["strings"]["not_a_tube"]


@settings(max_examples=200, deadline=None)
@given(
    region=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    born=st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)),
    seq=st.integers(0, 999),
)
def test_no_id_number_is_ever_a_tube_barcode(region: str, born: dt.date, seq: int) -> None:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    assert tube_barcode_problem(first17 + check_char(first17)) is not None
    assert tube_barcode_problem((first17 + check_char(first17)).lower()) is not None
