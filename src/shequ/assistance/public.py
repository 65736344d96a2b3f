"""The resident's own page (/h/<compound code>/): ask for help, follow one's household's
requests, confirm delivery. No login: the phone is proved by a one-time code (purpose
"help"), and only a phone the registry holds for a household of that compound receives one;
the answer and the rate limits are the same whether or not the phone is known.

After the code, the browser holds a signed, short-lived cookie naming the compound and the
household(s) of that phone; every read and write here is narrowed to those households."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.assistance.models import (
    Channel,
    EventAction,
    HelpKind,
    HelpRequest,
    HelpStatus,
)
from shequ.assistance.services import DETAILS_MAX, _community_of, _event, target_hours
from shequ.core import audit, otp, pii
from shequ.core.errors import ValidationError
from shequ.core.models import CodePurpose
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident

COOKIE = "shequ_help"
COOKIE_SALT = "shequ.assistance.public"
LIFETIME = dt.timedelta(minutes=30)
OPEN_PER_DAY = 10  # requests one household may open from the page in a day


def public_compound(code: str) -> Place:
    """The compound behind a public help address (/h/<code>/); 404 for anything else."""
    compound = Place.objects.filter(code=code, kind=PlaceKind.COMPOUND).first()
    if compound is None:
        raise Http404("No such compound")
    return compound


def _households_of(compound: Place, phone: str) -> list[int]:
    """The households of `compound` where the registry holds `phone` for a resident."""
    return sorted(
        set(
            Resident.objects.filter(
                phone_hmac=pii.blind_index(phone, kind="phone"),
                household__path__startswith=compound.path,
                household__kind=PlaceKind.HOUSEHOLD,
            ).values_list("household_id", flat=True)
        )
    )


def help_code_send(*, compound: Place, phone: str, client: str) -> None:
    """Text a code to `phone` if the registry holds it for a household of the compound; the
    asker is told the same either way, and the limits count both (TooManyCodes)."""
    phone = otp.check_mobile(phone)
    known = bool(_households_of(compound, phone))
    otp.code_send(phone=phone, purpose=CodePurpose.HELP, client=client, deliver=known)


def household_verify(*, compound: Place, phone: str, code: str) -> str:
    """Check the code; the signed cookie value naming the phone's households of the compound.
    A phone that was never sent a code (unknown here) reads as "no code was sent"."""
    phone = otp.code_check(phone=phone, purpose=CodePurpose.HELP, code=code)
    households = _households_of(compound, phone)
    if not households:  # moved out between the code and its use
        raise ValidationError({"code": _("This number is not registered in this compound.")})
    return signing.dumps({"c": compound.pk, "h": households}, salt=COOKIE_SALT)


def verified_households(compound: Place, value: str | None) -> list[int]:
    """The households a cookie value proves, for this compound only; [] when absent, forged,
    expired (LIFETIME) or for another compound."""
    if not value:
        return []
    try:
        data = signing.loads(value, salt=COOKIE_SALT, max_age=LIFETIME)
    except signing.BadSignature:
        return []
    if not isinstance(data, dict) or data.get("c") != compound.pk:
        return []
    return [h for h in data.get("h", []) if isinstance(h, int)]


def household_places(households: list[int]) -> list[Place]:
    """The verified households, with their buildings, for the page's choice of address."""
    return list(
        Place.objects.filter(pk__in=households, kind=PlaceKind.HOUSEHOLD)
        .select_related("parent")
        .order_by("path")
    )


def household_requests(households: list[int]) -> QuerySet[HelpRequest]:
    """The requests of the verified households only, newest first."""
    return (
        HelpRequest.objects.filter(household_id__in=households)
        .select_related("building", "household", "claimed_by")
        .order_by("-created_at", "-pk")[:50]
    )


@transaction.atomic
def resident_help_open(
    *, households: list[int], household_id: int, kind: str, details: str, urgent: bool = False
) -> HelpRequest:
    """A request from the resident's own page, for one of their verified households."""
    errors: dict[str, str] = {}
    if household_id not in households:
        errors["household"] = _("Choose your own address.")
    if kind not in HelpKind.values:
        errors["kind"] = _("Choose what is needed: water, gas, food, medicine, …")
    details = (details or "").strip()
    if not details:
        errors["details"] = _("Say what is needed (for example: 2 buckets of water).")
    elif len(details) > DETAILS_MAX:
        errors["details"] = _("Keep what is needed under %d characters.") % DETAILS_MAX
    if errors:
        raise ValidationError(errors)
    household = Place.objects.select_for_update(no_key=True).get(pk=household_id)
    today = timezone.now() - dt.timedelta(days=1)
    if (
        HelpRequest.objects.filter(
            household=household, channel=Channel.RESIDENT, created_at__gte=today
        ).count()
        >= OPEN_PER_DAY
    ):
        raise ValidationError(
            {"details": _("Too many requests today; call the community office instead.")}
        )
    community = _community_of(household)
    now = timezone.now()
    hours = target_hours(community=community, kind=kind, urgent=urgent)
    request = HelpRequest.objects.create(
        community=community,
        building_id=household.parent_id,
        household=household,
        kind=kind,
        urgent=urgent,
        details=details,
        channel=Channel.RESIDENT,
        created_by=None,
        created_at=now,
        due_at=now + dt.timedelta(hours=hours),
    )
    _event(request, EventAction.CREATED, None, "", _("Asked on the public page"))
    audit.record(
        actor=None,
        action="assistance.open",
        obj=request,
        place=household,
        changes={"kind": kind, "urgent": urgent, "channel": Channel.RESIDENT},
    )
    return request


@transaction.atomic
def resident_confirm(*, households: list[int], request_id: int) -> HelpRequest:
    """The resident says they got it: delivered → confirmed, only for their own households
    (another household's request is 404, as if it did not exist)."""
    request = HelpRequest.objects.filter(pk=request_id, household_id__in=households).first()
    if request is None:
        raise Http404("No such request")
    now = timezone.now()
    if not HelpRequest.objects.filter(pk=request.pk, status=HelpStatus.DELIVERED).update(
        status=HelpStatus.CONFIRMED, ended_at=now
    ):
        raise ValidationError({"status": _("Only a delivered request can be confirmed.")})
    request.refresh_from_db()
    note = _("Confirmed on the public page")
    _event(request, EventAction.CONFIRMED, None, HelpStatus.DELIVERED, note)
    audit.record(
        actor=None,
        action="assistance.confirmed",
        obj=request,
        place=request.community,
        changes={"status": [HelpStatus.DELIVERED, HelpStatus.CONFIRMED]},
    )
    return request
