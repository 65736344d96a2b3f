"""Writes to the resident registry: one transaction and one audit row each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, pii
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import (
    DocumentType,
    HealthStatus,
    Occupancy,
    Relation,
    Resident,
    StatusPeriod,
    tags_to_bits,
)
from shequ.residents.privacy import FULL_VIEW_FIELDS
from shequ.residents.rules import resident_problems

if TYPE_CHECKING:
    from shequ.core.models import User

# Sensitive fields are recorded in the audit log masked, never in plain text.
PII_FIELDS = ("document_number", "phone")
EDITABLE = (
    "name",
    "gender",
    "birth_date",
    "document_type",
    "document_number",
    "phone",
    "relation",
    "occupancy",
    "tags",
    "notes",
)


def _check_household(actor: User, household: Place) -> None:
    if household.kind != PlaceKind.HOUSEHOLD:
        raise ValidationError(
            {"household": _("Choose a household (a flat), not a %s.") % (household.level_label())}
        )
    if not scope_for(actor, Capability.EDIT_RESIDENTS).covers(household):
        raise PermissionDenied(_("You may not register residents in this household."))


def _require_edit(actor: User, resident: Resident) -> None:
    if not scope_for(actor, Capability.EDIT_RESIDENTS).covers(resident.household):
        raise PermissionDenied(_("You may not change this resident."))


def _duplicate_document(document_type: str, number: str, exclude: int | None = None) -> bool:
    digest = pii.blind_index(pii.normalize_document(number), kind="document")
    qs = Resident.objects.filter(document_type=document_type, document_hmac=digest)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _comparable(field: str, value: Any) -> Any:
    """A value as the database would hold it, so re-saving the same thing is no change."""
    if field == "document_number":
        return pii.normalize_document(str(value or ""))
    if field == "phone":
        return pii.normalize_phone(str(value or ""))
    if field == "tags":
        return frozenset(value or ())
    if field == "name":
        return str(value or "").strip()
    return value


def _shown(field: str, value: Any) -> Any:
    if field in PII_FIELDS:
        return pii.mask(str(value or ""))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def resident_create(
    *,
    actor: User,
    household: Place,
    name: str,
    document_number: str,
    document_type: str = DocumentType.RESIDENT_ID,
    gender: str = "",
    birth_date: dt.date | None = None,
    phone: str = "",
    relation: str = Relation.OTHER,
    occupancy: str = Occupancy.OWNER,
    tags: Iterable[str] = (),
    notes: str = "",
) -> Resident:
    """Register a resident in a household the actor covers."""
    _check_household(actor, household)
    tags = list(tags)
    errors = resident_problems(
        name=name,
        gender=gender,
        birth_date=birth_date,
        document_type=document_type,
        document_number=document_number,
        phone=phone,
        relation=relation,
        occupancy=occupancy,
        tags=tags,
        notes=notes,
    )
    if not errors and _duplicate_document(document_type, document_number):
        errors["document_number"] = _(
            "A resident with this document number is already registered; search for them."
        )
    if errors:
        raise ValidationError(errors)
    resident = Resident.objects.create(
        household=household,
        name=name.strip(),
        gender=gender,
        birth_date=birth_date,
        document_type=document_type,
        document_number=pii.normalize_document(document_number),
        phone=pii.normalize_phone(phone),
        relation=relation,
        occupancy=occupancy,
        tags=tags_to_bits(tags),
        notes=notes,
    )
    audit.record(
        actor=actor,
        action="residents.resident.create",
        obj=resident,
        place=household,
        changes={"name": resident.name, "document_number": pii.mask(resident.document_number)},
    )
    return resident


@transaction.atomic
def resident_update(*, actor: User, resident: Resident, **changes: Any) -> Resident:
    """Change any of a resident's details; only the fields given are touched."""
    _require_edit(actor, resident)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in unknown})
    hidden = [f for f in FULL_VIEW_FIELDS if f in changes]
    if hidden and not scope_for(actor, Capability.VIEW_PII).covers(resident.household):
        # Checked before anything else: the checks of a hidden value would describe it.
        raise ValidationError(
            {
                f: _(
                    "Your role sees this masked, so it may not change it; "
                    "ask the staff of the resident's community."
                )
                for f in hidden
            }
        )
    current = {f: getattr(resident, f) for f in EDITABLE}
    current["tags"] = resident.tag_list
    merged = {**current, **changes}
    merged["tags"] = list(merged["tags"] or [])
    errors = resident_problems(**merged)
    if not errors and _duplicate_document(
        merged["document_type"], merged["document_number"], exclude=resident.pk
    ):
        errors["document_number"] = _("Another resident has this document number.")
    if errors:
        raise ValidationError(errors)
    diff = {
        f: [_shown(f, current[f]), _shown(f, merged[f])]
        for f in EDITABLE
        if _comparable(f, current[f]) != _comparable(f, merged[f])
    }
    if not diff:
        return resident
    for field in EDITABLE:
        value = tags_to_bits(merged["tags"]) if field == "tags" else merged[field]
        setattr(resident, field, value.strip() if field == "name" else value)
    resident.updated_at = timezone.now()
    resident.save()
    audit.record(
        actor=actor,
        action="residents.resident.update",
        obj=resident,
        place=resident.household,
        changes=diff,
    )
    return resident


