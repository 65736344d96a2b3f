"""Writes on disinfection and patrols, each one transaction with its audit row: areas (one,
or one per building of a compound), rounds (the agent drawn from supplies' stock), findings
and their follow-up."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for_any
from shequ.notify.services import notify
from shequ.patrols import photos, schedule
from shequ.patrols.models import Area, AreaKind, Finding, FindingKind, Round
from shequ.places.models import Place, PlaceKind
from shequ.supplies.points import record_area_use

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.supplies.models import Item, Warehouse

AREA_PLACES = (PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.COMPOUND, PlaceKind.BUILDING)
OFFLINE_DAYS = 3  # a round kept on a phone longer than this is refused
NOTE_MAX = 200
FINDING_MAX = 500
MAX_QUANTITY = 1000


def community_of(place: Place) -> Place:
    """The community a place lies in (or is); ValidationError for a place above one."""
    if place.kind == PlaceKind.COMMUNITY:
        return place
    found = Place.objects.filter(pk__in=place.ancestor_ids(), kind=PlaceKind.COMMUNITY).first()
    if found is None:
        raise ValidationError({"place": _("Choose a community or a place within one.")})
    return found


def _schedule(times: Sequence[int], tolerance: Any, errors: dict[str, str]) -> int:
    if isinstance(tolerance, bool) or not isinstance(tolerance, int):
        errors["tolerance"] = _("Give the tolerance in whole minutes, e.g. 60.")
        return 0
    if not 5 <= tolerance <= schedule.MAX_TOLERANCE:
        errors["tolerance"] = _("The tolerance is between 5 and %d minutes.") % (
            schedule.MAX_TOLERANCE
        )
    if not times:
        errors["times"] = _("Give at least one time of day, e.g. 08:00, 16:00.")
    elif len(times) > schedule.MAX_SLOTS:
        errors["times"] = _("At most %d rounds a day.") % schedule.MAX_SLOTS
    elif "tolerance" not in errors and 2 * tolerance >= schedule.smallest_gap(times):
        # Overlapping windows would let one round count for two slots.
        errors["tolerance"] = _(
            "The windows overlap: make the tolerance shorter than half the time between two "
            "rounds (%d minutes here)."
        ) % (schedule.smallest_gap(times) // 2)
    return tolerance


def _agent(
    agent: Item | None, warehouse: Warehouse | None, dose: Any, place: Place, errors: dict[str, str]
) -> int:
    if isinstance(dose, bool) or not isinstance(dose, int) or not 0 <= dose <= MAX_QUANTITY:
        errors["dose"] = _("Give the units a round uses as a whole number from 0 to %d.") % (
            MAX_QUANTITY
        )
        return 0
    if warehouse is not None and agent is None:
        errors["agent"] = _("Choose the agent drawn from the warehouse.")
    if warehouse is not None and warehouse.place_id not in {*place.ancestor_ids(), place.pk}:
        errors["warehouse"] = _("Choose a warehouse of this place's community or above it.")
    return dose


def _area_row(
    *,
    actor: User,
    place: Place,
    community: Place,
    kind: str,
    name: str,
    times: list[int],
    every_hours: int | None,
    tolerance: int,
    agent: Item | None,
    warehouse: Warehouse | None,
    dose: int,
    position: int,
) -> Area:
    return Area(
        place=place,
        community=community,
        kind=kind,
        name=name,
        times=times,
        every_hours=every_hours,
        tolerance=tolerance,
        agent=agent,
        warehouse=warehouse,
        dose=dose,
        position=position,
        created_by=actor,
        created_at=timezone.now(),
    )


def _check_area(
    place: Place,
    kind: str,
    times: list[int],
    tolerance: Any,
    agent: Item | None,
    warehouse: Warehouse | None,
    dose: Any,
) -> tuple[int, int]:
    errors: dict[str, str] = {}
    if place.kind not in AREA_PLACES:
        errors["place"] = _("Choose a community, a compound or a building.")
    if kind not in AreaKind.values:
        errors["kind"] = _("Choose what kind of area: stairwell, gate, lift, rubbish point…")
    tolerance = _schedule(times, tolerance, errors)
    dose = _agent(agent, warehouse, dose, place, errors)
    if errors:
        raise ValidationError(errors)
    return tolerance, dose


@transaction.atomic
def area_create(
    *,
    actor: User,
    place: Place,
    kind: str,
    name: str,
    times: list[int],
    tolerance: int = 60,
    every_hours: int | None = None,
    agent: Item | None = None,
    warehouse: Warehouse | None = None,
    dose: int = 0,
    position: int | None = None,
) -> Area:
    """An area to disinfect at `place` on the schedule `times` (minutes after midnight)."""
    require(actor, Capability.MANAGE_PATROLS, place)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give the area a name of at most 80 characters.")})
    tolerance, dose = _check_area(place, kind, times, tolerance, agent, warehouse, dose)
    community = community_of(place)
    if Area.objects.filter(place=place, name=name).exists():
        raise ValidationError({"name": _("This place has an area of that name already.")})
    if position is None:
        position = Area.objects.filter(community=community).count() + 1
    area = _area_row(
        actor=actor,
        place=place,
        community=community,
        kind=kind,
        name=name,
        times=sorted(times),
        every_hours=every_hours,
        tolerance=tolerance,
        agent=agent,
        warehouse=warehouse,
        dose=dose,
        position=position,
    )
    area.save()
    audit.record(
        actor=actor,
        action="patrols.area_create",
        obj=area,
        place=place,
        changes={"name": name, "times": schedule.show_times(area.times)},
    )
    return area


@transaction.atomic
def areas_for_buildings(
    *,
    actor: User,
    compound: Place,
    kind: str,
    times: list[int],
    tolerance: int = 60,
    every_hours: int | None = None,
    agent: Item | None = None,
    warehouse: Warehouse | None = None,
    dose: int = 0,
) -> list[Area]:
    """One area of `kind` in every building of a compound ("every stairwell of 1号小区"),
    in the buildings' order; a building that has one of that name already is left as it is."""
    require(actor, Capability.MANAGE_PATROLS, compound)
    if compound.kind != PlaceKind.COMPOUND:
        raise ValidationError({"place": _("Choose a compound: an area goes in each building.")})
    tolerance, dose = _check_area(compound, kind, times, tolerance, agent, warehouse, dose)
    community = community_of(compound)
    buildings = list(compound.children.filter(kind=PlaceKind.BUILDING).order_by("code"))
    if not buildings:
        raise ValidationError({"place": _("This compound has no buildings yet.")})
    with translation.override(settings.LANGUAGE_CODE):  # names in the city's language
        label = str(AreaKind(kind).label)
    names = {b.pk: f"{b.name}{label}" for b in buildings}
    taken = set(
        Area.objects.filter(place__in=buildings, name__in=names.values()).values_list(
            "place_id", flat=True
        )
    )
    start = Area.objects.filter(community=community).count()
    areas = [
        _area_row(
            actor=actor,
            place=b,
            community=community,
            kind=kind,
            name=names[b.pk],
            times=sorted(times),
            every_hours=every_hours,
            tolerance=tolerance,
            agent=agent,
            warehouse=warehouse,
            dose=dose,
            position=start + n,
        )
        for n, b in enumerate((b for b in buildings if b.pk not in taken), 1)
    ]
    Area.objects.bulk_create(areas)
    audit.record(
        actor=actor,
        action="patrols.areas_for_buildings",
        obj=compound,
        place=compound,
        changes={"kind": kind, "areas": len(areas), "times": schedule.show_times(times)},
    )
    return areas


