"""Urgent calls: who is told, first N answers on and the rest thanked, refusals with reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.duty import calls
from shequ.duty.models import DutyRequest, RequestKind, UrgentAnswer, UrgentCall
from tests.duty.helpers import day_shift, login_for, put, roster_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def soon() -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)


@pytest.fixture
def crew(personas, city, duty, soon):
    """Logins for 值一 (the cadre) … 值五. 值二 works during the call, 值三 ends 3 h before
    it starts (less than the 11 h rest), 值四 can't work that day; 值一 and 值五 are free."""
    users = [personas.cadre] + [
        login_for(p, f"p{i}") for i, p in enumerate(duty.people[1:5], start=1)
    ]
    today = timezone.localdate(soon)
    roster = roster_for(personas.staff_a, city.a, today)
    gate = day_shift(duty)
    put(roster, gate, today, duty.people[1], starts_at=soon - dt.timedelta(hours=1), minutes=240)
    put(roster, gate, today, duty.people[2], starts_at=soon - dt.timedelta(hours=11), minutes=480)
    DutyRequest.objects.create(staff=duty.people[3], day=today, kind=RequestKind.UNAVAILABLE)
    return users


def _call(personas, city, soon, **kw) -> UrgentCall:
    kw.setdefault("needed", 2)
    return calls.call_create(
        actor=personas.staff_a, community=city.a, where="3号楼", starts_at=soon, **kw
    )


def test_a_call_tells_everyone_on_duty_who_is_free_and_rested(personas, city, duty, crew, soon):
    call = _call(personas, city, soon, message="转运物资")
    told = Notification.objects.filter(kind="urgent_call")
    assert {n.user for n in told} == {crew[0], crew[4]}
    assert call.notified == 2
    assert all(n.url == f"/duty/calls/{call.pk}/" for n in told)
    assert all(n.body == "转运物资" for n in told)
    eligible = {s.name for s in calls.eligible_staff(call)}
    # Without logins 值六…值八 are eligible too but cannot be told in the app.
    assert eligible == {"值一", "值五", "值六", "值七", "值八"}


def test_waiving_rest_also_tells_those_short_of_rest_but_not_those_working(
    personas, city, duty, crew, soon
):
    call = _call(personas, city, soon, waive_rest=True)
    told = {n.user for n in Notification.objects.filter(kind="urgent_call")}
    assert told == {crew[0], crew[2], crew[4]}
    assert call.notified == 3


def test_the_first_n_answers_are_on_and_later_ones_are_thanked(personas, city, duty, crew, soon):
    call = _call(personas, city, soon, needed=1, waive_rest=True)
    first = calls.call_answer(actor=crew[0], call=call)
    late = calls.call_answer(actor=crew[4], call=call)
    assert first.accepted
    assert "You're on" in first.message
    assert not late.accepted
    assert late.message == "Thank you! It is already filled; nothing to do this time."
    call.refresh_from_db()
    assert (call.status, call.accepted) == ("filled", 1)
    assert call.filled_at is not None
    assert UrgentAnswer.objects.filter(call=call).count() == 2
    filled = Notification.objects.filter(kind="urgent_call_filled")
    assert [n.user for n in filled] == [personas.staff_a]
    # Answering after being thanked changes nothing.
    assert not calls.call_answer(actor=crew[2], call=call).accepted
    assert Notification.objects.filter(kind="urgent_call_filled").count() == 1


def test_answering_twice_is_the_same_answer(personas, city, duty, crew, soon):
    call = _call(personas, city, soon)
    first = calls.call_answer(actor=crew[0], call=call)
    again = calls.call_answer(actor=crew[0], call=call)
    assert again.answer.pk == first.answer.pk
    assert again.accepted
    call.refresh_from_db()
    assert call.accepted == 1


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        (1, "You are on 北门 白班"),
        (2, "You would rest only 3.0 h next to 北门 白班"),
        (3, "You said you can't work on"),
    ],
)
def test_an_ineligible_person_is_refused_with_the_reason(
    personas, city, duty, crew, soon, who, reason
):
    call = _call(personas, city, soon)
    with pytest.raises(ValidationError) as refused:
        calls.call_answer(actor=crew[who], call=call)
    assert reason in refused.value.errors["call"]
    assert not UrgentAnswer.objects.exists()


def test_someone_on_duty_elsewhere_or_not_on_duty_cannot_answer(personas, city, duty, crew, soon):
    call = _call(personas, city, soon)
    b_user = login_for(duty.b1, "b1")
    with pytest.raises(ValidationError) as refused:
        calls.call_answer(actor=b_user, call=call)
    assert "not on duty in 甲社区" in refused.value.errors["call"]
    with pytest.raises(PermissionDenied):
        calls.call_answer(actor=personas.outsider, call=call)


def test_a_person_answering_another_call_at_that_time_is_not_told_again(
    personas, city, duty, crew, soon
):
    first = _call(personas, city, soon, needed=1)
    calls.call_answer(actor=crew[4], call=first)
    second = _call(personas, city, soon + dt.timedelta(hours=1), needed=1)
    with pytest.raises(ValidationError) as refused:
        calls.call_answer(actor=crew[4], call=second)
    assert "another call" in refused.value.errors["call"]
    assert second.notified == 1  # only 值一 now


def test_a_closed_call_takes_no_answers(personas, city, duty, crew, soon):
    call = _call(personas, city, soon)
    closed = calls.call_close(actor=personas.staff_a, call=call)
    assert closed.status == "closed"
    with pytest.raises(ValidationError) as refused:
        calls.call_answer(actor=crew[0], call=call)
    assert "closed" in refused.value.errors["call"]
    with pytest.raises(ValidationError):
        calls.call_close(actor=personas.staff_a, call=call)
    with pytest.raises(PermissionDenied):
        calls.call_close(actor=personas.staff_b, call=call)


@pytest.mark.parametrize("who", ["staff_b", "district", "cadre", "coordinator"])
def test_only_planners_of_the_community_post_calls(personas, city, duty, soon, who):
    with pytest.raises(PermissionDenied):
        calls.call_create(
            actor=getattr(personas, who), community=city.a, where="x", needed=1, starts_at=soon
        )
    assert not UrgentCall.objects.exists()


def test_bad_call_input_names_each_field(personas, city, duty):
    with pytest.raises(ValidationError) as refused:
        calls.call_create(
            actor=personas.hq,
            community=city.a,
            where="长" * 101,
            needed=0,
            hours=13,
            message="长" * 201,
            post=duty.post_b,
            starts_at=timezone.now() - dt.timedelta(hours=1),
        )
    assert set(refused.value.errors) == {
        "where",
        "needed",
        "hours",
        "message",
        "post",
        "starts_at",
    }
    with pytest.raises(ValidationError) as nowhere:
        calls.call_create(actor=personas.hq, community=city.a, where=" ", needed=1)
    assert set(nowhere.value.errors) == {"where"}
    with pytest.raises(ValidationError) as street:
        calls.call_create(actor=personas.hq, community=city.s1, where="x", needed=1)
    assert "community" in street.value.errors
    assert not UrgentCall.objects.exists()


def test_a_call_at_a_post_is_called_by_the_posts_name(personas, city, duty):
    call = calls.call_create(
        actor=personas.staff_a, community=city.a, where="", needed=1, post=duty.gate
    )
    assert call.where == "北门"
    assert call.starts_at <= timezone.now()
    assert call.ends_at == call.starts_at + dt.timedelta(hours=2)
