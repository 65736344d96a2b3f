"""PostgreSQL-only: 我来 answers and device batches racing in real concurrent transactions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from shequ.core.models import Notification
from shequ.duty import attendance, calls
from shequ.duty.models import Attendance, AttendanceEvent, CallStatus, UrgentAnswer
from shequ.mobilization.models import Agency
from tests.conftest import make_user
from tests.duty.conftest import on_duty
from tests.duty.helpers import attendance_item, login_for
from tests.mobilization.conftest import make_staff
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


@pytest.fixture
def twenty(transactional_db, personas, city, duty):
    """Twenty people on duty in A, each with a login."""
    agency = Agency.objects.get(code="AG1")
    more = [make_staff(personas.hq, agency, city.a, f"加{i}") for i in range(12)]
    on_duty(personas.hq, duty.order, more, city.a)
    users = [personas.cadre]
    users += [login_for(p, f"p{i}") for i, p in enumerate(duty.people[1:], start=1)]
    for i, staff in enumerate(more):
        staff.user = make_user(f"m{i}")
        staff.save(update_fields=["user"])
        users.append(staff.user)
    return users


def test_twenty_answers_at_once_fill_four_places_exactly(personas, city, twenty):
    assert connection.vendor == "postgresql"
    call = calls.call_create(actor=personas.staff_a, community=city.a, where="3号楼", needed=4)
    assert call.notified == 20

    results, errors = race(
        [lambda user=user: calls.call_answer(actor=user, call=call) for user in twenty]
    )

    assert errors == []
    assert sum(r.accepted for r in results) == 4
    assert sum(not r.accepted for r in results) == 16  # thanked, not refused
    call.refresh_from_db()
    assert (call.status, call.accepted) == (CallStatus.FILLED, 4)
    assert UrgentAnswer.objects.filter(call=call).count() == 20
    assert UrgentAnswer.objects.filter(call=call, accepted=True).count() == 4
    assert Notification.objects.filter(kind="urgent_call_filled").count() == 1


def test_one_person_answering_twice_at_once_has_one_answer(personas, city, twenty):
    call = calls.call_create(actor=personas.staff_a, community=city.a, where="3号楼", needed=4)
    results, errors = race([lambda: calls.call_answer(actor=twenty[0], call=call)] * 2)
    assert errors == []
    first, second = results
    assert first.answer.pk == second.answer.pk
    call.refresh_from_db()
    assert call.accepted == 1


def test_a_batch_sent_twice_at_once_is_recorded_once(personas, duty, twenty):
    item = attendance_item("in", duty.people[0].pk, timezone.now(), post_id=duty.gate.pk)
    other = attendance_item("in", duty.people[0].pk, timezone.now(), post_id=duty.gate.pk)
    results, errors = race(
        [
            lambda: attendance.attendance_batch(actor=personas.cadre, items=[item]),
            lambda: attendance.attendance_batch(actor=personas.cadre, items=[item]),
            lambda: attendance.attendance_batch(actor=personas.cadre, items=[other]),
        ]
    )
    assert errors == []
    answers = sorted(r[0].status for r in results)
    assert answers == ["created", "duplicate", "duplicate"]
    assert len({r[0].id for r in results}) == 1
    assert Attendance.objects.count() == 1
    assert AttendanceEvent.objects.count() == 2  # one per client UUID