@transaction.atomic
def resident_move(*, actor: User, resident: Resident, household: Place) -> Resident:
    """Move a resident to another household; the actor must cover both."""
    _require_edit(actor, resident)
    _check_household(actor, household)
    if household.pk == resident.household_id:
        raise ValidationError({"household": _("The resident already lives in this household.")})
    before = resident.household
    resident.household = household
    resident.updated_at = timezone.now()
    resident.save(update_fields=["household", "updated_at"])
    audit.record(
        actor=actor,
        action="residents.resident.move",
        obj=resident,
        place=household,
        changes={"household": [before.code, household.code]},
    )
    return resident


@transaction.atomic
def resident_set_status(
    *,
    actor: User,
    resident: Resident,
    status: str,
    starts_at: dt.datetime | None = None,
    planned_end: dt.date | None = None,
    reason: str = "",
) -> StatusPeriod:
    """Set a health status from `starts_at` (now); the previous period closes at that moment."""
    _require_edit(actor, resident)
    # Lock the resident so two status changes at once queue up.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    starts_at = starts_at or timezone.now()
    errors: dict[str, str] = {}
    if status not in HealthStatus.values:
        errors["status"] = _("Choose one of the listed statuses.")
    if planned_end is not None and planned_end < timezone.localtime(starts_at).date():
        errors["planned_end"] = _("The planned end cannot be before the start.")
    if len(reason) > 200:
        errors["reason"] = _("Keep the reason under 200 characters.")
    current = resident.status_periods.filter(ended_at__isnull=True).first()
    if current is not None and starts_at < current.starts_at:
        errors["starts_at"] = _("Start after the current status began (%s).") % timezone.localtime(
            current.starts_at
        ).strftime("%Y-%m-%d %H:%M")
    if current is None and status == resident.health_status == HealthStatus.NORMAL:
        errors["status"] = _("The resident's status is already normal.")
    if errors:
        raise ValidationError(errors)
    if current is not None:
        current.ended_at = starts_at
        current.save(update_fields=["ended_at"])
    period = StatusPeriod.objects.create(
        resident=resident,
        status=status,
        starts_at=starts_at,
        planned_end=planned_end,
        reason=reason,
        set_by=actor,
    )
    before = resident.health_status
    resident.health_status = status
    resident.updated_at = timezone.now()
    resident.save(update_fields=["health_status", "updated_at"])
    audit.record(
        actor=actor,
        action="residents.resident.status",
        obj=resident,
        place=resident.household,
        changes={"health_status": [before, status], "period": period.pk},
    )
    return period


def residents_set_status_by_result(
    *, actor: User, residents: list[Resident], status: str, reason: str
) -> None:
    """Set a status on residents because of a lab result (a positive pool's members await a
    retest). The lab operator does not edit residents: the testing service that calls this
    has checked that the actor records results; this writes the periods and the audit."""
    if status not in HealthStatus.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    if not residents:
        return
    now = timezone.now()
    ids = sorted(r.pk for r in residents)
    # Lock in id order, so two results touching the same people queue up without deadlock;
    # the statuses read under the lock are the audit's "before".
    before = dict(
        Resident.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "health_status")
    )
    StatusPeriod.objects.filter(resident_id__in=ids, ended_at__isnull=True).update(ended_at=now)
    StatusPeriod.objects.bulk_create(
        StatusPeriod(
            resident_id=pk, status=status, starts_at=now, reason=reason[:200], set_by=actor
        )
        for pk in ids
    )
    Resident.objects.filter(pk__in=ids).update(health_status=status, updated_at=now)
    for r in residents:
        r.health_status = status
    audit.record_many(
        actor=actor,
        action="residents.resident.status",
        objs=list(residents),
        places=[r.household for r in residents],
        changes=[{"health_status": [before[r.pk], status], "reason": reason} for r in residents],
    )
