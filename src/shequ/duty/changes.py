"""Changes to a published roster asked for by the people on it: a swap (someone else takes my
shift) and a sick report (take me off; a re-plan is proposed).

A swap is checked against every hard rule with the independent checker, on the roster with
the replacement in the place of the person, when asked and again when approved. The shift
leader of that shift or a planner decides. An approved sick report takes the person off the
shift: the assignment stays (the change keeps pointing at it) but counts as vacated
everywhere `active_assignments()` is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for, users_with_by_place
from shequ.duty import planning
from shequ.duty.models import (
    Assignment,
    ChangeKind,
    ChangeStatus,
    DutyRequest,
    RequestKind,
    Roster,
    RosterStatus,
    ShiftChange,
)
from shequ.duty.roster import check
from shequ.mobilization.models import Staff
from shequ.notify import notify

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.places.models import Place


def active_assignments() -> QuerySet[Assignment]:
    """Assignments of published rosters that still stand (not vacated by an approved sick
    report)."""
    return Assignment.objects.filter(roster__status=RosterStatus.PUBLISHED, vacated_at__isnull=True)


def vacated_ids(roster: Roster) -> set[int]:
    """The roster's assignments whose person an approved sick report took off."""
    return set(roster.assignments.filter(vacated_at__isnull=False).values_list("pk", flat=True))


def is_vacated(assignment: Assignment) -> bool:
    return Assignment.objects.filter(pk=assignment.pk, vacated_at__isnull=False).exists()


def _plans_for(actor: User, assignment: Assignment) -> bool:
    scope = scope_for(actor, Capability.PLAN_DUTY)
    return scope.covers(assignment.roster.place) or scope.covers(assignment.shift.post.community)


def _leads(actor: User, assignment: Assignment) -> bool:
    """The actor leads the same shift on the same day (and is not the person asking)."""
    return (
        active_assignments()
        .filter(shift_id=assignment.shift_id, day=assignment.day, is_leader=True, staff__user=actor)
        .exclude(pk=assignment.pk)
        .exists()
    )


def _planner_users(*places: Place) -> set[int]:
    """Users holding a planning role bound to one of these places (not the whole city)."""
    found = users_with_by_place(Capability.PLAN_DUTY, places, inherited=False)
    return set().union(*found.values())


def _leader_users(assignment: Assignment) -> set[int]:
    return set(
        active_assignments()
        .filter(shift_id=assignment.shift_id, day=assignment.day, is_leader=True)
        .exclude(pk=assignment.pk)
        .exclude(staff__user__isnull=True)
        .values_list("staff__user_id", flat=True)
    )


def _label(assignment: Assignment) -> str:
    shift = assignment.shift
    return f"{shift.post.name} {shift.name} {assignment.day:%m-%d}"


def swap_problems(assignment: Assignment, replacement: Staff) -> list[str]:
    """The hard rules the replacement would break on this shift, in words (empty: fine)."""
    roster = assignment.roster
    if replacement.pk == assignment.staff_id:
        return [_("Choose someone other than the person on the shift.")]
    ctx = planning.build_context(roster.place, roster.starts_on, roster.days)
    if assignment.shift_id not in ctx.shifts:
        return [_("This shift's post is no longer active; ask a planner.")]
    if replacement.pk not in ctx.staff:
        # Not named: whether someone elsewhere exists is not this shift's business.
        return [_("Choose someone on duty here (reported in, fit and available).")]
    slot = ctx.slot_of(assignment.shift_id, assignment.day)
    pairs = {
        (a.staff_id, planning.slot_key(a.shift_id, (a.day - roster.starts_on).days))
        for a in active_assignments().filter(roster=roster).only("staff_id", "shift_id", "day")
    }
    if (replacement.pk, slot.id) in pairs:
        return [_("%s is already on this shift.") % replacement.name]
    base = pairs - {(assignment.staff_id, slot.id)}
    found = check.added_violations(ctx.problem, base, replacement.pk, slot)
    return [planning.violation_text(v, ctx) for v in found]


def _lock(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("roster__place", "shift__post__community", "staff")
        .get(pk=assignment.pk)
    )


def _changeable(assignment: Assignment) -> None:
    errors = ""
    if assignment.roster.status != RosterStatus.PUBLISHED:
        errors = _("Only shifts of a published roster can be changed.")
    elif assignment.starts_at <= timezone.now():
        errors = _("This shift has started; tell your shift leader, who records when you left.")
    elif is_vacated(assignment):
        errors = _("This person is already off this shift.")
    elif assignment.changes.filter(status=ChangeStatus.PENDING).exists():
        errors = _("A change of this shift is already waiting for approval; cancel it first.")
    if errors:
        raise ValidationError({"assignment": errors})


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    return reason


