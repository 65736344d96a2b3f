"""Writes for entry passes and gate rules (passages are recorded in `ingest.py`), with the two
reads every write needs: the gate rules in force (`current_rules`, `rules_in_force` for
many communities at once) and a place's community.

Each write is one transaction with its audit row, and checks the actor's right itself: the
pages and the API call the same service and are refused in the same words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.checkpoints.decisions import (
    DEFAULT_RULES,
    changed_rules,
    changes_from_defaults,
    rules_with_defaults,
)
from shequ.checkpoints.models import EntryPass, GateRules, PassStatus
from shequ.core import audit
from shequ.core.access import require
from shequ.core.bidi import neutral
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import HealthStatus, Resident

if TYPE_CHECKING:
    from shequ.core.models import User

MAX_VALIDITY = dt.timedelta(days=366)


def community_of(place: Place) -> Place:
    """The community a place lies in (the place itself when it is one)."""
    if place.kind == PlaceKind.COMMUNITY:
        return place
    return Place.objects.get(pk__in=place.ancestor_ids(), kind=PlaceKind.COMMUNITY)


def require_issuer(actor: User, place: Place) -> None:
    if not scope_for(actor, Capability.ISSUE_PASSES).covers(place):
        raise PermissionDenied(_("You do not issue entry passes for %s.") % place.name)


def current_rules(community: Place) -> tuple[int, dict[str, Any]]:
    """(version, full rules) in force at a community's gates; version 0 = the defaults."""
    row = GateRules.objects.filter(community=community).order_by("-version").first()
    if row is None:
        return 0, rules_with_defaults(None)
    return row.version, rules_with_defaults(row.rules)


def rules_in_force(community_ids: Iterable[int]) -> dict[int, tuple[int, dict[str, Any]]]:
    """`current_rules` of each of these communities, in one query (a batch of passages may
    cross many gates): their versions newest first, the first of each kept (a community has
    a version per change of its rules, a handful)."""
    ids = list(community_ids)
    found: dict[int, tuple[int, dict[str, Any]]] = {}
    for community_id, version, rules in (
        GateRules.objects.filter(community__pk__any=ids)
        .order_by("community_id", "-version")
        .values_list("community_id", "version", "rules")
    ):
        if community_id not in found:
            found[community_id] = (version, rules_with_defaults(rules))
    return {c: found.get(c) or (0, rules_with_defaults(None)) for c in ids}


def _check_rules(rules: dict[str, Any]) -> dict[str, Any]:
    unknown = set(rules) - set(DEFAULT_RULES)
    if unknown:
        raise ValidationError({"rules": _("Unknown rule: %s.") % ", ".join(sorted(unknown))})
    errors: dict[str, str] = {}
    fever = rules.get("fever_at", DEFAULT_RULES["fever_at"])
    if isinstance(fever, bool) or not isinstance(fever, int | float) or not 36.0 <= fever <= 40.0:
        errors["fever_at"] = _("Enter a fever threshold between 36.0 and 40.0 °C.")
    for key in (
        "require_temperature",
        "require_health_code",
        "star_extra_check",
        "require_pass",
        "visitors",
    ):
        if not isinstance(rules.get(key, True), bool):
            errors[key] = _("Choose yes or no.")
    quota = rules.get("exit_quota")
    if quota is not None:
        ok = (
            isinstance(quota, dict)
            and set(quota) == {"people", "days"}
            and all(isinstance(quota[k], int) and not isinstance(quota[k], bool) for k in quota)
            and 1 <= quota["people"] <= 20
            and 1 <= quota["days"] <= 14
        )
        if not ok:
            errors["exit_quota"] = _(
                "Give the exit quota as people (1–20) per household in days (1–14), or none."
            )
    statuses = rules.get("isolation_statuses", [])
    if not isinstance(statuses, list) or not set(statuses) <= set(HealthStatus.values) - {
        HealthStatus.NORMAL
    }:
        errors["isolation_statuses"] = _("Choose statuses from the list (not “normal”).")
    if errors:
        raise ValidationError(errors)
    return rules


