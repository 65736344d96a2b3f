"""Transfers to the lab, results, and what a positive or invalid pool sets off: the recall
list, the residents' status (the gate refuses their exit), home tasks, the staff's alert;
then single-tube retests."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.checkpoints.decisions import decide
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.outreach.models import TaskStatus
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import labwork
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import HomeReason, Recall, Tube, TubeStatus
from tests.testing.conftest import home_tasks, swab


def test_transfer_needs_closed_tubes_of_this_community(personas, rnd) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", rnd.a[0])])
    with pytest.raises(ValidationError) as err:
        labwork.transfer_create(
            actor=personas.staff_a,
            round_=rnd.round,
            community=rnd.site.community,
            code="J-1",
            barcodes=["T0000001"],
        )
    assert "barcodes" in err.value.errors
    with pytest.raises(ValidationError) as err:
        labwork.transfer_create(
            actor=personas.staff_a,
            round_=rnd.round,
            community=rnd.site.community,
            code="J-1",
            barcodes=["NOPE"],
        )
    assert "NOPE" in err.value.errors["barcodes"]


def test_lab_count_that_differs_is_a_discrepancy(personas, rnd, sent) -> None:
    got = labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=1, note="少一管")
    assert got.discrepancy.startswith("Sent 2, received 1") or "2" in got.discrepancy
    assert "少一管" in got.discrepancy
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.RECEIVED}
    with pytest.raises(ValidationError):
        labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)


def test_matching_count_has_no_discrepancy(rnd, sent) -> None:
    got = labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    assert got.discrepancy == ""


def test_only_the_lab_records_results(personas, rnd, sent) -> None:
    with pytest.raises(PermissionDenied):
        labwork.transfer_receive(actor=personas.staff_a, transfer=sent, received_count=2)
    answers = labwork.results_record(
        actor=personas.staff_a, round_=rnd.round, results=[("T0000001", "positive")]
    )
    assert answers[0].status == "rejected"
    assert not Recall.objects.exists()


def test_positive_pool_recalls_its_ten_members(personas, rnd, sent) -> None:
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    answers = labwork.results_record(
        actor=rnd.lab,
        round_=rnd.round,
        results=[("T0000001", "positive"), ("T0000002", "negative")],
    )
    assert [a.status for a in answers] == ["recorded", "recorded"]
    recall = Recall.objects.get(pk=answers[0].recall_id)
    members = set(recall.tube.samples.values_list("resident_id", flat=True))
    assert members == {r.pk for r in rnd.a[:10]}
    statuses = set(Resident.objects.filter(pk__in=members).values_list("health_status", flat=True))
    assert statuses == {HealthStatus.PENDING_RETEST}
    assert Resident.objects.get(pk=rnd.a[10].pk).health_status == HealthStatus.NORMAL
    tasks = home_tasks(ref=str(recall.pk))
    assert tasks.count() == 10
    assert set(tasks.values_list("reason", flat=True)) == {HomeReason.RETEST}
    note = Notification.objects.get(user=personas.staff_a, kind="recall")
    assert "T0000001" in note.title
    assert "a0" in note.title
    assert "a0（甲小区 1号楼 101室）" in note.title  # the staff can tell where a0 lives
    assert not Notification.objects.filter(user=personas.staff_b).exists()
    # The gate now refuses their exit, with the community's default rules.
    facts = {
        "direction": "out",
        "subject": "resident",
        "temperature": 36.5,
        "health_code": "green",
        "travel_star": False,
        "date": "2026-11-27",
    }
    got = decide(facts, None, {"status": "pending_retest"}, "", {"require_pass": False})
    assert (got["decision"], got["reasons"]) == ("refuse", ["isolation_breach"])


def test_a_result_once_in_stays(rnd, sent) -> None:
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000002", "negative")])
    again = labwork.results_record(
        actor=rnd.lab,
        round_=rnd.round,
        results=[
            ("T0000002", "negative"),
            ("T0000002", "positive"),
            ("T0000009", "negative"),
            ("T0000001", "maybe"),
        ],
    )
    assert [a.status for a in again] == ["unchanged", "rejected", "rejected", "rejected"]


def test_invalid_tube_recalls_for_resampling_without_control(rnd, sent) -> None:
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    [a] = labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000002", "invalid")])
    recall = Recall.objects.get(pk=a.recall_id)
    assert recall.kind == "invalid"
    assert Resident.objects.get(pk=rnd.a[10].pk).health_status == HealthStatus.NORMAL
    [task] = home_tasks(ref=str(recall.pk))
    assert (task.resident, task.reason) == (rnd.a[10], HomeReason.RESAMPLE)


def test_retest_in_a_single_tube_at_home_and_negative_ends_the_wait(personas, rnd, sent) -> None:
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")])
    task = home_tasks(resident=rnd.a[0], reason=HomeReason.RETEST).get()
    [r] = swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "R-000001", rnd.a[0], station_id=None, home_task_id=task.pk)],
    )
    assert (r.status, r.retest, r.tube_closed) == ("created", True, True)  # a single tube
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    tube = Tube.objects.get(barcode="R-000001")
    assert (tube.pool_size, tube.retest) == (1, True)
    # A recalled person into a pooled tube is refused; a new tube of theirs is a single tube.
    opened, again = swabs_batch(
        actor=personas.staff_a,
        items=[swab(rnd, "T0000005", rnd.a[11]), swab(rnd, "T0000005", rnd.a[1])],
    )
    assert opened.status == "created"
    assert (again.status, again.field) == ("rejected", "tube")
    [single] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "R-000002", rnd.a[1])])
    assert (single.status, single.retest, single.tube_closed) == ("created", True, True)
    transfer = labwork.transfer_create(
        actor=personas.staff_a,
        round_=rnd.round,
        community=rnd.site.community,
        code="J-2",
        barcodes=["R-000001"],
    )
    labwork.transfer_receive(actor=rnd.lab, transfer=transfer, received_count=1)
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("R-000001", "negative")])
    assert Resident.objects.get(pk=rnd.a[0].pk).health_status == HealthStatus.NORMAL
    assert Resident.objects.get(pk=rnd.a[1].pk).health_status == HealthStatus.PENDING_RETEST


def test_a_pool_of_ten_recalls_in_no_more_queries_than_a_pool_of_one(rnd, sent) -> None:
    """Nothing in a recall is asked of the database per member (a lab posts results one
    tube at a time while the city waits: bench/README.md, "pool recall")."""
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    counts = []
    for barcode in ("T0000002", "T0000001"):  # one member (a10), then ten (a0–a9)
        with CaptureQueriesContext(connection) as queries:
            [answer] = labwork.results_record(
                actor=rnd.lab, round_=rnd.round, results=[(barcode, "positive")]
            )
        assert answer.recall_id
        counts.append(len(queries.captured_queries))
    one, ten = counts
    assert ten <= one, (one, ten)
    assert Resident.objects.filter(health_status=HealthStatus.PENDING_RETEST).count() == 11