@transaction.atomic
def swap_request(
    *, actor: User, assignment: Assignment, replacement: Staff, reason: str = ""
) -> ShiftChange:
    """The person on a shift asks to hand it to someone else; refused with the rule the
    replacement would break."""
    assignment = _lock(assignment)
    if assignment.staff.user_id is None or assignment.staff.user_id != actor.pk:
        raise PermissionDenied(_("Only the person on the shift may ask to swap it."))
    reason = _reason(reason)
    _changeable(assignment)
    problems = swap_problems(assignment, replacement)
    if problems:
        raise ValidationError({"replacement": " ".join(problems)})
    change = ShiftChange.objects.create(
        assignment=assignment,
        kind=ChangeKind.SWAP,
        requested_by=assignment.staff,
        replacement=replacement,
        reason=reason,
    )
    title = _("%(name)s asks %(other)s to take %(shift)s.") % {
        "name": assignment.staff.name,
        "other": replacement.name,
        "shift": _label(assignment),
    }
    deciders = _leader_users(assignment) | _planner_users(
        assignment.roster.place, assignment.shift.post.community
    )
    notify(
        deciders | {replacement.user_id}, kind="shift_change", title=title, url=reverse("duty:home")
    )
    audit.record(
        actor=actor,
        action="duty.swap_request",
        obj=change,
        place=assignment.roster.place,
        changes={"assignment": assignment.pk, "replacement": replacement.pk, "reason": reason},
    )
    return change


def _sick_note(change: ShiftChange) -> str:
    """The note on the day-off request a sick report adds: an id, the same in every language,
    so a cancel or a refusal finds the request again."""
    return f"sick report #{change.pk}"


def _undo_sick(change: ShiftChange) -> None:
    """A sick report withdrawn or refused: its day off and its draft re-plan go."""
    DutyRequest.objects.filter(
        staff_id=change.requested_by_id,
        day=change.assignment.day,
        kind=RequestKind.UNAVAILABLE,
        note=_sick_note(change),
    ).delete()
    if change.proposal_id is not None:
        Roster.objects.filter(pk=change.proposal_id, status=RosterStatus.DRAFT).update(
            status=RosterStatus.DISCARDED
        )


def _may_report_sick(actor: User, assignment: Assignment) -> None:
    own = assignment.staff.user_id is not None and assignment.staff.user_id == actor.pk
    if not own and not _plans_for(actor, assignment):
        raise PermissionDenied(_("Only the person on the shift or a planner may report this."))


def sick_report(*, actor: User, assignment: Assignment, reason: str = "") -> ShiftChange:
    """The person (or a planner) reports them sick for a shift: they become unavailable that
    day, a re-plan is proposed (a draft for planners to publish) and planners are told.

    The re-plan is solved first, outside the transaction (the solver may take seconds, and on
    SQLite a transaction holds the one write lock: see planning.roster_generate); the report,
    the day off and the draft are then saved together, every rule checked again."""
    reason = _reason(reason)
    # Read afresh: the solve below works from what is stored, not from the caller's copy.
    assignment = Assignment.objects.select_related(
        "roster__place", "shift__post__community", "staff"
    ).get(pk=assignment.pk)
    _may_report_sick(actor, assignment)
    _changeable(assignment)
    try:
        plan: planning.Replan | None = planning.replan_solve(
            roster=assignment.roster, absent=(assignment.staff_id, assignment.day)
        )
    except ValidationError:
        plan = None  # no roster found: the report still stands, the planners re-plan by hand
    with transaction.atomic():
        return _sick_report_save(actor=actor, assignment=assignment, reason=reason, plan=plan)


def _sick_report_save(
    *, actor: User, assignment: Assignment, reason: str, plan: planning.Replan | None
) -> ShiftChange:
    assignment = _lock(assignment)
    _may_report_sick(actor, assignment)
    _changeable(assignment)
    change = ShiftChange.objects.create(
        assignment=assignment,
        kind=ChangeKind.SICK,
        requested_by=assignment.staff,
        reason=reason,
    )
    if not DutyRequest.objects.filter(
        staff=assignment.staff, day=assignment.day, kind=RequestKind.UNAVAILABLE
    ).exists():
        DutyRequest.objects.create(
            staff=assignment.staff,
            day=assignment.day,
            kind=RequestKind.UNAVAILABLE,
            note=_sick_note(change),
        )
    replan_reason = _("%(name)s reported sick for %(shift)s. %(reason)s") % {
        "name": assignment.staff.name,
        "shift": _label(assignment),
        "reason": reason,
    }
    if plan is not None:  # its roster is still the published one: _changeable says so
        change.proposal = planning.replan_save(plan, by=actor, reason=replan_reason.strip())
        change.save(update_fields=["proposal"])
    if change.proposal is not None:
        title = _("%(name)s is sick for %(shift)s; a re-plan is ready to publish.")
    else:
        title = _("%(name)s is sick for %(shift)s; no re-plan was found, please re-plan.")
    title %= {"name": assignment.staff.name, "shift": _label(assignment)}
    users = _planner_users(assignment.roster.place, assignment.shift.post.community)
    notify(
        users | _leader_users(assignment),
        kind="shift_change",
        title=title,
        url=reverse("duty:home"),
    )
    audit.record(
        actor=actor,
        action="duty.sick_report",
        obj=change,
        place=assignment.roster.place,
        changes={
            "assignment": assignment.pk,
            "reason": reason,
            "proposal": change.proposal_id,
        },
    )
    return change