@transaction.atomic
def area_retire(*, actor: User, area: Area) -> Area:
    """The area is no longer disinfected on a schedule (its rounds stay in the history)."""
    require(actor, Capability.MANAGE_PATROLS, area.place)
    Area.objects.filter(pk=area.pk).update(active=False)
    area.active = False
    audit.record(actor=actor, action="patrols.area_retire", obj=area, place=area.place)
    return area


def _quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({"quantity": _("Give the units used as a whole number.")})
    if not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            {"quantity": _("The units used are between 0 and %d.") % MAX_QUANTITY}
        )
    return quantity


@transaction.atomic
def round_record(
    *,
    actor: User,
    area: Area,
    done_at: dt.datetime | None = None,
    quantity: int | None = None,
    note: str = "",
    photo: bytes | None = None,
    client_uuid: uuid.UUID | None = None,
) -> Round:
    """A round done at `area` (now, or at the phone's time): the agent's units drawn from the
    area's warehouse when it has one (never blocked by stock), the photo sealed."""
    require(actor, Capability.RECORD_ROUNDS, area.place)
    if not area.active:
        raise ValidationError({"area_id": _("This area is no longer on the schedule.")})
    now = timezone.now()
    done_at = done_at or now
    if done_at > now + dt.timedelta(minutes=5):
        raise ValidationError(
            {"done_at": _("The time of the round is in the future: check the phone's clock.")}
        )
    if done_at < now - dt.timedelta(days=OFFLINE_DAYS):
        raise ValidationError(
            {"done_at": _("The time of the round is not within the last %d days.") % OFFLINE_DAYS}
        )
    quantity = _quantity(area.dose if quantity is None else quantity)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %d characters.") % NOTE_MAX})
    if client_uuid is not None and Round.objects.filter(client_uuid=client_uuid).exists():
        raise ValidationError({"client_uuid": _("This round was recorded already.")})
    name = photo_type = ""
    if photo is not None:
        name, photo_type = photos.store_photo(photo, f"round {area.pk}")
    the_round = Round.objects.create(
        client_uuid=client_uuid or uuid.uuid4(),
        area=area,
        done_at=done_at,
        by=actor,
        agent=area.agent if quantity else None,
        quantity=quantity,
        note=note,
        photo=name,
        photo_type=photo_type,
        recorded_at=now,
    )
    if quantity and area.agent is not None and area.warehouse is not None:
        drawn = record_area_use(
            actor=actor,
            warehouse=area.warehouse,
            item=area.agent,
            quantity=quantity,
            detail=f"{area.community.name} {area.name}",
        )
        if drawn:
            Round.objects.filter(pk=the_round.pk).update(drawn=drawn)
            the_round.drawn = drawn
    audit.record(
        actor=actor,
        action="patrols.round_record",
        obj=the_round,
        place=area.place,
        changes={"area": area.name, "quantity": quantity, "drawn": the_round.drawn},
    )
    return the_round


