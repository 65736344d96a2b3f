"""PostgreSQL-only: the same passage (one client UUID) sent by two devices' batches at the
same moment lands exactly once; both batches get an answer for it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from shequ.checkpoints.ingest import passages_batch
from shequ.checkpoints.models import Passage
from tests.checkpoints.conftest import item, qr
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


@pytest.fixture
def racing(transactional_db, personas, gates):
    return gates


def test_same_uuid_in_two_concurrent_batches_is_one_row(personas, racing) -> None:
    assert connection.vendor == "postgresql"
    for attempt in range(1, 4):  # several rounds: the race must never double a row
        shared = [item(racing.gate, pass_code=qr(racing.p1)) for _ in range(50)]
        own = [[item(racing.gate, pass_code=qr(racing.p2)) for _ in range(10)] for _ in range(2)]
        batches = [shared + own[0], list(reversed(shared)) + own[1]]
        results, errors = race(
            [lambda b=b: passages_batch(actor=personas.cadre, items=b) for b in batches]
        )
        assert errors == []
        shared_ids = {i["client_uuid"] for i in shared}
        answers = [a for batch in results for a in batch if a.client_uuid in shared_ids]
        assert len(answers) == 100
        assert all(a.status in ("created", "duplicate") for a in answers)
        assert sum(a.status == "created" for a in answers) == 50
        assert Passage.objects.filter(client_uuid__in=shared_ids).count() == 50
        assert Passage.objects.count() == 70 * attempt


def test_the_same_passages_from_two_devices_in_opposite_orders(personas, racing) -> None:
    """Two devices send the same 200 passages at once, one with its clock running backwards:
    each batch records in its own time order, so their rows come in opposite orders. Every
    passage is recorded once and each batch answers all 200 (created or duplicate)."""
    start = timezone.now() - dt.timedelta(hours=1)
    for attempt in range(1, 4):
        uuids = [str(uuid.uuid4()) for _ in range(200)]

        def batch(order: int, uuids: list[str] = uuids) -> list[dict]:
            return [
                item(
                    racing.gate,
                    client_uuid=u,
                    pass_code=qr(racing.p1),
                    device_time=(start + dt.timedelta(seconds=order * n)).isoformat(),
                )
                for n, u in enumerate(uuids)
            ]

        results, errors = race(
            [
                lambda b=b: passages_batch(actor=personas.cadre, items=b)
                for b in (batch(1), batch(-1))
            ]
        )
        assert errors == []
        statuses = sorted(a.status for answers in results for a in answers)
        assert statuses == ["created"] * 200 + ["duplicate"] * 200
        assert Passage.objects.count() == 200 * attempt