@transaction.atomic
def change_decide(*, actor: User, change: ShiftChange, approve: bool) -> ShiftChange:
    """The shift leader or a planner approves or refuses a swap or a sick report. An approved
    swap moves the shift to the replacement (rules checked again); an approved sick report
    takes the person off the shift."""
    change = (
        ShiftChange.objects.select_for_update(of=("self",))
        .select_related("replacement", "requested_by")
        .get(pk=change.pk)
    )
    assignment = _lock(change.assignment)
    if not (_plans_for(actor, assignment) or _leads(actor, assignment)):
        raise PermissionDenied(_("Only the shift leader or a planner decides on this change."))
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(
            {"change": _("This change is already %s.") % change.get_status_display()}
        )
    changes: dict[str, object] = {"approve": approve}
    if approve and change.kind == ChangeKind.SWAP:
        if assignment.roster.status != RosterStatus.PUBLISHED:
            raise ValidationError(
                {"change": _("The roster was replaced meanwhile; ask again on the new one.")}
            )
        if assignment.starts_at <= timezone.now():
            raise ValidationError({"change": _("The shift has started; it cannot be swapped now.")})
        problems = swap_problems(assignment, change.replacement)
        if problems:
            raise ValidationError({"replacement": " ".join(problems)})
        changes["staff"] = [assignment.staff_id, change.replacement_id]
        assignment.staff = change.replacement
        assignment.save(update_fields=["staff"])
    if approve and change.kind == ChangeKind.SICK:
        assignment.vacated_at = timezone.now()
        assignment.save(update_fields=["vacated_at"])
    if not approve and change.kind == ChangeKind.SICK:
        _undo_sick(change)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    title = (
        _("Approved: %(kind)s of %(shift)s.") if approve else _("Refused: %(kind)s of %(shift)s.")
    ) % {
        "kind": change.get_kind_display(),
        "shift": _label(assignment),
    }
    notify(
        {change.requested_by.user_id, change.replacement.user_id if change.replacement else None},
        kind="shift_change",
        title=title,
        url=reverse("duty:home"),
    )
    audit.record(
        actor=actor,
        action="duty.change_decide",
        obj=change,
        place=assignment.roster.place,
        changes=changes,
    )
    return change


@transaction.atomic
def change_cancel(*, actor: User, change: ShiftChange) -> ShiftChange:
    """The person who asked withdraws a pending change (a sick report's day off and its
    draft re-plan go with it)."""
    change = (
        ShiftChange.objects.select_for_update(of=("self",))
        .select_related("requested_by", "assignment__roster", "proposal")
        .get(pk=change.pk)
    )
    if change.requested_by.user_id is None or change.requested_by.user_id != actor.pk:
        raise PermissionDenied(_("Only the person who asked may cancel this change."))
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(
            {"change": _("This change is already %s.") % change.get_status_display()}
        )
    if change.kind == ChangeKind.SICK:
        _undo_sick(change)
    change.status = ChangeStatus.CANCELLED
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_at"])
    audit.record(
        actor=actor,
        action="duty.change_cancel",
        obj=change,
        place=change.assignment.roster.place,
        changes={"proposal_discarded": change.proposal_id},
    )
    return change


# --- selectors ----------------------------------------------------------------------------


def changes_for(user: User | AnonymousUser) -> QuerySet[ShiftChange]:
    """Changes the user asked for, is asked to take over, leads the shift of, or plans."""
    if not getattr(user, "is_authenticated", False):
        return ShiftChange.objects.none()
    leads = active_assignments().filter(
        shift_id=OuterRef("assignment__shift_id"),
        day=OuterRef("assignment__day"),
        is_leader=True,
        staff__user=user,
    )
    visible = (
        Q(requested_by__user=user)
        | Q(replacement__user=user)
        | Q(Exists(leads))
        | scope_for(user, Capability.PLAN_DUTY).q("assignment__roster__place")
        | scope_for(user, Capability.VIEW_DUTY).q("assignment__shift__post__community")
    )
    return (
        ShiftChange.objects.filter(visible)
        .select_related("assignment__shift__post", "requested_by", "replacement")
        # Lists show names: skip decrypting ID numbers and phones.
        .defer(
            "requested_by__id_number",
            "requested_by__phone",
            "replacement__id_number",
            "replacement__phone",
        )
    )


def get_change_for(user: User | AnonymousUser, pk: int) -> ShiftChange:
    change = changes_for(user).filter(pk=pk).first()
    if change is None:
        raise Http404("No such change")
    return change


def assignment_for(user: User | AnonymousUser, pk: int) -> Assignment:
    """A shift the user is on, or one in a roster they see; 404 otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such shift")
    visible = Q(staff__user=user) | scope_for(user, Capability.VIEW_DUTY).q("roster__place")
    assignment = (
        Assignment.objects.filter(visible, pk=pk)
        .select_related("roster__place", "shift__post__community", "staff")
        .first()
    )
    if assignment is None:
        raise Http404("No such shift")
    return assignment