def _tell_assignee(finding: Finding, by: User) -> None:
    """The assignee's inbox: the finding to follow up (not when they assigned it themselves)."""
    if finding.assignee_id is None or finding.assignee_id == by.pk:
        return
    notify(
        [finding.assignee_id],
        kind="patrols_finding",
        title=_("Patrol finding for you: %(what)s") % {"what": finding.spot or finding.place.name},
        body=finding.note
        + (_(" · due %(day)s") % {"day": finding.due_on.isoformat()} if finding.due_on else ""),
        url=reverse("patrols:finding", args=[finding.pk]),
    )


def _follow_up(assignee: User | None, due_on: dt.date | None, place: Place) -> dict[str, str]:
    errors: dict[str, str] = {}
    if assignee is not None and not scope_for_any(
        assignee, (Capability.RECORD_ROUNDS, Capability.MANAGE_PATROLS)
    ).covers(place):
        errors["assignee"] = _("Choose someone of this community's staff or cadres.")
    if due_on is not None and due_on < timezone.localdate():
        errors["due_on"] = _("The due day is today or later.")
    return errors


@transaction.atomic
def finding_record(
    *,
    actor: User,
    place: Place,
    kind: str,
    note: str,
    spot: str = "",
    photo: bytes | None = None,
    assignee: User | None = None,
    due_on: dt.date | None = None,
    found_at: dt.datetime | None = None,
) -> Finding:
    """What was found on patrol at `place` (a shop or spot named in `spot`), with a photo and,
    optionally, who follows it up by when."""
    require(actor, Capability.RECORD_ROUNDS, place)
    errors = _follow_up(assignee, due_on, place)
    if kind not in FindingKind.values:
        errors["kind"] = _("Choose what was found: shop open, crowd, no mask or other.")
    note, spot = (note or "").strip(), (spot or "").strip()
    if not note:
        errors["note"] = _("Say what was seen (for example: the noodle shop serving inside).")
    elif len(note) > FINDING_MAX:
        errors["note"] = _("Keep it under %d characters.") % FINDING_MAX
    if len(spot) > 100:
        errors["spot"] = _("Keep the shop or spot under 100 characters.")
    if place.kind == PlaceKind.HOUSEHOLD or place.kind not in (*AREA_PLACES, PlaceKind.GRID):
        errors["place"] = _("Choose a community, a compound or a building.")
    if errors:
        raise ValidationError(errors)
    name = photo_type = ""
    if photo is not None:
        name, photo_type = photos.store_photo(photo, f"finding {place.pk}")
    finding = Finding.objects.create(
        place=place,
        community=community_of(place),
        spot=spot,
        kind=kind,
        note=note,
        found_at=found_at or timezone.now(),
        by=actor,
        photo=name,
        photo_type=photo_type,
        assignee=assignee,
        due_on=due_on,
    )
    _tell_assignee(finding, actor)
    audit.record(
        actor=actor,
        action="patrols.finding_record",
        obj=finding,
        place=place,
        changes={"kind": kind, "spot": spot},
    )
    return finding


