"""The batch of door outcomes a cadre's phone recorded offline (the doors page, doors.js), by
the one contract of device batches (core/batches.py): every outcome gets one answer, in
order — `created`, `duplicate` (its client UUID was recorded before: a resend is the same
visit, not a second one) or `rejected` with the field to fix (`task_id`, `outcome`,
`answers.<key>`, `people.<n>.name`, `at`…) and the message; a rejected outcome is not recorded
and does not stop the others.

Each outcome is written by `services.outcome_record` (audited) in a savepoint of its own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.batches import DUPLICATE, ItemAnswer, read_batch, retried
from shequ.core.device_items import BadItem, id_field, text_field, time_field
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import User
from shequ.outreach import selectors, services

__all__ = ["OutcomeAnswer", "visits_batch"]


@dataclass
class OutcomeAnswer(ItemAnswer):
    task_id: int | None = None
    task_status: str = ""  # the door's status once recorded
    visits: int = 0  # its nobody-home visits


@dataclass
class _Outcome:
    client_uuid: uuid.UUID
    task_id: int
    outcome: str
    answers: Any
    people: Any
    note: str
    at: dt.datetime


def _read(raw: dict[str, Any], client_uuid: uuid.UUID, now: dt.datetime) -> _Outcome:
    task_id = id_field(raw, "task_id")
    if task_id is None:
        raise BadItem("task_id", _("Say which door (task_id)."))
    outcome = raw.get("outcome")
    if not isinstance(outcome, str) or not outcome:
        raise BadItem(
            "outcome", _("Choose what happened: done, nobody home, refused or moved away.")
        )
    at = time_field(
        raw,
        "at",
        now,
        max_age=dt.timedelta(days=services.OFFLINE_DAYS),
        not_iso=_("Send the time of the door visit as ISO 8601."),
        in_future=_("The time of the door visit is in the future: check the phone's clock."),
        too_old=_("The door visit is older than %d days: record it again.") % services.OFFLINE_DAYS,
    )
    return _Outcome(
        client_uuid=client_uuid,
        task_id=task_id,
        outcome=outcome,
        answers=raw.get("answers"),
        people=raw.get("people") or [],
        note=text_field(raw, "note", services.NOTE_MAX),
        at=at,
    )


def _duplicate(answer: OutcomeAnswer, known: Any) -> None:
    answer.status, answer.id, answer.task_id = DUPLICATE, known.pk, known.task_id
    answer.task_status, answer.visits = known.task.status, known.task.visits


def _record(actor: User, o: _Outcome, answer: OutcomeAnswer) -> None:
    """One outcome in a savepoint of its own; a refusal is the answer's, named by its field."""
    answer.task_id = o.task_id
    try:
        with transaction.atomic():
            task = selectors.get_task_for(actor, o.task_id)
            visit = services.outcome_record(
                actor=actor,
                task=task,
                outcome=o.outcome,
                answers=o.answers,
                note=o.note,
                people=o.people,
                client_uuid=o.client_uuid,
                at=o.at,
            )
    except ValidationError as exc:
        # Another phone's batch recorded this very outcome meanwhile: the same visit.
        known = selectors.visits_by_uuid([o.client_uuid]).get(o.client_uuid)
        if "client_uuid" in exc.errors and known is not None:
            _duplicate(answer, known)
            return
        field, message = next(iter(exc.errors.items()))
        answer.reject(field, str(message))
    except Http404:
        answer.reject("task_id", _("This door is not one you may see: refresh the list."))
    except PermissionDenied as exc:
        answer.reject("task_id", str(exc))
    else:
        answer.id = visit.pk
        answer.task_status, answer.visits = visit.task.status, visit.task.visits


@retried
@transaction.atomic
def visits_batch(*, actor: User, items: Sequence[Any]) -> list[OutcomeAnswer]:
    """Record up to 1,000 door outcomes, each once per client UUID, in order: one transaction
    (one commit for the batch), each outcome in a savepoint of its own."""
    batch = read_batch(items, _read, OutcomeAnswer, timezone.now())
    earlier = selectors.visits_by_uuid(batch.uuids)
    for n, o in batch.fresh:
        answer = batch.answers[n]
        known = earlier.get(o.client_uuid)
        if known is not None:
            _duplicate(answer, known)
            continue
        _record(actor, o, answer)
    return batch.finish()
