"""Swabs into pooled tubes: pool size, one swab per person per round, unique barcodes,
scope flags, offline resends, and closing tubes."""

from __future__ import annotations

import pytest

from shequ.core.errors import ValidationError
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Sample, Tube, TubeStatus
from tests.testing.conftest import close, swab


def test_ten_people_fill_a_tube_which_then_closes(personas, rnd) -> None:
    results = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "TB000001", r) for r in rnd.a[:10]]
    )
    assert [r.status for r in results] == ["created"] * 10
    assert [r.tube_count for r in results] == list(range(1, 11))
    assert results[-1].tube_closed
    tube = Tube.objects.get(barcode="TB000001")
    assert (tube.pool_size, tube.status, tube.samples.count()) == (10, TubeStatus.CLOSED, 10)


def test_a_tube_never_takes_more_than_its_pool_size(personas, rnd) -> None:
    first = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:10]]
    )
    assert first[-1].tube_closed
    [extra] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[10])])
    assert (extra.status, extra.field) == ("rejected", "tube")
    assert "T0000001" in extra.message
    assert Sample.objects.filter(tube__barcode="T0000001").count() == 10


def test_a_person_is_sampled_once_per_round_and_told_where(personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0])])
    [again] = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T0000002", rnd.a[0], station=rnd.s2)]
    )
    assert (again.status, again.field) == ("rejected", "resident_id")
    assert "甲小区广场" in again.message
    assert "T0000001" in again.message
    twice = swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "T0000003", rnd.a[1]), swab(rnd, "T0000003", rnd.a[1])],
    )
    assert [r.status for r in twice] == ["created", "rejected"]


def test_a_barcode_belongs_to_one_station_and_closed_tubes_take_nothing(personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0])])
    [other] = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[1], station=rnd.s2)]
    )
    assert (other.status, other.field) == ("rejected", "tube")
    swabs_batch(actor=personas.staff_a, items=[close(rnd, "T0000001")])
    [late] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[1])])
    assert (late.status, late.field) == ("rejected", "tube")
    assert "T0000001" in late.message


def test_the_same_barcode_in_another_round_is_another_tube(personas, rnd, city) -> None:
    from django.utils import timezone

    from shequ.testing.services import round_create

    other = round_create(
        actor=personas.staff_a,
        name="第二轮",
        places=[city.ka1],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        pool_size=5,
    )
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0])])
    [r] = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0], round_id=other.pk)]
    )
    assert r.status == "created"
    assert Tube.objects.get(round=other, barcode="T0000001").pool_size == 5


def test_someone_outside_the_scope_is_sampled_and_flagged(personas, rnd) -> None:
    [r] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.b0)])
    assert (r.status, r.out_of_scope) == ("created", True)
    assert Sample.objects.get(pk=r.id).out_of_scope


def test_by_id_number_scanned_from_the_card(personas, rnd) -> None:
    [r] = swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "T0000001", None, id_number=rnd.a[3].document_number)],
    )
    assert r.status == "created"
    assert Sample.objects.get(pk=r.id).resident == rnd.a[3]
    [unknown] = swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T0000001", None, id_number="629999198001010000")]
    )
    assert (unknown.status, unknown.field) == ("rejected", "resident_id")


def test_offline_resend_is_recorded_once(personas, rnd) -> None:
    items = [swab(rnd, "T0000001", r) for r in rnd.a[:3]]
    swabs_batch(actor=personas.staff_a, items=items)
    again = swabs_batch(actor=personas.staff_a, items=items)
    assert [r.status for r in again] == ["duplicate"] * 3
    assert Sample.objects.count() == 3
    assert Tube.objects.get(barcode="T0000001").samples.count() == 3


def test_bad_items_are_answered_one_by_one(personas, rnd) -> None:
    items = [
        swab(rnd, "T0000001", rnd.a[0]),
        swab(rnd, "", rnd.a[1]),
        swab(rnd, "T0000001", rnd.a[2], sampled_at="now"),
        swab(rnd, "T0000001", None),
        swab(rnd, "T0000001", rnd.a[3], round_id=999999),
        swab(rnd, "T0000001", rnd.a[4], kind="wipe"),
        swab(rnd, "T0000001", rnd.a[5], client_uuid="x"),
        swab(rnd, "T0000001", rnd.a[6], station_id=None),
    ]
    results = swabs_batch(actor=personas.staff_a, items=items)
    assert [r.status for r in results] == ["created"] + ["rejected"] * 7
    assert [r.field for r in results[1:]] == [
        "tube", "sampled_at", "resident_id", "round_id", "kind", "client_uuid", "station_id",
    ]  # fmt: skip
    with pytest.raises(ValidationError):
        swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000009", rnd.a[7])] * 1001)


def test_a_station_of_another_community_is_not_yours(personas, rnd) -> None:
    [r] = swabs_batch(actor=personas.staff_b, items=[swab(rnd, "T0000001", rnd.a[0])])
    assert (r.status, r.field) == ("rejected", "station_id")
    [r] = swabs_batch(actor=personas.cadre, items=[swab(rnd, "T0000001", rnd.a[0])])
    assert r.status == "rejected"  # the cadre is not on duty in A in this fixture


def test_a_closed_tube_does_not_close_again(personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0])])
    [closed] = swabs_batch(actor=personas.staff_a, items=[close(rnd, "T0000001")])
    assert closed.tube_closed
    [again] = swabs_batch(actor=personas.staff_a, items=[close(rnd, "T0000001")])
    assert (again.status, again.field, again.message) == (
        "rejected",
        "tube",
        "试管 T0000001 未开管。",
    )


def test_a_refused_first_swab_leaves_no_empty_tube(personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0])])
    [refused] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000002", rnd.a[0])])
    assert (refused.status, refused.field) == ("rejected", "resident_id")
    assert not Tube.objects.filter(barcode="T0000002").exists()
    [ok] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000002", rnd.a[1])])
    assert ok.status == "created"
