"""Writes to the place tree and its zones: one transaction and one audit row each."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from shequ.core import audit, districts
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for
from shequ.core.times import city_time
from shequ.places.households import (
    UNIT_MAX,
    household_name,
    normalize_unit,
    room_of,
    unit_in_name,
)
from shequ.places.models import (
    PARENT_KIND,
    ZONABLE_KINDS,
    Place,
    PlaceKind,
    ZoneDesignation,
    ZoneLevel,
)

if TYPE_CHECKING:
    from shequ.core.models import User


# How far back a new designation may start when it ends the one in force (a form filled in
# over a few minutes); older starts would rewrite history.
BACKDATE_TOLERANCE = timedelta(minutes=15)


def _show(when: datetime) -> str:
    return formats.date_format(timezone.localtime(when), "Y-m-d H:i")


def places_insert(rows: list[Place]) -> list[Place]:
    """Insert many places of one level (parents saved already) and give each its path.

    For seeding and imports, inside the caller's transaction; the caller audits the batch.
    """
    created = Place.objects.bulk_create(rows, batch_size=1000)
    for place in created:
        place.path = f"{place.parent.path}{place.pk}/"
        place.depth = place.parent.depth + 1
    Place.objects.bulk_update(created, ["path", "depth"], batch_size=1000)
    return created


def paths_fill_new() -> int:
    """Give every place inserted without a path (`path=""`) its own: its parent's path and
    its id. One UPDATE, however many rows (imports insert rows with `core.bulk`, level by
    level, parents first); inside the caller's transaction."""
    parent_path = Place.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    return Place.objects.filter(path="").update(
        path=Concat(
            Subquery(parent_path),
            Cast("pk", output_field=CharField()),
            Value("/"),
            output_field=CharField(),
        )
    )


def subtree_move(*, place_id: int, parent: Place) -> tuple[str, str]:
    """Hang a place (and everything below it) under `parent`: its parent, and the path of
    each place of its subtree, in two UPDATEs. Ids stay, so residents, zones, passes and
    history stay with their places. Inside the caller's transaction; the caller audits.
    Returns the subtree's (old, new) path prefix. Under another district, the subtree's
    rows take that district's id too (PostgreSQL's `district_id`, core/districts.py)."""
    old = Place.objects.filter(pk=place_id).values_list("path", flat=True).get()
    new = f"{parent.path}{place_id}/"
    if new.startswith(old):
        raise ValidationError({"parent": _("A place cannot move under itself.")})
    district = districts.district_of(connection, place_id)
    Place.objects.filter(pk=place_id).update(parent=parent)
    Place.objects.filter(path__startswith=old).update(
        path=Concat(Value(new), Substr("path", len(old) + 1), output_field=CharField()),
        depth=F("depth") + (parent.depth + 1 - old.count("/") + 2),
    )
    districts.follow_move(connection, prefix=new, old=district)
    return old, new


@transaction.atomic
def place_create(
    *,
    actor: User | None,
    kind: str,
    code: str,
    name: str,
    parent: Place | None = None,
    no_property_management: bool = False,
    unit: str = "",
) -> Place:
    """Add a place under `parent`; the kind must be the one directly below the parent's.

    A household may have a unit (单元): its name then says it ("1单元801室" from unit "1" and
    name "801"), and no other household of the building has that unit and room.
    """
    errors: dict[str, str] = {}
    unit = normalize_unit(unit)
    if not unit and kind == PlaceKind.HOUSEHOLD and (said := unit_in_name(name)):
        unit = said[0]  # "2单元301室" says its unit: one identity, however it was given
    if unit and kind != PlaceKind.HOUSEHOLD:
        errors["unit"] = _("Only a household has a unit (单元).")
    elif len(unit) > UNIT_MAX:
        errors["unit"] = _("Give a unit of at most %d characters, e.g. 1 or 1单元.") % UNIT_MAX
    elif unit and room_of(name or "", unit):
        name = household_name(unit, room_of(name or "", unit))
    if kind not in PlaceKind.values:
        errors["kind"] = _("Choose one of: %s.") % ", ".join(PlaceKind.values)
    elif PARENT_KIND[kind] != (parent.kind if parent else None):
        expected = PARENT_KIND[kind]
        errors["parent"] = (
            _("A %(kind)s must sit under a %(parent)s.")
            % {"kind": PlaceKind(kind).label, "parent": PlaceKind(expected).label}
            if expected
            else _("A city has no parent.")
        )
    code = (code or "").strip()
    if not code or len(code) > 40:
        errors["code"] = _("Give a code of 1–40 characters.")
    elif Place.objects.filter(code=code).exists():
        errors["code"] = _("Code %s is already used; codes are unique across the city.") % code
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = _("Give a name of 1–100 characters.")
    elif (
        kind == PlaceKind.HOUSEHOLD
        and parent is not None
        and Place.objects.filter(
            parent=parent, kind=PlaceKind.HOUSEHOLD, unit=unit, name=name
        ).exists()
    ):
        errors["name"] = _("%(building)s already has a household %(name)s.") % {
            "building": parent.name,
            "name": name,
        }
    if no_property_management and kind != PlaceKind.COMPOUND:
        errors["no_property_management"] = _("Only a compound can be without property management.")
    if actor is not None:
        adders = scope_for(actor, Capability.ADD_PLACES)
        # A city has nothing above it to cover: adding one takes a whole tree (the city HQ).
        if not (adders.covers(parent) if parent is not None else adders.is_citywide):
            raise PermissionDenied(refusal(Capability.ADD_PLACES))
    if errors:
        raise ValidationError(errors)
    place = Place.objects.create(
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        no_property_management=no_property_management,
        unit=unit,
        depth=(parent.depth + 1) if parent else 0,
    )
    place.path = f"{parent.path if parent else '/'}{place.pk}/"
    place.save(update_fields=["path"])
    audit.record(actor=actor, action="places.place.create", obj=place, place=place)
    return place