def require_rules_setter(actor: User, community: Place) -> None:
    """PermissionDenied (403) unless the actor sets gate rules for the community: the same
    words for the page and the API."""
    require(
        actor,
        Capability.ISSUE_PASSES,
        community,
        reason=_("You do not set gate rules for %s.") % community.name,
    )


@transaction.atomic
def rules_set(*, actor: User, community: Place, rules: dict[str, Any]) -> GateRules | None:
    """A new version of the community's gate rules, given as changes from the defaults (a
    full rule set is that too); stored as the changes from the defaults. None, and no new
    version, when they are the rules in force already."""
    require_rules_setter(actor, community)
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationError({"community": _("Gate rules are set per community.")})
    _check_rules(rules)
    # Lock the community so two editors cannot both take the same next version (FOR NO KEY
    # UPDATE: rows being written there, which take it FOR KEY SHARE, need not wait).
    Place.objects.select_for_update(no_key=True).filter(pk=community.pk).first()
    version, before = current_rules(community)
    after = rules_with_defaults(rules)
    changed = changed_rules(before, after)
    if not changed:
        return None
    row = GateRules.objects.create(
        community=community, version=version + 1, rules=changes_from_defaults(after), set_by=actor
    )
    changes = {k: [before[k], after[k]] for k in changed}
    audit.record(actor=actor, action="gate_rules.set", obj=row, place=community, changes=changes)
    return row


def _check_validity(valid_from: dt.date, valid_until: dt.date) -> None:
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The pass must end on or after its first day.")})
    if valid_until - valid_from > MAX_VALIDITY:
        raise ValidationError({"valid_until": _("A pass is valid for a year at most.")})


def _issue(
    actor: User,
    household: Place,
    community: Place,
    valid_from: dt.date,
    valid_until: dt.date,
    holders: Iterable[Resident],
) -> EntryPass:
    entry_pass = EntryPass.objects.create(
        community=community,
        household=household,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by=actor,
    )
    entry_pass.holders.set(holders)
    return entry_pass


@transaction.atomic
def pass_issue(
    *,
    actor: User,
    household: Place,
    valid_from: dt.date,
    valid_until: dt.date,
    holders: list[Resident] | None = None,
) -> EntryPass:
    """Issue a household's entry pass; holders default to everyone living there."""
    if household.kind != PlaceKind.HOUSEHOLD:
        raise ValidationError({"household": _("Entry passes are issued to households.")})
    require_issuer(actor, household)
    _check_validity(valid_from, valid_until)
    if EntryPass.objects.filter(household=household).exists():
        raise ValidationError(
            {"household": _("This household already has a pass: reissue or renew it instead.")}
        )
    living = list(Resident.objects.filter(household=household))
    if holders is None:
        holders = living
    strangers = [neutral(r.name) for r in holders if r.household_id != household.pk]
    if strangers:
        raise ValidationError(
            {"holders": _("Not living in this household: %s.") % "、".join(strangers)}
        )
    if not holders:
        raise ValidationError({"holders": _("Register the household's residents first.")})
    entry_pass = _issue(actor, household, community_of(household), valid_from, valid_until, holders)
    audit.record(
        actor=actor,
        action="entry_pass.issue",
        obj=entry_pass,
        place=household,
        changes={"valid": [None, f"{valid_from}–{valid_until}"]},
    )
    return entry_pass


