"""Isolation at home: residents whose health status is home isolation or home health
monitoring report their temperature and symptoms twice a day (ISOLATION_REPORTS_PER_DAY):
by noon and by 20:00. A slot whose deadline has passed without a report is late; 37.3 °C or
any symptom alerts the community's staff at once (notify kind "fever", urgent: SMS too).
Reports come from the resident's public page (the household's code) or from a cadre at the
door. Releasing sets the status back to normal through the registry's own status service, so
the status period closes and the history stays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.assistance.models import IsolationReport, ReportChannel, ReportSlot
from shequ.assistance.selectors import _help_scope
from shequ.core import audit
from shequ.core.access import get_for
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for, users_with
from shequ.notify import notify
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import HealthStatus, Resident, StatusPeriod

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

AT_HOME = (HealthStatus.HOME_ISOLATION, HealthStatus.HOME_MONITORING)
FEVER = Decimal("37.3")
DEADLINES = {ReportSlot.MORNING: dt.time(12, 0), ReportSlot.EVENING: dt.time(20, 0)}
DEFAULT_DAYS = {HealthStatus.HOME_ISOLATION: 14, HealthStatus.HOME_MONITORING: 7}
SYMPTOMS_MAX = IsolationReport._meta.get_field("symptoms").max_length


def slots() -> list[str]:
    """The day's report slots: morning and evening, or the evening only."""
    if settings.ISOLATION_REPORTS_PER_DAY >= 2:
        return [ReportSlot.MORNING, ReportSlot.EVENING]
    return [ReportSlot.EVENING]


def slot_at(when: dt.datetime) -> str:
    """The slot a report made at `when` counts for: the morning's until noon, then evening."""
    local = timezone.localtime(when)
    if ReportSlot.MORNING in slots() and local.time() < DEADLINES[ReportSlot.MORNING]:
        return ReportSlot.MORNING
    return ReportSlot.EVENING


def due_slots(now: dt.datetime) -> list[str]:
    """The slots of today whose deadline has passed at `now`."""
    local = timezone.localtime(now)
    return [s for s in slots() if local.time() >= DEADLINES[s]]


# --- reads -----------------------------------------------------------------------------------


def isolated_for(user: User | AnonymousUser) -> QuerySet[Resident]:
    """Residents at home isolation or monitoring in the places where the user sees help."""
    scope = _help_scope(user)
    return (
        Resident.objects.filter(scope.q("household"), health_status__in=AT_HOME)
        .select_related("household", "household__parent")
        .order_by("household__path", "pk")
    )


def get_isolated_for(user: User | AnonymousUser, pk: Any) -> Resident:
    return get_for(isolated_for(user), pk, what="resident")


def isolated_in(households: list[int]) -> list[Resident]:
    """The verified households' residents at home isolation or monitoring (public page)."""
    return list(
        Resident.objects.filter(household_id__in=households, health_status__in=AT_HOME)
        .select_related("household")
        .order_by("pk")
    )


@dataclass
class BoardRow:
    resident: Resident
    day_count: int = 0
    planned_release: dt.date | None = None
    today: dict[str, IsolationReport] = field(default_factory=dict)
    late: list[str] = field(default_factory=list)
    fever: IsolationReport | None = None

    @property
    def reported_today(self) -> bool:
        return bool(self.today)

    @property
    def slots(self) -> list[tuple[str, IsolationReport | None, bool]]:
        return [(s, self.today.get(s), s in self.late) for s in slots()]


def board_rows(residents: list[Resident], now: dt.datetime | None = None) -> list[BoardRow]:
    """Today's state of each resident: reports by slot, late slots, fever, day count and
    planned release (from the open status period). Two queries for any number of rows."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    ids = [r.pk for r in residents]
    periods = {
        p.resident_id: p
        for p in StatusPeriod.objects.filter(resident_id__in=ids, ended_at__isnull=True)
    }
    reports: dict[int, dict[str, IsolationReport]] = {}
    fevers: dict[int, IsolationReport] = {}
    for report in IsolationReport.objects.filter(resident_id__in=ids, day=today).order_by("at"):
        reports.setdefault(report.resident_id, {})[report.slot] = report
        if report.fever:
            fevers[report.resident_id] = report
    due = due_slots(now)
    rows = []
    for resident in residents:
        row = BoardRow(resident=resident, today=reports.get(resident.pk, {}))
        period = periods.get(resident.pk)
        if period is not None:
            start = timezone.localtime(period.starts_at).date()
            row.day_count = (today - start).days + 1
            days = DEFAULT_DAYS.get(resident.health_status, 14)
            row.planned_release = period.planned_end or start + dt.timedelta(days=days)
        row.late = [s for s in due if s not in row.today]
        row.fever = fevers.get(resident.pk)
        rows.append(row)
    return rows


@dataclass
class BoardCounts:
    total: int
    reported: int
    late: int
    fever: int


def board_counts(residents: QuerySet[Resident], now: dt.datetime | None = None) -> BoardCounts:
    """How many are isolated, reported today, are late on a passed deadline, have fever."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    reports = IsolationReport.objects.filter(resident__in=residents.values("pk"), day=today)
    late_ids: set[int] = set()
    for slot in due_slots(now):
        done = reports.filter(slot=slot).values("resident_id")
        late_ids |= set(residents.exclude(pk__in=done).values_list("pk", flat=True))
    return BoardCounts(
        total=residents.count(),
        reported=reports.values("resident_id").distinct().count(),
        late=len(late_ids),
        fever=reports.filter(fever=True).values("resident_id").distinct().count(),
    )


