"""Swaps checked against every hard rule, sick reports proposing a re-plan, decisions by the
shift leader or a planner, cancellation by the person who asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.duty import changes, services
from shequ.duty.models import (
    Assignment,
    DutyRequest,
    RequestKind,
    RosterStatus,
    ShiftChange,
)
from tests.duty.helpers import (
    day_shift,
    login_for,
    night_shift,
    put,
    roster_for,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def plan(personas, city, duty):
    """A published two-day roster from tomorrow (D): 值三 on the gate's night shift of D; on
    the day shift of D+1 the cadre (值一) and 值二 leading (the day shift takes two)."""
    services.requirement_set(
        actor=personas.staff_a, shift=day_shift(duty), min_people=1, max_people=2
    )
    d = duty.tomorrow
    roster = roster_for(personas.staff_a, city.a, d, days=2)
    night = put(roster, night_shift(duty), d, duty.people[2])
    mine = put(roster, day_shift(duty), d + dt.timedelta(days=1), duty.people[0])
    lead = put(roster, day_shift(duty), d + dt.timedelta(days=1), duty.people[1], leader=True)
    leader = login_for(duty.people[1], "leader")
    return type(
        "Plan", (), {"roster": roster, "night": night, "mine": mine, "lead": lead, "leader": leader}
    )


def _swap(personas, plan, replacement, reason="家里有事"):
    return changes.swap_request(
        actor=personas.cadre, assignment=plan.mine, replacement=replacement, reason=reason
    )


# --- swaps --------------------------------------------------------------------------------


def test_a_swap_to_someone_free_waits_for_the_leader_who_approves_it(personas, duty, plan):
    change = _swap(personas, plan, duty.people[3])
    assert (change.kind, change.status) == ("swap", "pending")
    told = set(Notification.objects.filter(kind="shift_change").values_list("user", flat=True))
    assert {plan.leader.pk, personas.staff_a.pk} <= told
    decided = changes.change_decide(actor=plan.leader, change=change, approve=True)
    assert decided.status == "approved"
    assert decided.decided_by == plan.leader
    assert Assignment.objects.get(pk=plan.mine.pk).staff == duty.people[3]
    assert Notification.objects.filter(user=personas.cadre, title__startswith="Approved").exists()


def test_a_swap_breaking_the_rest_rule_is_refused_saying_so(personas, duty, plan):
    # 值三 works the night before (20:00–08:00) and would start at 08:00: no rest at all.
    with pytest.raises(ValidationError) as refused:
        _swap(personas, plan, duty.people[2])
    assert refused.value.errors["replacement"] == (
        "值三 would rest only 0.0 h between shifts; the rule is 11 h."
    )
    assert not ShiftChange.objects.exists()


def test_a_swap_breaking_the_hours_a_day_rule_is_refused_saying_so(personas, city, duty, plan):
    services.rules_set(actor=personas.staff_a, community=city.a, min_rest_hours=0)
    d1 = duty.tomorrow + dt.timedelta(days=1)
    mine = put(plan.roster, night_shift(duty), d1, duty.people[0])
    put(plan.roster, duty.patrol.shifts.get(), d1, duty.people[4])  # 09:00–17:00
    with pytest.raises(ValidationError) as refused:
        changes.swap_request(actor=personas.cadre, assignment=mine, replacement=duty.people[4])
    assert refused.value.errors["replacement"] == (
        f"值五 would work 20.0 h on {d1:%m-%d}; the limit is 12 h."
    )


def test_approval_checks_the_rules_again(personas, duty, plan):
    change = _swap(personas, plan, duty.people[3])
    # Meanwhile 值三's night shift goes to 值四: the swap would now leave them no rest.
    Assignment.objects.filter(pk=plan.night.pk).update(staff=duty.people[3])
    with pytest.raises(ValidationError) as refused:
        changes.change_decide(actor=personas.staff_a, change=change, approve=True)
    assert "值四 would rest only" in refused.value.errors["replacement"]
    assert Assignment.objects.get(pk=plan.mine.pk).staff == duty.people[0]
    assert ShiftChange.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("b1", "Choose someone on duty here"),
        (0, "Choose someone other than the person on the shift."),
        (1, "值二 is already on this shift."),
    ],
)
def test_a_swap_to_someone_who_cannot_take_it_is_refused(
    personas, duty, plan, replacement, message
):
    who = duty.b1 if replacement == "b1" else duty.people[replacement]
    with pytest.raises(ValidationError) as refused:
        _swap(personas, plan, who)
    assert message in refused.value.errors["replacement"]


@pytest.mark.parametrize("who", ["staff_a", "hq", "outsider"])
def test_only_the_person_on_the_shift_asks_to_swap_it(personas, duty, plan, who):
    with pytest.raises(PermissionDenied):
        changes.swap_request(
            actor=getattr(personas, who), assignment=plan.mine, replacement=duty.people[3]
        )


def test_a_started_shift_or_one_already_waiting_cannot_be_changed(personas, duty, plan):
    _swap(personas, plan, duty.people[3])
    with pytest.raises(ValidationError) as waiting:
        _swap(personas, plan, duty.people[4])
    assert "already waiting" in waiting.value.errors["assignment"]
    started = put(
        plan.roster,
        duty.patrol.shifts.get(),
        timezone.localdate(),
        duty.people[0],
        starts_at=timezone.now() - dt.timedelta(minutes=1),
    )
    with pytest.raises(ValidationError) as begun:
        changes.swap_request(actor=personas.cadre, assignment=started, replacement=duty.people[3])
    assert "has started" in begun.value.errors["assignment"]


def test_a_shift_of_a_draft_roster_cannot_be_swapped(personas, city, duty, plan):
    draft = roster_for(personas.staff_a, city.a, duty.tomorrow, status=RosterStatus.DRAFT)
    mine = put(draft, day_shift(duty), duty.tomorrow, duty.people[0])
    with pytest.raises(ValidationError) as refused:
        changes.swap_request(actor=personas.cadre, assignment=mine, replacement=duty.people[3])
    assert "published roster" in refused.value.errors["assignment"]


@pytest.mark.parametrize("who", ["other_cadre", "staff_b", "district"])
def test_only_the_shift_leader_or_a_planner_decides(personas, duty, plan, who):
    change = _swap(personas, plan, duty.people[3])
    actor = login_for(duty.people[5], "p5") if who == "other_cadre" else getattr(personas, who)
    with pytest.raises(PermissionDenied):
        changes.change_decide(actor=actor, change=change, approve=True)
    assert ShiftChange.objects.get().status == "pending"


def test_the_leader_does_not_approve_their_own_swap(personas, duty, plan):
    change = changes.swap_request(
        actor=plan.leader, assignment=plan.lead, replacement=duty.people[3]
    )
    with pytest.raises(PermissionDenied):
        changes.change_decide(actor=plan.leader, change=change, approve=True)
    refused = changes.change_decide(actor=personas.staff_a, change=change, approve=False)
    assert refused.status == "refused"
    assert Assignment.objects.get(pk=plan.lead.pk).staff == duty.people[1]
    with pytest.raises(ValidationError):
        changes.change_decide(actor=personas.staff_a, change=change, approve=True)


def test_the_person_who_asked_cancels_and_no_one_else(personas, duty, plan):
    change = _swap(personas, plan, duty.people[3])
    with pytest.raises(PermissionDenied):
        changes.change_cancel(actor=plan.leader, change=change)
    cancelled = changes.change_cancel(actor=personas.cadre, change=change)
    assert cancelled.status == "cancelled"
    with pytest.raises(ValidationError):
        changes.change_decide(actor=personas.staff_a, change=change, approve=True)
    # A new request for the same shift is possible again.
    assert _swap(personas, plan, duty.people[3]).status == "pending"


# --- sick reports -------------------------------------------------------------------------


@pytest.fixture
def sick_plan(personas, city, duty):
    """A published one-day roster for tomorrow, every shift covered; the cadre on the gate's
    day shift."""
    d = duty.tomorrow
    roster = roster_for(personas.staff_a, city.a, d)
    mine = put(roster, day_shift(duty), d, duty.people[0])
    put(roster, night_shift(duty), d, duty.people[1])
    put(roster, duty.patrol.shifts.get(), d, duty.people[2])
    return roster, mine


def test_sick_report_proposes_a_re_plan_without_the_sick_person_that_day(personas, duty, sick_plan):
    roster, mine = sick_plan
    change = changes.sick_report(actor=personas.cadre, assignment=mine, reason="发烧")
    assert (change.kind, change.status) == ("sick", "pending")
    assert DutyRequest.objects.filter(
        staff=duty.people[0], day=duty.tomorrow, kind=RequestKind.UNAVAILABLE
    ).exists()
    proposal = change.proposal
    assert proposal is not None
    assert (proposal.status, proposal.based_on) == ("draft", roster)
    assert "发烧" in proposal.reason
    assert not proposal.assignments.filter(staff=duty.people[0], day=duty.tomorrow).exists()
    # The gate's day shift is still covered, by someone else.
    assert proposal.assignments.filter(shift=day_shift(duty), day=duty.tomorrow).exists()
    told = Notification.objects.filter(kind="shift_change")
    assert [n.user for n in told] == [personas.staff_a]
    assert "re-plan is ready" in told[0].title

    approved = changes.change_decide(actor=personas.staff_a, change=change, approve=True)
    assert approved.status == "approved"
    # Off the shift: no longer among the standing assignments, though the record remains.
    assert not changes.active_assignments().filter(pk=mine.pk).exists()
    assert changes.is_vacated(mine)
    assert changes.vacated_ids(roster) == {mine.pk}


def test_a_planner_may_report_someone_sick_another_cadre_may_not(personas, duty, sick_plan):
    _roster, mine = sick_plan
    other = login_for(duty.people[4], "p4")
    with pytest.raises(PermissionDenied):
        changes.sick_report(actor=other, assignment=mine)
    with pytest.raises(PermissionDenied):
        changes.sick_report(actor=personas.staff_b, assignment=mine)
    assert not ShiftChange.objects.exists()
    assert not DutyRequest.objects.exists()


def test_cancelling_a_sick_report_drops_its_day_off_and_its_draft(personas, duty, sick_plan):
    _roster, mine = sick_plan
    change = changes.sick_report(actor=personas.staff_a, assignment=mine, reason="发烧")
    assert change.requested_by == duty.people[0]
    cancelled = changes.change_cancel(actor=personas.cadre, change=change)
    assert cancelled.status == "cancelled"
    assert not DutyRequest.objects.filter(staff=duty.people[0]).exists()
    change.proposal.refresh_from_db()
    assert change.proposal.status == RosterStatus.DISCARDED


def test_a_too_long_reason_is_refused(personas, duty, plan):
    with pytest.raises(ValidationError) as refused:
        _swap(personas, plan, duty.people[3], reason="长" * 201)
    assert set(refused.value.errors) == {"reason"}
