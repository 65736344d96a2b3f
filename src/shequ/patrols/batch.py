"""The batch of rounds a cadre's phone recorded offline (the phone checklist, phone.js), by
the one contract of device batches (core/batches.py): every round gets one answer, in order —
`created`, `duplicate` (its client UUID was recorded before) or `rejected` with the field to
fix (`area_id`, `done_at`, `quantity`, `note`, `photo`) and the message; a rejected round is
not recorded and does not stop the others. Each is `services.round_record` in a savepoint of
its own."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.batches import DUPLICATE, ItemAnswer, read_batch, retried
from shequ.core.device_items import BadItem, id_field, text_field, time_field
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import User
from shequ.core.photos import MB
from shequ.patrols import photos, selectors, services

__all__ = ["RoundAnswer", "rounds_batch"]


@dataclass
class RoundAnswer(ItemAnswer):
    drawn: int = 0  # units of the agent issued from stock, once recorded


@dataclass
class _Round:
    client_uuid: uuid.UUID
    area_id: int
    done_at: dt.datetime
    quantity: int | None
    note: str
    photo: bytes | None


def _photo(raw: dict[str, Any]) -> bytes | None:
    value = raw.get("photo")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > (photos.PHOTO_MAX_MB * MB * 4) // 3 + 64:
        raise BadItem(
            "photo", _("The photo is over %d MB; send a smaller one.") % photos.PHOTO_MAX_MB
        )
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadItem("photo", _("Send the photo as base64 (JPEG, PNG or WebP).")) from None


def _read(raw: dict[str, Any], client_uuid: uuid.UUID, now: dt.datetime) -> _Round:
    area_id = id_field(raw, "area_id")
    if area_id is None:
        raise BadItem("area_id", _("Choose the area."))
    done_at = time_field(
        raw,
        "done_at",
        now,
        max_age=dt.timedelta(days=services.OFFLINE_DAYS),
        not_iso=_("Send the time of the round as ISO 8601."),
        in_future=_("The time of the round is in the future: check the phone's clock."),
        too_old=_("The time of the round is not within the last %d days.") % services.OFFLINE_DAYS,
    )
    quantity = raw.get("quantity")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)):
        raise BadItem("quantity", _("Give the units used as a whole number."))
    return _Round(
        client_uuid=client_uuid,
        area_id=area_id,
        done_at=min(done_at, now),
        quantity=quantity,
        note=text_field(raw, "note", services.NOTE_MAX),
        photo=_photo(raw),
    )


def _record(actor: User, r: _Round, answer: RoundAnswer) -> None:
    """One round in a savepoint of its own; a refusal is the answer's, named by its field."""
    try:
        with transaction.atomic():
            area = selectors.get_area_for(actor, r.area_id)
            the_round = services.round_record(
                actor=actor,
                area=area,
                done_at=r.done_at,
                quantity=r.quantity,
                note=r.note,
                photo=r.photo,
                client_uuid=r.client_uuid,
            )
    except IntegrityError:  # another device sent the same UUID at the same moment
        answer.status = DUPLICATE
    except ValidationError as exc:
        field, message = next(iter(exc.errors.items()))
        answer.reject(field, str(message))
    except Http404:
        answer.reject("area_id", _("No such area among yours: refresh the checklist."))
    except PermissionDenied as exc:
        answer.reject("area_id", str(exc) or _("You may not record rounds at this area."))
    else:
        answer.id, answer.drawn = the_round.pk, the_round.drawn


@retried
def rounds_batch(*, actor: User, items: Sequence[Any]) -> list[RoundAnswer]:
    """Record up to 1,000 rounds, each once per client UUID, in order."""
    if not selectors.may_record(actor):
        raise PermissionDenied(_("Only cadres, volunteers and community staff record rounds."))
    batch = read_batch(items, _read, RoundAnswer, timezone.now())
    earlier = selectors.rounds_by_uuid(batch.uuids)
    for n, r in batch.fresh:
        answer = batch.answers[n]
        known = earlier.get(r.client_uuid)
        if known is not None:
            if known.by_id != actor.pk:  # another's UUID: not theirs to learn about
                answer.reject("client_uuid", _("This UUID names another round: make a new one."))
            else:
                answer.status, answer.id, answer.drawn = DUPLICATE, known.pk, known.drawn
            continue
        _record(actor, r, answer)
    return batch.finish()