@transaction.atomic
def finding_assign(
    *, actor: User, finding: Finding, assignee: User | None, due_on: dt.date | None
) -> Finding:
    """Who follows the finding up, by when (the community's staff decide)."""
    require(actor, Capability.MANAGE_PATROLS, finding.place)
    if not finding.is_open:
        raise ValidationError({"assignee": _("This finding is resolved already.")})
    errors = _follow_up(assignee, due_on, finding.place)
    if errors:
        raise ValidationError(errors)
    before = {"assignee": finding.assignee_id, "due_on": str(finding.due_on or "")}
    Finding.objects.filter(pk=finding.pk).update(assignee=assignee, due_on=due_on)
    finding.assignee, finding.due_on = assignee, due_on
    if assignee is not None and (assignee.pk != before["assignee"]):
        _tell_assignee(finding, actor)
    audit.record(
        actor=actor,
        action="patrols.finding_assign",
        obj=finding,
        place=finding.place,
        changes={
            "before": before,
            "assignee": getattr(assignee, "pk", None),
            "due_on": str(due_on or ""),
        },
    )
    return finding


@transaction.atomic
def finding_resolve(*, actor: User, finding: Finding, note: str) -> Finding:
    """The finding is put right (by its assignee or the community's staff), with a note."""
    if actor.pk != finding.assignee_id:
        require(actor, Capability.MANAGE_PATROLS, finding.place)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"resolution": _("Say how it was put right.")})
    if len(note) > FINDING_MAX:
        raise ValidationError({"resolution": _("Keep it under %d characters.") % FINDING_MAX})
    now = timezone.now()
    if not Finding.objects.filter(pk=finding.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor, resolution=note
    ):
        raise ValidationError({"resolution": _("This finding is resolved already.")})
    finding.resolved_at, finding.resolved_by, finding.resolution = now, actor, note
    audit.record(
        actor=actor,
        action="patrols.finding_resolve",
        obj=finding,
        place=finding.place,
        changes={"resolution": note},
    )
    return finding


def times_from(times: str, every_hours: int | None = None, start: str = "") -> list[int]:
    """The schedule as typed: "08:00, 16:00", or every N hours from `start` ("08:00");
    ValidationError naming `times`, `every_hours` or `start`."""
    if every_hours:
        if isinstance(every_hours, bool) or not isinstance(every_hours, int):
            raise ValidationError({"every_hours": _("Give the hours as a whole number.")})
        if not 1 <= every_hours <= 24:
            raise ValidationError({"every_hours": _("Every 1 to 24 hours.")})
        first = schedule.parse_times(start or "00:00")
        if not first or len(first) != 1:
            raise ValidationError({"start": _("Give the first round's time as HH:MM, e.g. 08:00.")})
        return schedule.every(every_hours, first[0])
    found = schedule.parse_times(times or "")
    if not found:
        raise ValidationError(
            {"times": _("Give the times of day as HH:MM, separated by commas: 08:00, 16:00.")}
        )
    return found
