"""Logins for cadres and volunteers: made or linked in bulk by the staff import (the login
name is the phone number, with no password), personal invitation links that bind a login to
its staff record, and volunteers registering themselves on a community's public page.

Signing in then goes by a one-time code to the phone (core/signin.py) or by the link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, bulk, otp, pii
from shequ.core.access import get_for
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import CodePurpose, User
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.mobilization.models import Invitation, Staff, StaffKind, Vetting
from shequ.mobilization.rules import staff_problems
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

INVITATION_DAYS = 14


# --- logins made by the staff import ------------------------------------------------------


@dataclass(frozen=True)
class PhoneLogin:
    """A login found for a phone: whose staff record it is bound to (None: nobody's)."""

    user_id: int
    staff_id: int | None


def logins_by_phone(phones: Iterable[str]) -> dict[str, PhoneLogin]:
    """Existing logins of these (normalized) phones, by phone: found by the phone's blind
    index or by a login name equal to the phone. One query for the lot."""
    phones = {p for p in phones if p}
    if not phones:
        return {}
    digests = {pii.blind_index(p, kind="phone"): p for p in phones}
    found: dict[str, PhoneLogin] = {}
    rows = (
        User.objects.filter(Q(phone_hmac__in=digests) | Q(username__in=phones))
        .order_by("pk")
        .values_list("pk", "username", "phone_hmac", "staff__pk")
    )
    for pk, username, digest, staff_id in rows:
        phone = digests.get(digest) or (username if username in phones else None)
        if phone is None:
            continue
        held = found.get(phone)
        # A login already bound to someone wins only if no free one exists for the phone.
        if held is None or (held.staff_id is not None and staff_id is None):
            found[phone] = PhoneLogin(pk, staff_id)
    return found


def unusable_password() -> str:
    """What Django stores for "no password": a login that only codes and links open."""
    return make_password(None)


def logins_for(people: Iterable[tuple[str, str]]) -> dict[str, PhoneLogin]:
    """Each (normalized phone, name)'s login: the existing one of the phone, else one made
    now, named by the phone, with no password. Bulk: one lookup and one insert for the lot;
    the phone's blind index is computed once. Call inside the writer's transaction."""
    wanted = {phone: name for phone, name in people if phone}
    found = logins_by_phone(wanted)
    fresh = [phone for phone in wanted if phone not in found]
    digest = pii.blind_indexer("phone")
    # Straight into the table (core.bulk), no model instance per login; the password is
    # Django's own "unusable" hash, one per login, as `create_user` without one makes it.
    made = bulk.insert_new_records(
        User,
        [
            {
                "username": phone,
                "phone": phone,
                "phone_hmac": digest(phone),
                "display_name": wanted[phone][:100],
                "password": unusable_password(),
            }
            for phone in fresh
        ],
        key="username",
    )
    # A login another transaction made for the phone meanwhile is that phone's login.
    missing = [phone for phone in fresh if phone not in made]
    if missing:
        made.update(User.objects.filter(username__in=missing).values_list("username", "pk"))
    return {**found, **{phone: PhoneLogin(made[phone], None) for phone in fresh}}


def bind_logins(rows: Sequence[tuple[int, str, str]]) -> int:
    """Give each staff record (pk, normalized phone, name) that has no login the login of its
    phone (`logins_for`); a login already bound to someone else is left alone (the import's
    checks refuse such a row). Returns how many records were bound."""
    rows = [r for r in rows if r[1]]
    if not rows:
        return 0
    logins = logins_for((phone, name) for _pk, phone, name in rows)
    links = [
        Staff(pk=pk, user_id=logins[phone].user_id)
        for pk, phone, _name in rows
        if logins[phone].staff_id in (None, pk)
    ]
    Staff.objects.bulk_update(links, ["user"], batch_size=500)
    return len(links)


# --- invitation links ----------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_invite(user: User | AnonymousUser, staff: Staff) -> bool:
    """The agency's coordinator or the HQ (cadres); the volunteer's community (volunteers)."""
    if staff.agency_id is not None and agency_scope_for(user, Capability.MANAGE_STAFF).covers(
        staff.agency_id
    ):
        return True
    community = staff.residence_community
    return (
        staff.kind == StaffKind.VOLUNTEER
        and community is not None
        and scope_for(user, Capability.CHECK_IN).covers(community)
    )


@transaction.atomic
def invitation_create(*, actor: User, staff: Staff) -> tuple[Invitation, str]:
    """A new single-use sign-in link for `staff` (replacing any unused one); the token is
    returned once, to show as a link and a QR code, and only its hash is kept."""
    if not may_invite(actor, staff):
        raise PermissionDenied(_("Only their coordinator may invite this person."))
    if staff.vetting != Vetting.APPROVED:
        raise ValidationError({"staff": _("Approve this volunteer before inviting them.")})
    now = timezone.now()
    Invitation.objects.filter(staff=staff, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        staff=staff,
        digest=_digest(token),
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    audit.record(
        actor=actor,
        action="mobilization.invitation.create",
        obj=invitation,
        place=staff.residence_community,
        changes={"staff": staff.pk},
    )
    return invitation, token


def _login_for(staff: Staff) -> User:
    """The staff record's login: its own, the free login of its phone, or a new one."""
    if staff.user_id is not None:
        return staff.user
    login = logins_by_phone([staff.phone]).get(staff.phone) if staff.phone else None
    if login is not None and login.staff_id is None:
        user = User.objects.get(pk=login.user_id)
    else:
        name = staff.phone if staff.phone and login is None else f"staff-{staff.pk}"
        user = User.objects.create(
            username=name,
            phone=staff.phone,
            display_name=staff.name,
            password=unusable_password(),
        )
    staff.user = user
    staff.save(update_fields=["user"])
    return user


def invitation_accept(*, token: str) -> User:
    """Open an invitation: bind its person's login (made if need be) and return it, to sign
    in. Works once; a used, replaced or expired link says to ask for a new one."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("staff")
            .filter(digest=_digest(token or ""))
            .first()
        )
        if invitation is None:
            raise ValidationError(
                _("This link is not valid. Check it was copied whole, or ask your coordinator.")
            )
        if invitation.used_at is not None:
            raise ValidationError(
                _("This link was already used. Ask your coordinator for a new one.")
            )
        now = timezone.now()
        if invitation.revoked_at is not None or invitation.expires_at <= now:
            raise ValidationError(
                _("This link has expired or was replaced. Ask your coordinator for a new one.")
            )
        staff = invitation.staff
        if staff.vetting != Vetting.APPROVED:
            raise ValidationError(_("You may not sign in yet. Ask your coordinator."))
        user = _login_for(staff)
        if not user.is_active:
            raise ValidationError(_("This login is switched off. Ask your coordinator."))
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        audit.record(
            actor=user,
            action="mobilization.invitation.use",
            obj=invitation,
            place=staff.residence_community,
            changes={"staff": staff.pk},
        )
    return user


# --- volunteers registering themselves --------------------------------------------------------


def volunteer_code_send(*, phone: str, client: str) -> otp.Sent:
    """Text a code to a phone registering as a volunteer (within the rate limits)."""
    return otp.code_send(phone=phone, purpose=CodePurpose.VOLUNTEER, client=client)


def volunteer_register(
    *,
    community: Place,
    name: str,
    phone: str,
    code: str,
    id_number: str,
    gender_hint: str = "",
    skills: Sequence[str] = (),
    availability: str = "",
    organisation: str = "",
) -> Staff:
    """A resident volunteers in `community`: checked, then the phone's code is used, then the
    volunteer (waiting for the community's vetting) and their phone login are made."""
    from shequ.residents.idcard import birth_date_of, gender_of

    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationError({"community": _("Choose a community.")})
    id_number = pii.normalize_document(id_number)
    born = birth_date_of(id_number) if len(id_number) == 18 else None
    errors = staff_problems(
        kind=StaffKind.VOLUNTEER,
        name=name,
        id_number=id_number,
        phone=phone,
        has_agency=False,
        rank="other",
        birth_year=born.year if born else None,
        gender=(gender_of(id_number) if born else gender_hint) or "male",
        skills=list(skills),
        fitness="fit",
    )
    for derived in ("birth_year", "gender"):  # read from the ID number: its problem
        if derived in errors:
            errors.setdefault("id_number", errors.pop(derived))
    if len(availability) > 100:
        errors["availability"] = _("Keep it under 100 characters.")
    if len(organisation) > 100:
        errors["organisation"] = _("Keep it under 100 characters.")
    try:
        phone = otp.check_mobile(phone)
    except ValidationError as exc:
        errors.update(exc.errors)
    if (
        "id_number" not in errors
        and Staff.objects.filter(id_hmac=pii.blind_index(id_number, kind="document")).exists()
    ):
        errors["id_number"] = _(
            "Someone with this ID number is already registered; ask the community."
        )
    if errors:
        raise ValidationError(errors)
    otp.code_check(phone=phone, purpose=CodePurpose.VOLUNTEER, code=code)
    return _volunteer_save(
        community=community,
        name=name,
        phone=phone,
        id_number=id_number,
        born=born,
        skills=skills,
        availability=availability,
        organisation=organisation,
    )


@transaction.atomic
def _volunteer_save(
    *,
    community: Place,
    name: str,
    phone: str,
    id_number: str,
    born: dt.date | None,
    skills: Sequence[str],
    availability: str,
    organisation: str,
) -> Staff:
    from shequ.mobilization.services import staff_register
    from shequ.residents.idcard import gender_of

    staff = staff_register(
        actor=None,
        kind=StaffKind.VOLUNTEER,
        name=name,
        id_number=id_number,
        birth_year=born.year if born else None,
        gender=gender_of(id_number) if born else "male",
        phone=phone,
        skills=skills,
        residence_community=community,
    )
    staff.availability = availability.strip()
    staff.organisation = organisation.strip()
    staff.save(update_fields=["availability", "organisation"])
    login = logins_by_phone([phone]).get(phone)
    if login is None or login.staff_id is None:
        _login_for(staff)
    return staff


@transaction.atomic
def volunteer_vet_with_reason(
    *, actor: User, volunteer: Staff, approve: bool, reason: str = ""
) -> Staff:
    """Approve, or reject with a reason, a volunteer of the actor's community."""
    from shequ.mobilization.services import volunteer_vet

    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Say why, so the volunteer can be told.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep it under 200 characters.")})
    volunteer = volunteer_vet(actor=actor, volunteer=volunteer, approve=approve)
    volunteer.vetting_note = "" if approve else reason.strip()
    volunteer.save(update_fields=["vetting_note"])
    return volunteer


# --- reads for the pages -----------------------------------------------------------------------


def invitable_staff(user: User | AnonymousUser) -> QuerySet[Staff]:
    """Whom the user may send a sign-in link: their agency's staff (coordinators, the HQ),
    their community's volunteers (community staff). Nobody else's, not even to look."""
    if not getattr(user, "is_authenticated", False):
        return Staff.objects.none()
    visible = agency_scope_for(user, Capability.MANAGE_STAFF).q("agency")
    check_in = scope_for(user, Capability.CHECK_IN)
    if not check_in.is_empty:
        visible |= check_in.q("residence_community") & Q(kind=StaffKind.VOLUNTEER)
    return Staff.objects.filter(visible).select_related("agency", "residence_community", "user")


def get_invitable_staff_for(user: User | AnonymousUser, pk: object) -> Staff:
    return get_for(invitable_staff(user), pk, what="person")


def invitation_problem(token: str) -> str:
    """Why a link would not sign anyone in ('' when it would), without using it: the page
    shows this before the person taps "Sign in" (chat apps open links to preview them)."""
    invitation = (
        Invitation.objects.select_related("staff").filter(digest=_digest(token or "")).first()
    )
    if invitation is None:
        return _("This link is not valid. Check it was copied whole, or ask your coordinator.")
    if invitation.used_at is not None:
        return _("This link was already used. Ask your coordinator for a new one.")
    if invitation.revoked_at is not None or invitation.expires_at <= timezone.now():
        return _("This link has expired or was replaced. Ask your coordinator for a new one.")
    return ""


def signup_community(code: str) -> Place:
    """The community behind a public sign-up address (/v/<code>/); 404 for anything else."""
    community = Place.objects.filter(code=code, kind=PlaceKind.COMMUNITY).first()
    if community is None:
        raise Http404("No such community")
    return community


def vetting_queue(user: User | AnonymousUser) -> QuerySet[Staff]:
    """Volunteers of the user's communities waiting for vetting, oldest first."""
    scope = scope_for(user, Capability.CHECK_IN)
    return (
        Staff.objects.filter(
            scope.q("residence_community"), kind=StaffKind.VOLUNTEER, vetting=Vetting.PENDING
        )
        .select_related("residence_community")
        .order_by("created_at", "pk")
    )


def get_pending_volunteer_for(user: User | AnonymousUser, pk: object) -> Staff:
    return get_for(vetting_queue(user), pk, what="volunteer")


def poster_community_for(user: User | AnonymousUser, pk: object) -> Place:
    """A community whose volunteers the user vets (and so may print its poster)."""
    qs = Place.objects.filter(scope_for(user, Capability.CHECK_IN).q(), kind=PlaceKind.COMMUNITY)
    return get_for(qs, pk, what="community")


def vetting_communities(user: User | AnonymousUser) -> list[Place]:
    """The communities whose volunteers the user vets (for their posters), at most 50."""
    return list(
        Place.objects.filter(
            scope_for(user, Capability.CHECK_IN).q(), kind=PlaceKind.COMMUNITY
        ).order_by("path")[:50]
    )
