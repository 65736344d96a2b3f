"""Writes for mass testing: rounds, sites and stations, exemptions, closing tubes. Home
sampling tasks and door-to-door outcomes are outreach's (asked for through `signals.py`).
Swabs are recorded in `ingest.py`, which closes tubes through the one rule and writer here
(`tube_close_refusal`, `tubes_close`); transfers to the lab, results and recalls are in
`labwork.py`. Each service is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import TAG_BITS, Resident, Tag
from shequ.residents.privacy import residents_shown
from shequ.testing import selectors
from shequ.testing.models import (
    Exemption,
    ExemptReason,
    HomeReason,
    PoolSize,
    Round,
    RoundStatus,
    Site,
    Station,
    Tube,
    TubeStatus,
)
from shequ.testing.signals import home_sampling_wanted

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.duty.models import Post

MAX_ROUND_DAYS = 14
SCOPE_KINDS = (
    PlaceKind.DISTRICT,
    PlaceKind.STREET,
    PlaceKind.COMMUNITY,
    PlaceKind.GRID,
    PlaceKind.COMPOUND,
    PlaceKind.BUILDING,
)


def _running(round_: Round) -> None:
    if round_.status == RoundStatus.FINISHED:
        raise ValidationError({"round": _("This round is finished.")})


@transaction.atomic
def round_create(
    *,
    actor: User,
    name: str,
    places: Sequence[Place],
    starts_on: dt.date,
    ends_on: dt.date,
    pool_size: int = PoolSize.TEN,
) -> Round:
    """A round over some places (a district, streets, communities, compounds, buildings)."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > 60:
        errors["name"] = _("Give the round a name of at most 60 characters.")
    if not places:
        errors["places"] = _("Choose the places this round covers.")
    elif any(p.kind not in SCOPE_KINDS for p in places):
        errors["places"] = _(
            "Choose districts, streets, communities, grids, compounds or buildings."
        )
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")
    elif (ends_on - starts_on).days >= MAX_ROUND_DAYS:
        errors["ends_on"] = _("A round lasts at most %d days.") % MAX_ROUND_DAYS
    if pool_size not in PoolSize.values:
        errors["pool_size"] = _("Choose 1, 5, 10 or 20 swabs to a tube.")
    if errors:
        raise ValidationError(errors)
    run = scope_for(actor, Capability.RUN_TESTING)
    if not run.covers_all(places):  # every place: a round is run as a whole
        outside = "、".join(p.name for p in places if not run.covers(p))
        raise PermissionDenied(_("You may not do this for %s.") % outside)
    round_ = Round.objects.create(
        name=name, starts_on=starts_on, ends_on=ends_on, pool_size=pool_size, created_by=actor
    )
    round_.places.set(places)
    audit.record(
        actor=actor,
        action="testing.round.create",
        obj=round_,
        place=places[0],
        changes={"places": [p.pk for p in places], "pool_size": pool_size},
    )
    immobile_home_tasks(actor=actor, round_=round_)
    return round_


def immobile_home_tasks(*, actor: User, round_: Round) -> list[Resident]:
    """Home sampling at once for every resident tagged immobile in the round's places: they
    cannot come to a site, so they are never left to be "missed" first (issue #18). Called
    when the round opens, inside its transaction; the tasks are outreach's (a receiver of
    `signals.home_sampling_wanted` skips who has an open one). The residents asked for."""
    bit = TAG_BITS[Tag.IMMOBILE]
    residents = list(
        Resident.objects.alias(immobile=F("tags").bitand(bit))
        .filter(selectors.in_scope(round_), immobile__gt=0)
        .select_related("household")
        .only("pk", "name", "household__parent_id", "household__path")
    )
    if residents:
        home_sampling_wanted.send(
            sender=Round,
            actor=actor,
            round=round_,
            residents=residents,
            reason=HomeReason.IMMOBILE,
            recall=None,
        )
    return residents


def runs_round(actor: User, round_: Round) -> bool:
    """Whether the actor runs the whole round (finish it): every place of the round lies in
    their RUN_TESTING scope. A community's part of a street's round (its swabs, transfers,
    missed list and door-to-door work) is checked on that part instead (docs/access.md)."""
    return scope_for(actor, Capability.RUN_TESTING).covers_all(round_.places.all())


def runs_part_of(actor: User, round_: Round) -> bool:
    """Whether some of the actor's RUN_TESTING places lie in the round (or the round in them):
    what the round's page offers them is then that part's work, each action checked on it."""
    scope = scope_for(actor, Capability.RUN_TESTING)
    round_paths = selectors.scope_paths(round_)
    return any(r.startswith(s) or s.startswith(r) for r in round_paths for s in scope.paths)