@transaction.atomic
def passes_issue_building(
    *, actor: User, building: Place, valid_from: dt.date, valid_until: dt.date
) -> list[EntryPass]:
    """Passes for every household of a building that has residents and no pass yet."""
    if building.kind != PlaceKind.BUILDING:
        raise ValidationError({"building": _("Choose a building.")})
    require_issuer(actor, building)
    _check_validity(valid_from, valid_until)
    community = community_of(building)
    households = Place.objects.filter(
        parent=building, kind=PlaceKind.HOUSEHOLD, entry_pass__isnull=True
    ).order_by("path")
    residents: dict[int, list[Resident]] = {}
    for r in Resident.objects.filter(household__in=households):
        residents.setdefault(r.household_id, []).append(r)
    issued = [
        _issue(actor, h, community, valid_from, valid_until, residents[h.pk])
        for h in households
        if h.pk in residents
    ]
    audit.record_many(
        actor=actor, action="entry_pass.issue", objs=issued, places=[p.household for p in issued]
    )
    return issued


def _locked(entry_pass: EntryPass) -> EntryPass:
    return EntryPass.objects.select_for_update().get(pk=entry_pass.pk)


@transaction.atomic
def pass_revoke(*, actor: User, entry_pass: EntryPass, reason: str) -> EntryPass:
    """Revoke a pass: every printed copy is refused at the gate from now on."""
    require_issuer(actor, entry_pass.household)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the pass is revoked.")})
    entry_pass = _locked(entry_pass)
    if entry_pass.status == PassStatus.REVOKED:
        raise ValidationError({"status": _("This pass is already revoked.")})
    before = entry_pass.status
    entry_pass.status, entry_pass.note = PassStatus.REVOKED, reason[:200]
    entry_pass.changed_at = timezone.now()
    entry_pass.save(update_fields=["status", "note", "changed_at"])
    audit.record(
        actor=actor,
        action="entry_pass.revoke",
        obj=entry_pass,
        place=entry_pass.household,
        changes={"status": [before, entry_pass.status]},
    )
    return entry_pass


@transaction.atomic
def pass_report_lost(*, actor: User, entry_pass: EntryPass, note: str = "") -> EntryPass:
    """A household lost its pass: the printed copy stops working until it is reissued."""
    require_issuer(actor, entry_pass.household)
    entry_pass = _locked(entry_pass)
    if entry_pass.status != PassStatus.ACTIVE:
        raise ValidationError({"status": _("Only an active pass can be reported lost.")})
    entry_pass.status = PassStatus.LOST
    entry_pass.note = (note.strip() or _("Reported lost"))[:200]
    entry_pass.changed_at = timezone.now()
    entry_pass.save(update_fields=["status", "note", "changed_at"])
    audit.record(
        actor=actor,
        action="entry_pass.lost",
        obj=entry_pass,
        place=entry_pass.household,
        changes={"status": ["active", "lost"]},
    )
    return entry_pass


@transaction.atomic
def pass_reissue(
    *,
    actor: User,
    entry_pass: EntryPass,
    valid_until: dt.date | None = None,
    holders: list[Resident] | None = None,
) -> EntryPass:
    """A new copy of the pass (after a loss, a revocation, or to renew it): the version goes
    up, so every earlier copy is refused at the gate."""
    require_issuer(actor, entry_pass.household)
    entry_pass = _locked(entry_pass)
    today = timezone.localdate()
    until = valid_until or entry_pass.valid_until
    start = min(entry_pass.valid_from, today) if until >= today else today
    _check_validity(start, until)
    if holders is not None:
        strangers = [neutral(r.name) for r in holders if r.household_id != entry_pass.household_id]
        if strangers or not holders:
            raise ValidationError({"holders": _("Choose holders who live in this household.")})
        entry_pass.holders.set(holders)
    before = (entry_pass.version, entry_pass.status)
    entry_pass.version += 1
    entry_pass.status = PassStatus.ACTIVE
    entry_pass.valid_from, entry_pass.valid_until = start, until
    entry_pass.note = ""
    entry_pass.changed_at = timezone.now()
    entry_pass.save()
    audit.record(
        actor=actor,
        action="entry_pass.reissue",
        obj=entry_pass,
        place=entry_pass.household,
        changes={
            "version": [before[0], entry_pass.version],
            "status": [before[1], entry_pass.status],
        },
    )
    return entry_pass
