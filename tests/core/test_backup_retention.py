"""`shequ purge`: what goes past the cut-off and what stays, in batches, with one audit row;
refusals of a cut-off in the future or inside the minimum retention window."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from shequ import retention
from shequ.checkpoints.models import Passage
from shequ.cli import app
from shequ.core.errors import ValidationError
from shequ.core.models import AuditEvent, ImportJob, ImportRowError, Notification
from shequ.notify.models import Delivery
from shequ.outreach.models import Campaign, Task, Visit
from shequ.residents.models import StatusPeriod
from shequ.testing.models import (
    Exemption,
    Round,
    RoundStatus,
    Sample,
    Tube,
)
from tests.duty.conftest import duty  # noqa: F401 - fixture used below
from tests.residents.factories import ResidentFactory

runner = CliRunner()
TODAY = timezone.localdate()
CUTOFF = TODAY - dt.timedelta(days=40)
OLD = timezone.now() - dt.timedelta(days=60)  # before the cut-off
RECENT = timezone.now() - dt.timedelta(days=10)  # after it


def _passage(gate, actor, at, corrects=None) -> Passage:
    return Passage.objects.create(
        client_uuid=uuid.uuid4(),
        gate=gate,
        community=gate.community,
        direction="out",
        device_time=at,
        recorded_by=actor,
        subject="resident",
        temperature=36.6,
        decision="allow",
        corrects=corrects,
    )


def _round(actor, community, building, residents, *, status, ends_on, name):
    rnd = Round.objects.create(
        name=name, starts_on=ends_on, ends_on=ends_on, status=status, created_by=actor
    )
    rnd.places.set([community])
    tube = Tube.objects.create(
        round=rnd, barcode=f"T-{name}", community=community, pool_size=10, opened_by=actor
    )
    samples = [
        Sample.objects.create(
            client_uuid=uuid.uuid4(), round=rnd, tube=tube, resident=r, sampled_at=OLD,
            operator=actor,
        )
        for r in residents[:2]
    ]  # fmt: skip
    Exemption.objects.create(round=rnd, resident=residents[2], reason="hospital", by=actor)
    # Its door-to-door work (outreach): a home visit done with its sample, a missed door.
    for kind, resident, answers in (
        ("home_sampling", residents[0], {"sample_id": samples[0].pk}),
        ("missed_test", residents[2], {"door": "away"}),
    ):
        campaign = Campaign.objects.create(
            name=f"{name} {kind}", kind=kind, unit="resident", community=community, round=rnd,
            created_at=OLD,
        )  # fmt: skip
        task = Task.objects.create(
            campaign=campaign, building=building, household=resident.household,
            resident=resident, status="done", answers=answers, updated_at=OLD,
        )  # fmt: skip
        Visit.objects.create(task=task, outcome="done", answers=answers, by=actor, at=OLD)
    return rnd


@pytest.fixture
def history(personas, city, duty):  # noqa: F811
    staff = personas.staff_a
    gate = duty.gate
    # Passages: three old (one corrected by an old correction), one old but corrected by a
    # recent correction (stays: the correction points at it), and two recent.
    old = [_passage(gate, staff, OLD) for _ in range(3)]
    _passage(gate, staff, OLD + dt.timedelta(minutes=5), corrects=old[0])
    kept_old = _passage(gate, staff, OLD)
    _passage(gate, staff, RECENT, corrects=kept_old)
    _passage(gate, staff, RECENT)

    residents = [ResidentFactory(household=city.ha1) for _ in range(3)]
    # Status periods: one ended long ago, one ended recently, one open since long ago.
    StatusPeriod.objects.create(
        resident=residents[0], status="home_isolation", starts_at=OLD - dt.timedelta(days=14),
        ended_at=OLD,
    )  # fmt: skip
    StatusPeriod.objects.create(
        resident=residents[1], status="home_monitoring", starts_at=OLD, ended_at=RECENT
    )
    StatusPeriod.objects.create(resident=residents[2], status="hospital", starts_at=OLD)

    finished_old = _round(
        staff, city.a, city.ka1, residents, status=RoundStatus.FINISHED,
        ends_on=CUTOFF - dt.timedelta(days=5), name="old",
    )  # fmt: skip
    running_old = _round(
        staff, city.a, city.ka1, residents, status=RoundStatus.RUNNING,
        ends_on=CUTOFF - dt.timedelta(days=5), name="running",
    )  # fmt: skip
    finished_recent = _round(
        staff, city.a, city.ka1, residents, status=RoundStatus.FINISHED,
        ends_on=TODAY - dt.timedelta(days=3), name="recent",
    )  # fmt: skip

    for at in (OLD, RECENT):
        note = Notification.objects.create(user=staff, kind="gate_alert", title="热", created_at=at)
        # Its text to a phone, logged (notify.Delivery): the old one's fallback came later.
        Delivery.objects.create(user=staff, notification=note, channel="sms", created_at=RECENT)
    for at, n in ((OLD, 2), (RECENT, 1)):
        job = ImportJob.objects.create(
            kind="residents", actor=staff, filename="x.csv", stored_path="", created_at=at
        )
        for row in range(n):
            ImportRowError.objects.create(job=job, row=row + 2, value="6299991980", reason="bad")
    return SimpleNamespace(
        kept_old=kept_old, finished_old=finished_old, running_old=running_old,
        finished_recent=finished_recent,
    )  # fmt: skip


EXPECTED = {
    "checkpoints.passage": 4,
    "residents.statusperiod": 1,
    "outreach.roundproposal": 0,
    "outreach.roundvisit": 2,
    "outreach.roundtask": 2,
    "testing.sample": 2,
    "testing.exemption": 1,
    "notify.delivery": 1,
    "core.notification": 1,
    "core.importrowerror": 2,
}


def test_purge_deletes_what_is_past_retention_and_keeps_the_rest(personas, history) -> None:
    counts = retention.purge(actor=personas.hq, before=CUTOFF, batch=2)

    assert counts == EXPECTED
    # What stays: recent passages and the old one a recent correction points at.
    assert Passage.objects.count() == 3
    assert Passage.objects.filter(pk=history.kept_old.pk).exists()
    assert not Passage.objects.filter(device_time__lt=retention.start_of(CUTOFF)).exclude(
        pk=history.kept_old.pk
    )
    assert set(StatusPeriod.objects.values_list("status", flat=True)) == {
        "home_monitoring",
        "hospital",
    }
    # The finished old round keeps its tube (the lab's ledger); its people are gone.
    assert Tube.objects.filter(round=history.finished_old).count() == 1
    for model in (Sample, Exemption):
        assert not model.objects.filter(round=history.finished_old).exists()
    assert not Task.objects.filter(campaign__round=history.finished_old).exists()
    assert not Visit.objects.filter(task__campaign__round=history.finished_old).exists()
    # A running round and a recent one keep everything.
    for rnd in (history.running_old, history.finished_recent):
        assert Sample.objects.filter(round=rnd).count() == 2
        assert Exemption.objects.filter(round=rnd).count() == 1
        assert Visit.objects.filter(task__campaign__round=rnd).count() == 2
    [alert] = Notification.objects.filter(kind="gate_alert")  # the recent one
    assert Delivery.objects.get().notification == alert
    assert ImportRowError.objects.count() == 1


def test_purge_writes_one_audit_row_with_who_the_cutoff_and_the_counts(personas, history) -> None:
    retention.purge(actor=personas.hq, before=CUTOFF)

    [event] = AuditEvent.objects.filter(action=retention.PURGE_ACTION)
    assert event.actor == personas.hq
    assert event.object_id == CUTOFF.isoformat()
    assert event.changes["before"] == CUTOFF.isoformat()
    assert event.changes["counts"] == EXPECTED
    assert event.changes["finished"] is True
    assert "operator" in event.changes


def test_a_purge_stopped_half_way_is_audited_with_what_it_deleted(
    personas, history, monkeypatch
) -> None:
    def broken(at, day):
        raise RuntimeError("disk full")

    rules = list(retention.RULES)
    at = next(i for i, r in enumerate(rules) if r.key == "outreach.roundproposal")
    rules[at] = retention.Rule("outreach.roundproposal", Task, broken)
    monkeypatch.setattr(retention, "RULES", tuple(rules))

    with pytest.raises(RuntimeError, match="disk full"):
        retention.purge(actor=personas.hq, before=CUTOFF)

    [event] = AuditEvent.objects.filter(action=retention.PURGE_ACTION)
    assert event.changes["finished"] is False
    assert event.changes["counts"] == {"checkpoints.passage": 4, "residents.statusperiod": 1}


def test_a_dry_run_counts_and_deletes_nothing(personas, history) -> None:
    before = Passage.objects.count()

    counts = retention.purge(actor=personas.hq, before=CUTOFF, dry_run=True)

    assert counts == EXPECTED
    assert Passage.objects.count() == before
    assert Sample.objects.count() == 6
    assert not AuditEvent.objects.filter(action=retention.PURGE_ACTION).exists()


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [
        (-1, "is in the future"),
        (0, "within the minimum retention of 28 days"),
        (27, "within the minimum retention of 28 days"),
    ],
)
def test_a_cutoff_in_the_future_or_inside_the_window_is_refused(
    personas, history, days_ago, message
) -> None:
    with pytest.raises(ValidationError, match=message):
        retention.purge(actor=personas.hq, before=TODAY - dt.timedelta(days=days_ago))
    assert Passage.objects.count() == 7
    assert not AuditEvent.objects.filter(action=retention.PURGE_ACTION).exists()


def test_the_window_is_a_setting(personas, history, settings) -> None:
    settings.RETENTION_MIN_DAYS = 7
    counts = retention.purge(actor=personas.hq, before=TODAY - dt.timedelta(days=8))
    assert counts["core.notification"] == 2

    settings.RETENTION_MIN_DAYS = 90
    with pytest.raises(ValidationError, match="latest cut-off allowed today is"):
        retention.purge(actor=personas.hq, before=CUTOFF)


def test_the_purge_command(personas, history) -> None:
    bad = runner.invoke(app, ["purge", "--before", "last week"])
    assert bad.exit_code == 2
    assert "--before must be a day like" in bad.output

    soon = runner.invoke(app, ["purge", "--before", TODAY.isoformat(), "--user", "hq"])
    assert soon.exit_code == 1
    assert "minimum retention" in soon.output

    nobody = runner.invoke(app, ["purge", "--before", CUTOFF.isoformat(), "--user", "cadre"])
    assert nobody.exit_code == 2
    assert "--user cadre: 只有市指挥部可以删除超过保存期限的数据。" in nobody.output
    anonymous = runner.invoke(app, ["purge", "--before", CUTOFF.isoformat(), "--dry-run"])
    assert anonymous.exit_code == 2
    assert "--user is required" in anonymous.output

    dry = runner.invoke(app, ["purge", "--before", CUTOFF.isoformat(), "--dry-run", "--user", "hq"])
    assert dry.exit_code == 0, dry.output
    assert "would delete          2  testing.sample" in dry.output
    assert Sample.objects.count() == 6

    done = runner.invoke(app, ["purge", "--before", CUTOFF.isoformat(), "--user", "hq"])
    assert done.exit_code == 0, done.output
    assert "deleted          2  testing.sample" in done.output
    assert "deleted         16  in all" in done.output
    assert AuditEvent.objects.get(action=retention.PURGE_ACTION).actor == personas.hq
