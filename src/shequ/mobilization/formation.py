"""Services that turn the team solver (teams.py, pure CP-SAT) into drafts and confirmed teams.

Preview → adjust (swap two people) → confirm, each one transaction with its audit row.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.mobilization import selectors
from shequ.mobilization import teams as solver
from shequ.mobilization.models import (
    RANK_LEVELS,
    Enlistment,
    EnlistmentState,
    Need,
    Order,
    Posting,
    Rank,
    Staff,
    Team,
    TeamDraft,
    TeamMember,
)

if TYPE_CHECKING:
    from shequ.core.models import User


def _district_of(path: str | None) -> int | None:
    parts = (path or "").strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 else None


def _require_former(actor: User, order: Order) -> None:
    if not scope_for(actor, Capability.ISSUE_ORDERS).covers(order.scope):
        raise PermissionDenied(_("Only the HQ or the district that issued the order forms teams."))


def rules_from(
    size: int = 3,
    leader_rank: str = Rank.CHU,
    agency_mode: str = "any",
    time_limit_s: float = 10.0,
    team_count: int | None = None,
) -> solver.TeamRules:
    errors: dict[str, str] = {}
    if not 2 <= size <= 10:
        errors["size"] = _("A team has 2 to 10 people.")
    if leader_rank not in RANK_LEVELS:
        errors["leader_rank"] = _(
            "Choose the leaders' lowest rank: ting, chu, ke, keyuan or other."
        )
    if agency_mode not in solver.AGENCY_MODES:
        errors["agency_mode"] = _("Agency mode is any, same or mix.")
    if team_count is not None and not 1 <= team_count <= 100_000:
        errors["team_count"] = _(
            "Ask for 1 to 100,000 teams, or leave it empty for as many as possible."
        )
    if errors:
        raise ValidationError(errors)
    return solver.TeamRules(
        size=size,
        leader_min_level=RANK_LEVELS[leader_rank],
        agency_mode=agency_mode,
        time_limit_s=time_limit_s,
        team_count=team_count,
    )


def team_draft_create(*, actor: User, order: Order, rules: solver.TeamRules) -> TeamDraft:
    """Form balanced teams from the order's reported-in pool and keep them as a draft.

    The solver (up to `rules.time_limit_s`) runs outside the transaction that saves the draft:
    on SQLite a transaction holds the one write lock, and every other write meanwhile would
    wait past the busy timeout and fail with "database is locked"."""
    _require_former(actor, order)
    if not order.is_open():
        raise ValidationError({"order": _("This order is closed.")})
    pool = list(selectors.pool_of(actor, order))
    if not pool:
        raise ValidationError({"order": _("Nobody has reported in and is free to form teams.")})
    year = timezone.localdate().year
    candidates = [
        solver.Candidate(
            id=e.staff_id,
            rank_level=RANK_LEVELS[e.staff.rank],
            party_member=e.staff.party_member,
            female=e.staff.gender == "female",
            birth_year=e.staff.birth_year,
            agency_id=e.staff.agency_id,
            district_id=_district_of(e.community.path if e.community else None),
        )
        for e in pool
    ]
    today = timezone.localdate()
    needs = [
        solver.Need(
            community_id=n.community_id,
            district_id=_district_of(n.community.path),
            teams=math.ceil(n.people_per_day / rules.size),
        )
        for n in Need.objects.filter(
            scope_for(actor, Capability.VIEW_MOBILIZATION).q("community"),
            starts_on__lte=today,
            ends_on__gte=today,
        ).select_related("community")
    ]
    result = solver.form_teams(candidates, rules, needs, reference_year=year)
    problems = explain(result, rules) if result.shortfall else result.problems
    with transaction.atomic():
        draft = TeamDraft.objects.create(
            order=order,
            created_by=actor,
            rules={
                "size": rules.size,
                "leader_min_level": rules.leader_min_level,
                "agency_mode": rules.agency_mode,
            },
            teams=[
                {"leader": t.leader_id, "members": t.member_ids, "community": t.community_id}
                for t in result.teams
            ],
            balance=result.balance,
            problems=problems,
            status="draft",
            seconds=result.seconds,
        )
        audit.record(
            actor=actor,
            action="mobilization.teams.draft",
            obj=draft,
            place=order.scope,
            changes={"teams": len(result.teams), "status": result.status},
        )
    return draft


def explain(result: solver.Formation, rules: solver.TeamRules) -> list[str]:
    """The solver's shortfall in the user's language (the solver itself speaks English)."""
    rank = next(
        (Rank(r).label for r, level in RANK_LEVELS.items() if level == rules.leader_min_level), ""
    )
    messages = {
        "leaders": _(
            "%(n)d more leaders of rank %(rank)s or above are needed for the teams asked; "
            "lower the leaders' rank or ask for fewer teams."
        ),
        "people": _("%(n)d more people are needed to fill the teams asked."),
        "teams": _("%(n)d of the teams asked could not be formed under these rules."),
    }
    return [
        str(messages[key]) % {"n": n, "rank": rank}
        for key, n in result.shortfall.items()
        if key in messages and n > 0
    ] or list(result.problems)


def _candidates_for(draft: TeamDraft) -> list[solver.Candidate]:
    ids = {t["leader"] for t in draft.teams} | {m for t in draft.teams for m in t["members"]}
    staff = Staff.objects.filter(pk__in=ids).defer("id_number", "phone")
    return [
        solver.Candidate(
            id=s.pk,
            rank_level=RANK_LEVELS[s.rank],
            party_member=s.party_member,
            female=s.gender == "female",
            birth_year=s.birth_year,
            agency_id=s.agency_id,
        )
        for s in staff
    ]


def _locked(draft: TeamDraft) -> TeamDraft:
    """The draft as it is now in the database, locked until the transaction ends."""
    return (
        TeamDraft.objects.select_for_update(of=("self",))
        .select_related("order", "order__scope")
        .get(pk=draft.pk)
    )


@transaction.atomic
def team_draft_swap(*, actor: User, draft: TeamDraft, first: int, second: int) -> TeamDraft:
    """Swap two people between teams of a draft; the leader rule and agency mode still hold.

    The draft is read again under a row lock: two swaps at once apply one after the other
    (each sees the other's result), never both from the same old teams."""
    draft = _locked(draft)
    _require_former(actor, draft.order)
    if draft.status != "draft":
        raise ValidationError({"draft": _("This formation is already confirmed.")})
    where: dict[int, tuple[int, str, int]] = {}
    for t, team in enumerate(draft.teams):
        where[team["leader"]] = (t, "leader", 0)
        for i, m in enumerate(team["members"]):
            where[m] = (t, "members", i)
    if first not in where or second not in where:
        raise ValidationError({"first": _("Both people must be in this draft's teams.")})
    teams = [dict(t, members=list(t["members"])) for t in draft.teams]
    for person, other in ((first, second), (second, first)):
        t, slot, i = where[person]
        if slot == "leader":
            teams[t]["leader"] = other
        else:
            teams[t]["members"][i] = other
    rules = solver.TeamRules(**draft.rules)
    formed = [
        solver.Team(leader_id=t["leader"], member_ids=t["members"], community_id=t["community"])
        for t in teams
    ]
    candidates = _candidates_for(draft)
    problems = solver.check_formation(
        candidates,
        rules,
        solver.Formation(formed, [], "feasible", [], {}, {}, 0.0),
    )
    if problems:
        raise ValidationError({"second": problems[0]})
    by_id = {c.id: c for c in candidates}
    year = timezone.localdate().year
    described = []
    for t in formed:
        people = [by_id[p] for p in (t.leader_id, *t.member_ids)]
        t.party_members = sum(p.party_member for p in people)
        t.women = sum(p.female for p in people)
        t.mean_age = sum(year - p.birth_year for p in people) / len(people)
        described.append(t)
    draft.teams = teams
    draft.balance = solver.balance_of(described)
    draft.save(update_fields=["teams", "balance"])
    audit.record(
        actor=actor,
        action="mobilization.teams.swap",
        obj=draft,
        place=draft.order.scope,
        changes={"swapped": [first, second]},
    )
    return draft


@transaction.atomic
def team_draft_confirm(*, actor: User, draft: TeamDraft) -> list[Team]:
    """Make the draft's teams real: members become assigned, teams go to their communities."""
    draft = _locked(draft)
    _require_former(actor, draft.order)
    if draft.status != "draft":
        raise ValidationError({"draft": _("This formation is already confirmed.")})
    order = draft.order
    people = [p for t in draft.teams for p in (t["leader"], *t["members"])]
    enlistments = {
        e.staff_id: e
        for e in Enlistment.objects.select_for_update().filter(order=order, staff_id__in=people)
    }
    gone = [
        p
        for p in people
        if enlistments.get(p) is None or enlistments[p].state != EnlistmentState.REPORTED_IN
    ]
    taken = set(
        TeamMember.objects.filter(order=order, staff_id__in=people).values_list(
            "staff_id", flat=True
        )
    )
    if gone or taken:
        raise ValidationError(
            {
                "draft": _(
                    "%d people are no longer free (released, moved or in a team); form again."
                )
                % len(set(gone) | taken)
            }
        )
    start = (
        Team.objects.filter(order=order)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    )
    now = timezone.now()
    made: list[Team] = []
    for n, t in enumerate(draft.teams, start + 1):
        team = Team.objects.create(
            order=order, number=n, leader_id=t["leader"], community_id=t["community"]
        )
        TeamMember.objects.bulk_create(
            [TeamMember(team=team, order=order, staff_id=t["leader"], is_leader=True)]
            + [TeamMember(team=team, order=order, staff_id=m) for m in t["members"]]
        )
        for p in (t["leader"], *t["members"]):
            e = enlistments[p]
            e.state = EnlistmentState.ASSIGNED
            if t["community"] and e.community_id != t["community"]:
                Posting.objects.filter(staff_id=p, ends_at__isnull=True).update(ends_at=now)
                Posting.objects.create(
                    staff_id=p, place_id=t["community"], starts_at=now, reason="team", by=actor
                )
                e.community_id = t["community"]
        made.append(team)
    Enlistment.objects.bulk_update(
        list(enlistments.values()), ["state", "community"], batch_size=500
    )
    draft.status = "confirmed"
    draft.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="mobilization.teams.confirm",
        obj=draft,
        place=order.scope,
        changes={"teams": len(made)},
    )
    return made
