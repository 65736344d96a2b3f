"""Retention: purge personal health and movement data older than a cut-off day.

What goes, and why each kind (docs/operations.md has the same list for operators):

- passages at the gates (temperature, health code, who went out when) before the cut-off;
- residents' health-status periods that ended before it (the current status stays);
- of testing rounds finished with their last day before it: the swabs (who was in which
  tube), exemptions (hospital, isolation), home-sampling tasks and door-to-door outcomes;
  tubes, results, transfers and recalls stay, so the lab's ledger still adds up;
- inbox messages sent before it (gate alerts name a resident and a fever or a red code), and
  the log of their pushes and texts;
- the bad-row reports of imports started before it (they repeat the sheet's cells in clear).

What stays: the registry itself, entry passes, duty attendance and hours (ledgers and pay
need them), report-ins, teams, and the audit log, which records each purge.

This module sits above the apps (like `scenarios`): it is the one place that knows which
of their tables hold what the retention rule covers.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from shequ.checkpoints.models import Passage
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent, ImportRowError, Notification, User
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for
from shequ.notify.models import Delivery
from shequ.outreach.models import Proposal, Task, Visit
from shequ.residents.models import StatusPeriod
from shequ.testing.models import Exemption, Round, RoundStatus, Sample

BATCH = 5000  # rows per delete: one short transaction each, so gates keep writing meanwhile
PURGE_ACTION = "retention.purge"
# Read by the passage log's append-only trigger on PostgreSQL (checkpoints migration 0004):
# only a transaction that sets it may delete passages.
PG_PURGE_SETTING = "shequ.retention_purge"


@dataclass(frozen=True)
class Rule:
    """One kind of row the purge removes: `rows(cutoff, cutoff_day)` are those past it."""

    key: str
    model: type[Model]
    rows: Callable[[dt.datetime, dt.date], QuerySet]
    # What a dry run counts, when `rows` holds back rows that a later batch takes.
    counted: Callable[[dt.datetime, dt.date], QuerySet] | None = None

    def count(self, at: dt.datetime, day: dt.date) -> int:
        return (self.counted or self.rows)(at, day).count()


def _finished_rounds(day: dt.date) -> QuerySet:
    return Round.objects.filter(status=RoundStatus.FINISHED, ends_on__lt=day).values("pk")


# In delete order: a row goes before the rows it points at (a passage only once no
# correction points at it).
RULES: tuple[Rule, ...] = (
    # A corrected passage goes in a later batch than its correction (the correction points
    # at it); one whose correction is newer than the cut-off stays with it.
    Rule(
        "checkpoints.passage",
        Passage,
        lambda at, day: Passage.objects.filter(device_time__lt=at, corrections__isnull=True),
        lambda at, day: Passage.objects.filter(device_time__lt=at).exclude(
            corrections__device_time__gte=at
        ),
    ),
    Rule(
        "residents.statusperiod",
        StatusPeriod,
        lambda at, day: StatusPeriod.objects.filter(ended_at__lt=at),
    ),
    # A finished round's door-to-door tasks (missed walk, home sampling): the registry
    # proposals and visits at their doors first, then the tasks.
    Rule(
        "outreach.roundproposal",
        Proposal,
        lambda at, day: Proposal.objects.filter(task__campaign__round__in=_finished_rounds(day)),
    ),
    Rule(
        "outreach.roundvisit",
        Visit,
        lambda at, day: Visit.objects.filter(task__campaign__round__in=_finished_rounds(day)),
    ),
    Rule(
        "outreach.roundtask",
        Task,
        lambda at, day: Task.objects.filter(campaign__round__in=_finished_rounds(day)),
    ),
    Rule(
        "testing.sample",
        Sample,
        lambda at, day: Sample.objects.filter(round__in=_finished_rounds(day)),
    ),
    Rule(
        "testing.exemption",
        Exemption,
        lambda at, day: Exemption.objects.filter(round__in=_finished_rounds(day)),
    ),
    # The message log goes before the inbox rows its deliveries point at.
    Rule(
        "notify.delivery",
        Delivery,
        lambda at, day: Delivery.objects.filter(
            Q(created_at__lt=at) | Q(notification__created_at__lt=at)
        ),
    ),
    Rule(
        "core.notification",
        Notification,
        lambda at, day: Notification.objects.filter(created_at__lt=at),
    ),
    Rule(
        "core.importrowerror",
        ImportRowError,
        lambda at, day: ImportRowError.objects.filter(job__created_at__lt=at),
    ),
)


def latest_cutoff(today: dt.date | None = None) -> dt.date:
    """The latest cut-off day allowed: today minus the minimum retention window."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.RETENTION_MIN_DAYS)


