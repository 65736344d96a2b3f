"""notify(): one message to each person once, only to active users, in the event's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from shequ.core.models import Notification
from shequ.core.roles import Capability
from shequ.core.scopes import users_with
from shequ.notify import Message, notify, notify_many
from shequ.notify.models import Channel, Delivery, DeliveryStatus


def _inbox(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_each_person_gets_the_message_once_and_inactive_users_none(
    personas, django_assert_num_queries
):
    personas.street.is_active = False
    personas.street.save()
    people = [personas.staff_a, personas.staff_a.pk, personas.street, None, personas.hq]
    with django_assert_num_queries(2):  # who is active; one insert
        sent = notify(people, kind="test", title="北门：发热", url="/duty/")
    assert sent == 2
    assert _inbox(personas.staff_a) == ["北门：发热"]
    assert _inbox(personas.hq) == ["北门：发热"]
    assert _inbox(personas.street) == []
    note = Notification.objects.get(user=personas.hq)
    assert (note.kind, note.url, note.body, note.read_at) == ("test", "/duty/", "", None)


def test_a_queryset_of_users_is_resolved_in_the_database(personas, city):
    sent = notify(
        users_with(Capability.RUN_TESTING, city.a, inherited=False), kind="recall", title="召回"
    )
    assert sent == 1
    assert _inbox(personas.staff_a) == ["召回"]
    assert _inbox(personas.hq) == []


def test_nobody_to_tell_writes_nothing(personas, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert notify([], kind="test", title="x") == 0
        assert notify([None], kind="test", title="x") == 0
    assert not Notification.objects.exists()


def test_long_titles_and_bodies_are_cut_to_what_the_inbox_keeps(personas):
    notify([personas.hq], kind="test", title="长" * 300, body="文" * 900)
    note = Notification.objects.get(user=personas.hq)
    assert len(note.title) == 200
    assert len(note.body) == 500


@pytest.mark.parametrize("url", ["https://example.com/x", "//example.com/x", "duty/", "/" * 201])
def test_a_link_must_be_a_path_on_this_site(personas, url):
    with pytest.raises(ValueError, match="path on this site"):
        notify([personas.hq], kind="test", title="x", url=url)
    assert not Notification.objects.exists()


def _event_that_fails(user) -> None:
    with transaction.atomic():
        notify([user], kind="test", title="x")
        raise RuntimeError("the event failed")


def test_messages_vanish_with_the_event_that_rolled_back(personas):
    with pytest.raises(RuntimeError, match="the event failed"):
        _event_that_fails(personas.hq)
    assert not Notification.objects.exists()


def test_many_messages_take_one_lookup_and_one_insert(personas, django_assert_num_queries):
    messages = [
        Message(users=[personas.staff_a, personas.hq], kind="gate_alert", title="北门：发热"),
        Message(users={personas.staff_b.pk}, kind="gate_alert", title="南门：红码", url="/x/"),
        Message(users=[], kind="gate_alert", title="无人"),
    ]
    # Who is active; one insert of the inbox rows; one of the texts that an urgent alert
    # sends to whom no push reaches (Web Push is off here: no VAPID keys).
    with django_assert_num_queries(3):
        assert notify_many(messages) == 3
    assert Delivery.objects.filter(channel=Channel.SMS, status=DeliveryStatus.QUEUED).count() == 3
    assert _inbox(personas.staff_b) == ["南门：红码"]
    assert sorted(_inbox(personas.hq) + _inbox(personas.staff_a)) == ["北门：发热"] * 2