def filtered(residents: QuerySet[Resident], show: str, now: dt.datetime | None = None) -> Any:
    """The board narrowed to the late (a passed deadline without a report) or the feverish."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if show == "fever":
        fever = IsolationReport.objects.filter(day=today, fever=True).values("resident_id")
        return residents.filter(pk__in=fever)
    if show == "late":
        late = residents.none()
        for slot in due_slots(now):
            done = IsolationReport.objects.filter(day=today, slot=slot).values("resident_id")
            late = late | residents.exclude(pk__in=done)
        return late.distinct()
    return residents


def may_report(user: User | AnonymousUser) -> bool:
    """Whether the user records reports at the door somewhere (cadres, volunteers, staff)."""
    return not scope_for(user, Capability.CLAIM_HELP).is_empty


def may_release(user: User | AnonymousUser) -> bool:
    """Whether the user changes residents' statuses somewhere (and so may release)."""
    return not scope_for(user, Capability.EDIT_RESIDENTS).is_empty


# --- writes ----------------------------------------------------------------------------------


def _reading(temperature: Any, symptoms: str) -> tuple[Decimal, str]:
    errors: dict[str, str] = {}
    try:
        value = Decimal(str(temperature).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not Decimal(34) <= value <= Decimal(43):
        errors["temperature"] = _("Enter the temperature in °C, for example 36.5.")
        value = Decimal(0)
    symptoms = (symptoms or "").strip()
    if len(symptoms) > SYMPTOMS_MAX:
        errors["symptoms"] = _("Keep the symptoms under %d characters.") % SYMPTOMS_MAX
    if errors:
        raise ValidationError(errors)
    return value.quantize(Decimal("0.1")), symptoms


def _community(resident: Resident) -> Place:
    found = Place.objects.filter(
        pk__in=resident.household.ancestor_ids(), kind=PlaceKind.COMMUNITY
    ).first()
    if found is None:
        raise ValidationError({"resident": _("This household is not in a community.")})
    return found


def _alert(report: IsolationReport, resident: Resident, community: Place) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Fever at home isolation: %(t)s °C at %(address)s") % {
            "t": report.temperature,
            "address": f"{resident.household.parent.name} {resident.household.name}",
        }
    notify(
        users_with(Capability.MANAGE_HELP, community, inherited=False),
        kind="fever",
        title=title,
        url=reverse("assistance:isolation") + "?show=fever",
        body=report.symptoms,
    )


@transaction.atomic
def isolation_report(
    *,
    actor: User | None,
    resident: Resident,
    temperature: Any,
    symptoms: str = "",
    households: list[int] | None = None,
) -> IsolationReport:
    """Record a reading for the current slot: by a cadre or staff who claim help there
    (`actor`), or by the resident on the public page (`households` they verified). 37.3 °C or
    a symptom alerts the community's staff in the same transaction."""
    if actor is None:
        if households is None or resident.household_id not in households:
            raise PermissionDenied(_("You may report only for your own household."))
    elif not scope_for(actor, Capability.CLAIM_HELP).covers(resident.household):
        raise PermissionDenied(_("Only the community's staff and its cadres record reports."))
    if resident.health_status not in AT_HOME:
        raise ValidationError({"resident": _("This resident is not isolated at home.")})
    value, symptoms = _reading(temperature, symptoms)
    community = _community(resident)
    now = timezone.now()
    report = IsolationReport.objects.create(
        resident=resident,
        community=community,
        day=timezone.localtime(now).date(),
        slot=slot_at(now),
        temperature=value,
        symptoms=symptoms,
        fever=value >= FEVER or bool(symptoms),
        channel=ReportChannel.RESIDENT if actor is None else ReportChannel.DOOR,
        by=actor,
        at=now,
    )
    audit.record(
        actor=actor,
        action="assistance.isolation_report",
        obj=report,
        place=resident.household,
        changes={"temperature": str(value), "fever": report.fever},
    )
    if report.fever:
        _alert(report, resident, community)
    return report


def isolation_release(*, actor: User, resident: Resident, reason: str = "") -> StatusPeriod:
    """End the home isolation or monitoring: the registry's status service closes the period
    (history kept, audited there)."""
    from shequ.residents.services import resident_set_status

    if resident.health_status not in AT_HOME:
        raise ValidationError({"resident": _("This resident is not isolated at home.")})
    return resident_set_status(
        actor=actor,
        resident=resident,
        status=HealthStatus.NORMAL,
        reason=reason or _("Released from home isolation"),
    )