def check_cutoff(before: dt.date, today: dt.date | None = None) -> None:
    """Refuse a cut-off in the future or inside the minimum retention window."""
    today = today or timezone.localdate()
    if before > today:
        raise ValidationError({"before": f"{before} is in the future; name a past day."})
    latest = latest_cutoff(today)
    if before > latest:
        raise ValidationError(
            {
                "before": (
                    f"{before} is within the minimum retention of "
                    f"{settings.RETENTION_MIN_DAYS} days (SHEQU_RETENTION_MIN_DAYS); "
                    f"the latest cut-off allowed today is {latest}."
                )
            }
        )


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the city's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def purge(
    *,
    actor: User | None,
    before: dt.date,
    dry_run: bool = False,
    batch: int = BATCH,
    today: dt.date | None = None,
) -> dict[str, int]:
    """Delete (or with `dry_run` only count) the rows past retention, rule by rule.

    Deletes go in batches of `batch` rows, one transaction each: a city has millions of
    passages, and one long delete would hold the write lock the gates need. The audit row
    (who, the cut-off, counts per table) is written at the end, and also when the purge
    stops half-way, with what it had deleted by then. `actor` must hold PURGE_DATA over the
    whole city (the HQ); None is the system itself (no login).
    """
    if actor is not None and not scope_for(actor, Capability.PURGE_DATA).is_citywide:
        raise PermissionDenied(refusal(Capability.PURGE_DATA))
    check_cutoff(before, today)
    if batch < 1:
        raise ValidationError({"batch": "The batch size must be at least 1."})
    at = start_of(before)
    counts: dict[str, int] = {}
    if dry_run:
        return {rule.key: rule.count(at, before) for rule in RULES}
    finished = False
    try:
        for rule in RULES:
            counts[rule.key] = _delete_in_batches(rule, at, before, batch)
        finished = True
    finally:
        with transaction.atomic():
            AuditEvent.objects.create(
                actor=actor,
                action=PURGE_ACTION,
                object_type="retention.cutoff",
                object_id=before.isoformat(),
                changes={
                    "before": before.isoformat(),
                    "counts": counts,
                    "finished": finished,
                    "operator": _operator(),
                },
            )
    return counts


def _delete_in_batches(rule: Rule, at: dt.datetime, day: dt.date, batch: int) -> int:
    meta = rule.model._meta
    quote = connection.ops.quote_name
    total = 0
    while True:
        # The rows are chosen inside the DELETE, so no id list travels to Python and back.
        chosen = rule.rows(at, day).order_by("pk").values("pk")[:batch]
        select_sql, params = chosen.query.get_compiler(connection=connection).as_sql()
        with transaction.atomic(), connection.cursor() as cursor:
            if rule.model is Passage and connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [PG_PURGE_SETTING])
            cursor.execute(
                f"DELETE FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
                f"WHERE {quote(meta.pk.column)} IN ({select_sql})",
                params,
            )
            deleted = cursor.rowcount
        total += deleted
        if deleted == 0:
            return total


def _operator() -> str:
    """The operating-system login that ran the purge (the CLI has no Shequ login)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return ""