@transaction.atomic
def zone_set(
    *,
    actor: User,
    place: Place,
    level: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    reason: str = "",
) -> ZoneDesignation:
    """Designate a compound or building a lockdown, control or precaution zone.

    A designation still open when the new one starts is closed at that moment; any other
    overlap is refused, so the history never holds two zones for one place at one time.
    """
    require(actor, Capability.SET_ZONE, place)
    # Lock the place row first, so two officers setting zones at once queue, and "now" is
    # taken after the wait: the later designation then starts after the earlier one.
    Place.objects.select_for_update(no_key=True).filter(pk=place.pk).first()
    now = timezone.now()
    starts_at = city_time(starts_at) or now
    ends_at = city_time(ends_at)
    errors: dict[str, str] = {}
    if place.kind not in ZONABLE_KINDS:
        errors["place"] = _("Zones are set on a compound or a building, not a %s.") % (
            place.level_label()
        )
    if level not in ZoneLevel.values:
        errors["level"] = _("Choose lockdown, control or precaution.")
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start (%s).") % _show(starts_at)
    if len(reason) > 200:
        errors["reason"] = _("Keep the reason under 200 characters.")
    if errors:
        raise ValidationError(errors)

    overlapping = ZoneDesignation.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=starts_at), place=place
    )
    if ends_at is not None:
        overlapping = overlapping.filter(starts_at__lt=ends_at)
    previous = None
    for existing in overlapping.order_by("starts_at"):
        if existing.ends_at is None and existing.starts_at < starts_at and previous is None:
            if starts_at < now - BACKDATE_TOLERANCE:
                # Closing a zone in the past would rewrite what gates and residents lived by.
                raise ValidationError(
                    {
                        "starts_at": _(
                            "The %(zone)s in force cannot be ended in the past; "
                            "start the new zone now or later."
                        )
                        % {"zone": existing.get_level_display()}
                    }
                )
            if existing.level == level:
                raise ValidationError(
                    {
                        "level": _("This place is already a %(zone)s since %(start)s.")
                        % {"zone": existing.get_level_display(), "start": _show(existing.starts_at)}
                    }
                )
            previous = existing
            continue
        end = _show(existing.ends_at) if existing.ends_at else _("until lifted")
        raise ValidationError(
            {
                "starts_at": _(
                    "Overlaps the %(zone)s from %(start)s to %(end)s; "
                    "choose times outside it or lift that designation first."
                )
                % {
                    "zone": existing.get_level_display(),
                    "start": _show(existing.starts_at),
                    "end": end,
                }
            }
        )
    if previous is not None:
        previous.ends_at = starts_at
        previous.ended_by = actor
        previous.save(update_fields=["ends_at", "ended_by"])
    designation = ZoneDesignation.objects.create(
        place=place,
        level=level,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        set_by=actor,
    )
    audit.record(
        actor=actor,
        action="places.zone.set",
        obj=designation,
        place=place,
        changes={
            "level": [previous.level if previous else None, level],
            "closed": previous.pk if previous else None,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat() if ends_at else None,
        },
    )
    return designation


@transaction.atomic
def zone_lift(*, actor: User, place: Place, at: datetime | None = None) -> ZoneDesignation:
    """End the designation in force on a place at `at` (now), even one set to end later."""
    require(actor, Capability.SET_ZONE, place)
    Place.objects.select_for_update(no_key=True).filter(pk=place.pk).first()
    at = city_time(at) or timezone.now()
    current = (
        ZoneDesignation.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at), place=place, starts_at__lt=at
        )
        .order_by("-starts_at")
        .first()
    )
    if current is None:
        raise ValidationError({"place": _("This place has no zone in force to lift.")})
    before = current.ends_at
    current.ends_at = at
    current.ended_by = actor
    current.save(update_fields=["ends_at", "ended_by"])
    audit.record(
        actor=actor,
        action="places.zone.lift",
        obj=current,
        place=place,
        changes={
            "level": [current.level, None],
            "ends_at": [before.isoformat() if before else None, at.isoformat()],
        },
    )
    return current


@transaction.atomic
def city_init(
    *,
    city_name: str,
    city_code: str,
    username: str,
    password: str,
    display_name: str = "",
    language: str = "zh-hans",
) -> tuple[Place, User]:
    """A new deployment's first rows: the city and its first HQ administrator (`shequ init`).

    Refused on a database that already holds places or logins: init runs once, on an empty
    database, and never touches a city that is there."""
    from shequ.core import services as core_services
    from shequ.core.roles import Role
    from shequ.places.selectors import city_summary

    if (held := city_summary()) is not None:
        raise ValidationError({"database": held})
    city_name, city_code = (city_name or "").strip(), (city_code or "").strip()
    if not city_name:
        raise ValidationError({"city": _("Give the city's name, e.g. 兰州市.")})
    city = place_create(actor=None, kind=PlaceKind.CITY, code=city_code, name=city_name)
    user = core_services.user_create(
        actor=None,
        username=username,
        password=password,
        display_name=display_name or _("%s HQ") % city_name,
        language=language,
    )
    core_services.role_grant(actor=None, user=user, role=Role.CITY_HQ, place=city)
    return city, user
