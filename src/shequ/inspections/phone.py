"""The batch of visits an inspector's phone recorded offline (the phone page, phone.js), by
the one contract of device batches (core/batches.py): every visit gets one answer, in order —
`created`, `duplicate` (its client UUID was recorded before) or `rejected` with the field to
fix (`visited_at`, `plan_id`, `place_id`, `item_<id>`…) and the message; a rejected visit is
not recorded and does not stop the others.

Each visit is written by `services.visit_record` (one visit with its findings, audited) in a
savepoint of its own, so a visit refused midway leaves nothing behind."""

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
from shequ.inspections import selectors, services

__all__ = ["VisitAnswer", "visits_batch"]


@dataclass
class VisitAnswer(ItemAnswer):
    problems: int = 0  # the problems found, once recorded


@dataclass
class _Visit:
    client_uuid: uuid.UUID
    plan_id: int
    place_id: int | None
    premises_id: int | None
    visited_at: dt.datetime
    results: dict[int, tuple[str, str]]
    notes: str


def _read(raw: dict[str, Any], client_uuid: uuid.UUID, now: dt.datetime) -> _Visit:
    plan_id = id_field(raw, "plan_id")
    if plan_id is None:
        raise BadItem("plan_id", _("Choose the plan."))
    place_id, premises_id = id_field(raw, "place_id"), id_field(raw, "premises_id")
    if (place_id is None) == (premises_id is None):
        raise BadItem("place_id", _("Choose what was inspected: one place or premises."))
    visited_at = time_field(
        raw,
        "visited_at",
        now,
        max_age=dt.timedelta(days=services.OFFLINE_DAYS),
        not_iso=_("Send the time of the visit as ISO 8601."),
        in_future=_("The time of the visit is in the future: check the phone's clock."),
        too_old=_("The time of the visit is not within the last %d days.") % services.OFFLINE_DAYS,
    )
    answers = raw.get("answers")
    if not isinstance(answers, list) or not answers:
        raise BadItem("answers", _("Answer every item of the checklist."))
    results: dict[int, tuple[str, str]] = {}
    for answer in answers:
        if not isinstance(answer, dict):
            raise BadItem("answers", _("Each answer must be an object."))
        item_id = id_field(answer, "item_id")
        if item_id is None:
            raise BadItem("answers", _("Each answer names its item."))
        result = answer.get("result")
        results[item_id] = (
            result if isinstance(result, str) else "",
            text_field(answer, "note", services.NOTE_MAX),
        )
    return _Visit(
        client_uuid=client_uuid,
        plan_id=plan_id,
        place_id=place_id,
        premises_id=premises_id,
        visited_at=visited_at,
        results=results,
        notes=text_field(raw, "notes", 2000),
    )


def _record(actor: User, v: _Visit, answer: VisitAnswer) -> None:
    """One visit in a savepoint of its own; a refusal is the answer's, named by its field."""
    try:
        with transaction.atomic():
            plan = selectors.get_plan_for(actor, v.plan_id)
            place = premises = None
            if v.premises_id is not None:
                premises = selectors.get_premises_for(actor, v.premises_id)
            else:
                place = selectors.get_target_for(actor, v.place_id)
            visit = services.visit_record(
                actor=actor,
                plan=plan,
                place=place,
                premises=premises,
                results=v.results,
                notes=v.notes,
                client_uuid=v.client_uuid,
                visited_at=v.visited_at,
            )
    except ValidationError as exc:
        field, message = next(iter(exc.errors.items()))
        answer.reject(field, str(message))
    except Http404:
        which = "premises_id" if v.premises_id is not None else "place_id"
        answer.reject(which, _("The plan or the place is not one you inspect: choose again."))
    except PermissionDenied as exc:
        answer.reject("place_id", str(exc) or _("You may not inspect this place."))
    else:
        answer.id, answer.problems = visit.pk, selectors.problems_of(visit)


@retried
def visits_batch(*, actor: User, items: Sequence[Any]) -> list[VisitAnswer]:
    """Record up to 1,000 visits, each once per client UUID, in order."""
    selectors.require_inspector(actor)
    batch = read_batch(items, _read, VisitAnswer, timezone.now())
    earlier = selectors.visits_by_uuid(actor, batch.uuids)
    for n, v in batch.fresh:
        answer = batch.answers[n]
        known = earlier.get(v.client_uuid)
        if known is not None:
            answer.status, answer.id = DUPLICATE, known.pk
            answer.problems = selectors.problems_of(known)
            continue
        _record(actor, v, answer)
    return batch.finish()
