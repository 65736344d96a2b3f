"""Recording passages: per-item answers, exactly once per client UUID, the server's own
decision, alerts to the community's staff, corrections, and the append-only log."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from shequ.checkpoints import services
from shequ.checkpoints.ingest import passages_batch
from shequ.checkpoints.models import AppendOnly, Passage
from shequ.checkpoints.passes import pass_token
from shequ.core.errors import ValidationError
from shequ.core.models import Notification
from shequ.places import services as place_services
from tests.checkpoints.conftest import item, qr


def test_a_valid_passage_is_created_with_the_servers_decision(personas, gates) -> None:
    [r] = passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, pass_code=qr(gates.p1), resident_id=gates.a1.pk)],
    )
    assert (r.status, r.decision, r.reasons) == ("created", "allow", [])
    row = Passage.objects.get(pk=r.id)
    assert (row.resident, row.entry_pass, row.pass_version) == (gates.a1, gates.p1, 1)
    assert row.recorded_by == personas.cadre
    assert row.community_id == gates.gate.community_id


def test_same_uuid_twice_in_one_batch_and_again_later_is_one_row(personas, gates) -> None:
    one = item(gates.gate, pass_code=qr(gates.p1))
    first = passages_batch(actor=personas.cadre, items=[one, dict(one)])
    assert [r.status for r in first] == ["created", "duplicate"]
    assert first[1].id == first[0].id
    assert first[1].decision == first[0].decision
    [again] = passages_batch(actor=personas.cadre, items=[one])
    assert (again.status, again.id, again.decision) == ("duplicate", first[0].id, "allow")
    assert Passage.objects.filter(client_uuid=one["client_uuid"]).count() == 1


def test_invalid_items_are_answered_and_the_valid_ones_land(personas, gates) -> None:
    g = gates.gate
    items = [
        item(g, pass_code=qr(gates.p1)),
        item(g, direction="sideways"),
        item(g, client_uuid="not-a-uuid"),
        item(g, temperature="hot"),
        item(g, temperature=48),
        item(g, device_time=(timezone.now() + dt.timedelta(hours=2)).isoformat()),
        item(g, device_time=(timezone.now() - dt.timedelta(days=40)).isoformat()),
        item(g, device_time="yesterday"),
        item(g, subject="visitor"),
        item(g, subject="vehicle"),
        item(g),  # a resident with neither pass nor name
        item(g, health_code="blue"),
        item(g, travel_star="yes"),
        item(g, subject="visitor", visitor_name="访客", visitor_phone="call me"),
        item(g, pass_code=qr(gates.p1), gate_id=None),
        item(g, pass_code=qr(gates.p1), corrects=str(uuid.uuid4())),
        "not an object",
        item(g, subject="visitor", visitor_name="访客", visitor_phone="10000000001"),
    ]
    results = passages_batch(actor=personas.cadre, items=items)
    assert [r.status for r in results] == ["created", *["rejected"] * 16, "created"]
    assert [r.field for r in results[1:17]] == [
        "direction", "client_uuid", "temperature", "temperature", "device_time", "device_time",
        "device_time", "visitor_name", "plate", "pass_code", "health_code", "travel_star",
        "visitor_phone", "gate_id", "corrects", "item",
    ]  # fmt: skip
    assert all(r.message for r in results[1:17])
    assert Passage.objects.count() == 2


def test_more_than_a_thousand_items_is_refused_whole(personas, gates) -> None:
    with pytest.raises(ValidationError) as err:
        passages_batch(actor=personas.cadre, items=[item(gates.gate)] * 1001)
    assert "items" in err.value.errors
    assert not Passage.objects.exists()


def test_a_gate_of_another_community_is_not_yours(personas, gates) -> None:
    [r] = passages_batch(actor=personas.cadre, items=[item(gates.gate_b, pass_code=qr(gates.pb))])
    assert (r.status, r.field) == ("rejected", "gate_id")
    [ok] = passages_batch(
        actor=personas.staff_b, items=[item(gates.gate_b, pass_code=qr(gates.pb))]
    )
    assert (ok.status, ok.decision) == ("created", "allow")
    [no] = passages_batch(actor=personas.outsider, items=[item(gates.gate, pass_code=qr(gates.p1))])
    assert no.status == "rejected"


def test_a_resident_of_another_community_must_come_as_a_visitor(personas, gates) -> None:
    [r] = passages_batch(actor=personas.cadre, items=[item(gates.gate, resident_id=gates.b1.pk)])
    assert (r.status, r.field) == ("rejected", "resident_id")
    [r] = passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, pass_code=qr(gates.p1), resident_id=gates.a3.pk)],
    )
    assert (r.status, r.field) == ("rejected", "resident_id")  # not a holder of that pass


def test_forged_altered_and_foreign_codes_are_refused(personas, gates) -> None:
    good = qr(gates.p1)
    payload, signature = good.split(":", 1)
    forged = f"P{gates.p2.pk}.1:{signature}"  # another pass id under this signature
    altered = payload + ":" + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    made_up = "P1.1:" + "x" * 43
    foreign = qr(gates.pb)  # a real pass, of community B
    results = passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, pass_code=c) for c in (forged, altered, made_up, foreign)],
    )
    assert [(r.status, r.decision, r.reasons) for r in results] == [
        ("created", "refuse", ["pass_unknown"])
    ] * 4


def test_revoked_lost_reissued_and_expired_passes_are_refused(personas, gates) -> None:
    old = qr(gates.p1)
    services.pass_report_lost(actor=personas.staff_a, entry_pass=gates.p1)
    [lost] = passages_batch(actor=personas.cadre, items=[item(gates.gate, pass_code=old)])
    services.pass_reissue(actor=personas.staff_a, entry_pass=gates.p1)
    gates.p1.refresh_from_db()
    new = pass_token(gates.p1.pk, 2)
    old_copy, new_copy = passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, pass_code=old), item(gates.gate, pass_code=new)],
    )
    services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="搬离")
    [revoked] = passages_batch(actor=personas.cadre, items=[item(gates.gate, pass_code=new)])
    assert lost.reasons == ["pass_lost"]
    assert old_copy.reasons == ["pass_superseded"]
    assert old_copy.decision == "refuse"
    assert new_copy.decision == "allow"
    assert revoked.reasons == ["pass_revoked"]
    later = timezone.now() - dt.timedelta(days=20)  # before the pass was valid
    [early] = passages_batch(
        actor=personas.cadre,
        items=[
            item(gates.gate, pass_code=qr(gates.p2), device_time=later.isoformat(), direction="in")
        ],
    )
    assert early.reasons == ["pass_not_yet_valid"]


def test_isolation_fever_and_codes_alert_the_communitys_staff(personas, gates) -> None:
    results = passages_batch(
        actor=personas.cadre,
        items=[
            item(gates.gate, pass_code=qr(gates.p2), resident_id=gates.a3.pk),  # isolating
            item(gates.gate, pass_code=qr(gates.p1), temperature=38.2),
            item(gates.gate, pass_code=qr(gates.p1), health_code="red"),
            item(gates.gate, pass_code=qr(gates.p1)),
        ],
    )
    assert [r.reasons for r in results] == [
        ["isolation_breach"],
        ["fever"],
        ["health_code_red"],
        [],
    ]
    assert [r.alert for r in results] == [True, True, True, False]
    notes = Notification.objects.filter(user=personas.staff_a, kind="gate_alert")
    assert notes.count() == 3
    assert any("甲三" in n.title and "北门" in n.title for n in notes)
    assert not Notification.objects.filter(user=personas.staff_b).exists()


def test_zone_of_the_household_refuses_exit(personas, gates, city) -> None:
    place_services.zone_set(actor=personas.street, place=city.ka1, level="control")
    out, back = passages_batch(
        actor=personas.cadre,
        items=[
            item(gates.gate, pass_code=qr(gates.p1)),
            item(gates.gate, pass_code=qr(gates.p1), direction="in"),
        ],
    )
    assert (out.decision, out.reasons) == ("refuse", ["zone_control_no_exit"])
    assert back.decision == "allow"
    [visitor] = passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, subject="visitor", visitor_name="访客", direction="in")],
    )
    assert visitor.decision == "allow"  # the zone is on building 1, not the whole compound


def test_exit_quota_counts_earlier_exits_and_this_batch(personas, gates) -> None:
    services.rules_set(
        actor=personas.staff_a,
        community=gates.gate.community,
        rules={"exit_quota": {"people": 1, "days": 2}},
    )
    yesterday = timezone.now() - dt.timedelta(days=1)
    passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, pass_code=qr(gates.p2), device_time=yesterday.isoformat())],
    )
    first, second = passages_batch(
        actor=personas.cadre,
        items=[item(gates.gate, pass_code=qr(gates.p1)), item(gates.gate, pass_code=qr(gates.p1))],
    )
    [other] = passages_batch(actor=personas.cadre, items=[item(gates.gate, pass_code=qr(gates.p2))])
    assert (first.decision, second.reasons) == ("allow", ["pass_quota_used"])
    assert other.reasons == ["pass_quota_used"]  # household 102 went out yesterday
    assert Passage.objects.get(pk=first.id).rules_version == 1


def test_a_device_that_decided_otherwise_is_flagged(personas, gates) -> None:
    agree, differ = passages_batch(
        actor=personas.cadre,
        items=[
            item(gates.gate, pass_code=qr(gates.p1), device_decision="allow"),
            item(gates.gate, pass_code=qr(gates.p1), temperature=37.6, device_decision="allow"),
        ],
    )
    assert (agree.disagrees, differ.disagrees) == (False, True)
    assert Passage.objects.filter(disagrees=True).count() == 1


def test_a_correction_is_a_new_row_that_names_the_old(personas, gates) -> None:
    wrong = item(gates.gate, pass_code=qr(gates.p1), temperature=38.0)
    fix = item(
        gates.gate,
        pass_code=qr(gates.p1),
        temperature=36.6,
        corrects=wrong["client_uuid"],
        note="体温录错",
    )
    r1, r2 = passages_batch(actor=personas.cadre, items=[wrong, fix])  # even in one batch
    assert (r1.status, r2.status) == ("created", "created")
    assert Passage.objects.get(pk=r2.id).corrects_id == r1.id
    assert Passage.objects.get(pk=r1.id).temperature == 38.0  # the old row is untouched
    later = item(gates.gate, pass_code=qr(gates.p1), corrects=wrong["client_uuid"])
    [r3] = passages_batch(actor=personas.cadre, items=[later])
    assert Passage.objects.get(pk=r3.id).corrects_id == r1.id


def test_the_log_refuses_updates_and_deletes(personas, gates) -> None:
    [r] = passages_batch(actor=personas.cadre, items=[item(gates.gate, pass_code=qr(gates.p1))])
    row = Passage.objects.get(pk=r.id)
    row.temperature = 35.0
    with pytest.raises(AppendOnly):
        row.save()
    with pytest.raises(AppendOnly):
        row.delete()
    with pytest.raises(AppendOnly):
        Passage.objects.filter(pk=r.id).update(decision="refuse")
    with pytest.raises(AppendOnly):
        Passage.objects.filter(pk=r.id).delete()
    # Below the ORM, the database itself refuses the change.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE checkpoints_passage SET decision = 'refuse' WHERE id = %s", [r.id])
    assert Passage.objects.get(pk=r.id).decision == "allow"


def test_visitor_phone_is_encrypted_at_rest(personas, gates) -> None:
    [r] = passages_batch(
        actor=personas.cadre,
        items=[
            item(
                gates.gate,
                subject="visitor",
                visitor_name="访客",
                visitor_phone="10000000009",
                direction="in",
            )
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT visitor_phone FROM checkpoints_passage WHERE id = %s", [r.id])
        [stored] = cursor.fetchone()
    assert "10000000009" not in stored
    assert Passage.objects.get(pk=r.id).visitor_phone == "10000000009"


def test_one_batch_over_two_communities_decides_each_by_its_own_rules(personas, gates) -> None:
    services.rules_set(
        actor=personas.staff_a, community=gates.gate.community, rules={"fever_at": 37.0}
    )
    services.rules_set(
        actor=personas.staff_a, community=gates.gate.community, rules={"fever_at": 37.1}
    )
    here, there = passages_batch(
        actor=personas.hq,
        items=[
            item(gates.gate, pass_code=qr(gates.p1), temperature=37.2),
            item(gates.gate_b, pass_code=qr(gates.pb), temperature=37.2),
        ],
    )
    assert (here.status, here.decision, here.reasons) == ("created", "refuse", ["fever"])
    assert (there.status, there.decision, there.reasons) == ("created", "allow", [])
    rows = Passage.objects.in_bulk([here.id, there.id])
    assert (rows[here.id].rules_version, rows[there.id].rules_version) == (2, 0)