@transaction.atomic
def round_finish(*, actor: User, round_: Round) -> Round:
    """Close a round: no more swabs; the missed list stays as it is. Only for whoever runs
    every place of it: the staff of one community do not finish their street's round."""
    if not runs_round(actor, round_):
        raise PermissionDenied(_("Only whoever runs all of this round's places may finish it."))
    _running(round_)
    round_.status = RoundStatus.FINISHED
    round_.save(update_fields=["status"])
    audit.record(actor=actor, action="testing.round.finish", obj=round_)
    return round_


@transaction.atomic
def site_create(
    *,
    actor: User,
    community: Place,
    name: str,
    opens: dt.time,
    closes: dt.time,
    stations: int = 2,
    post: Post | None = None,
) -> Site:
    """A sampling site with `stations` tables (1号台, 2号台, …)."""
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationError({"community": _("Sites belong to a community.")})
    require(actor, Capability.RUN_TESTING, community)
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": _("Give the site a name of at most 60 characters.")})
    if not 1 <= stations <= 30:
        raise ValidationError({"stations": _("A site has 1 to 30 stations.")})
    if Site.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("This community already has a site of that name.")})
    if post is not None and post.community_id != community.pk:
        raise ValidationError({"post": _("Choose a post of this community.")})
    site = Site.objects.create(
        community=community, name=name, opens=opens, closes=closes, post=post
    )
    Station.objects.bulk_create(Station(site=site, name=f"{n}号台") for n in range(1, stations + 1))
    audit.record(actor=actor, action="testing.site.create", obj=site, place=community)
    return site


@transaction.atomic
def exemption_add(
    *, actor: User, round_: Round, resident: Resident, reason: str, proof: str = ""
) -> Exemption:
    """Exempt a resident of the round's scope (away, in hospital, …); away needs proof."""
    household = resident.household
    require(actor, Capability.RUN_TESTING, household)
    _running(round_)
    errors: dict[str, str] = {}
    if reason not in ExemptReason.values:
        errors["reason"] = _("Choose a reason from the list.")
    proof = proof.strip()
    if reason in (ExemptReason.AWAY, ExemptReason.OTHER) and not proof:
        errors["proof"] = _("Say what proves it (e.g. a ticket, a hospital note).")
    if len(proof) > 200:
        errors["proof"] = _("At most 200 characters.")
    if not selectors.path_in_scope(round_, household.path):
        errors["resident"] = _("This resident is not in the round's scope.")
    if Exemption.objects.filter(round=round_, resident=resident).exists():
        errors["resident"] = _("This resident is already exempt in this round.")
    if errors:
        raise ValidationError(errors)
    row = Exemption.objects.create(
        round=round_, resident=resident, reason=reason, proof=proof, by=actor
    )
    audit.record(
        actor=actor,
        action="testing.exemption.add",
        obj=row,
        place=household,
        changes={"reason": [None, reason]},
    )
    return row


def tube_close_refusal(
    *, barcode: str, status: str, swabs: int, community_id: int, here_community_id: int | None
) -> str | None:
    """The one rule for closing a tube by hand, whoever asks (a station phone, the station
    page's plain form, a home visit, the swab batch API): it is open, holds a swab, and is a
    tube of the community where the closer samples (`here_community_id`). None when it may
    close; else why not. A tube that gets full closes itself (`ingest`); both are written by
    `tubes_close`."""
    if status != TubeStatus.OPEN:
        return _("Tube %s is not open.") % barcode
    if swabs == 0:
        return _("Tube %s is empty: use it for the next person.") % barcode
    if community_id != here_community_id:
        return _("Tube %s is a tube of another community.") % barcode
    return None


@transaction.atomic
def tubes_close(*, actor: User, tube_ids: Collection[int], at: dt.datetime) -> int:
    """Close open tubes so they can go to the lab: those closed by hand (after
    `tube_close_refusal`) and those that got full. One audit row each; how many closed."""
    tubes = list(
        # The tubes alone (`of`): FOR UPDATE on their community too would wait for every
        # swab batch writing there (rows take their place FOR KEY SHARE: core/districts.py)
        # and deadlock with one that waits for this batch's building counts.
        Tube.objects.select_for_update(of=("self",))
        .filter(pk__in=list(tube_ids), status=TubeStatus.OPEN)
        .select_related("community")
        .order_by("pk")
    )
    Tube.objects.filter(pk__in=[t.pk for t in tubes]).update(status=TubeStatus.CLOSED, closed_at=at)
    audit.record_many(
        actor=actor,
        action="testing.tube.close",
        objs=list(tubes),
        places=[t.community for t in tubes],
    )
    return len(tubes)


def phones_for(
    actor: User, residents: Sequence[Resident], *, where: str = "testing"
) -> dict[int, str]:
    """Residents' phones as the actor may see them: in full with VIEW_PII over their place
    (one privacy audit row naming them), masked otherwise."""
    shown = residents_shown(actor, residents, where=where, fields=("phone",))
    return {r.pk: shown[r.pk].phone for r in residents}
