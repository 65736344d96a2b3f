"""A roster over a whole street, and the staff of one of its communities: publishing,
re-planning or editing it takes the whole street; one assignment at their own community's post
(a sick report, a swap to decide) is their part of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.core.errors import PermissionDenied
from shequ.duty import changes, planning
from shequ.duty.models import ChangeStatus, RosterStatus
from tests.duty.helpers import day_shift, put, roster_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_roster(personas, city, duty):
    draft = roster_for(personas.street, city.s1, duty.tomorrow, status=RosterStatus.DRAFT)
    put(draft, day_shift(duty), duty.tomorrow, duty.people[1])
    return draft


def test_community_staff_cannot_publish_or_replan_their_streets_roster(
    personas, street_roster
) -> None:
    with pytest.raises(PermissionDenied):
        planning.roster_publish(actor=personas.staff_a, roster=street_roster)
    street_roster.refresh_from_db()
    assert street_roster.status == RosterStatus.DRAFT
    published = planning.roster_publish(actor=personas.street, roster=street_roster)
    with pytest.raises(PermissionDenied):
        planning.roster_replan(actor=personas.staff_a, roster=published)


def test_community_staff_do_not_open_or_edit_the_street_roster(
    client, login, personas, duty, street_roster
) -> None:
    login(personas.staff_a)
    page = reverse("duty:roster", args=[street_roster.pk])
    assert client.get(page).status_code == 404
    publish = reverse("duty:roster_action", args=[street_roster.pk, "publish"])
    assert client.post(publish).status_code == 404
    street_roster.refresh_from_db()
    assert street_roster.status == RosterStatus.DRAFT


def test_community_staff_decide_a_change_at_their_own_post_of_a_street_roster(
    personas, duty, street_roster
) -> None:
    published = planning.roster_publish(actor=personas.street, roster=street_roster)
    assignment = published.assignments.get()
    change = changes.sick_report(actor=personas.staff_a, assignment=assignment, reason="发烧")
    decided = changes.change_decide(actor=personas.staff_a, change=change, approve=True)
    assert decided.status == ChangeStatus.APPROVED
    # The staff of community B plan nothing at A's post: the same change is not theirs.
    other = changes.sick_report(
        actor=personas.street,
        assignment=put(published, day_shift(duty), duty.tomorrow, duty.people[2]),
    )
    with pytest.raises(PermissionDenied):
        changes.change_decide(actor=personas.staff_b, change=other, approve=True)
