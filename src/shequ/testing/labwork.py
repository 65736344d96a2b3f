"""The lab's side of testing (writes): closed tubes handed to the lab under a transfer number
(交接单) and counted in there, a result per tube, and the recall a positive or invalid pool
starts (its members pending a single-tube retest, home visits made, the community's staff
told). Each service is one transaction with its audit rows; `services` holds the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core import audit
from shequ.core.access import require
from shequ.core.bidi import neutral
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for, users_with
from shequ.notify import notify
from shequ.places.addresses import address_labels
from shequ.places.models import Place
from shequ.residents.models import HealthStatus, Resident
from shequ.residents.services import residents_set_status_by_result
from shequ.testing.models import (
    HomeReason,
    Recall,
    RecallKind,
    Round,
    Transfer,
    Tube,
    TubeResult,
    TubeStatus,
)
from shequ.testing.signals import home_sampling_wanted

if TYPE_CHECKING:
    from shequ.core.models import User


@transaction.atomic
def transfer_create(
    *,
    actor: User,
    round_: Round,
    community: Place,
    code: str,
    barcodes: Sequence[str],
    confirmed: int | None = None,
) -> Transfer:
    """Hand closed tubes to the lab under one transfer number (交接单). `confirmed`: how many
    tubes the sender was shown they send (the page's "Send 2 tubes"); any other number of
    listed tubes sends nothing."""
    require(actor, Capability.RUN_TESTING, community)
    code = code.strip()
    errors: dict[str, str] = {}
    if not code or len(code) > 40:
        errors["code"] = _("Give the transfer number (at most 40 characters).")
    elif Transfer.objects.filter(round=round_, code=code).exists():
        errors["code"] = _("This transfer number is already used in this round.")
    wanted = [b.strip() for b in barcodes if b.strip()]
    if not wanted:
        errors["barcodes"] = _("List the tubes in this transfer.")
    if len(set(wanted)) != len(wanted):
        errors["barcodes"] = _("A tube is listed twice.")
    elif wanted and confirmed is not None and confirmed != len(wanted):
        errors["barcodes"] = ngettext(
            "%(ticked)d tube is ticked but %(confirmed)d were confirmed: check the ticks and "
            "send again.",
            "%(ticked)d tubes are ticked but %(confirmed)d were confirmed: check the ticks and "
            "send again.",
            len(wanted),
        ) % {"ticked": len(wanted), "confirmed": confirmed}
    tubes = {
        t.barcode: t
        for t in Tube.objects.select_for_update().filter(round=round_, barcode__in=wanted)
    }
    unknown = [b for b in wanted if b not in tubes or tubes[b].community_id != community.pk]
    if unknown:
        errors["barcodes"] = _("Not tubes of this community in this round: %s.") % ", ".join(
            unknown[:10]
        )
    not_closed = [b for b, t in tubes.items() if t.status != TubeStatus.CLOSED]
    if not unknown and not_closed:
        errors["barcodes"] = _("Close these tubes first (or they were sent already): %s.") % (
            ", ".join(not_closed[:10])
        )
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        round=round_, community=community, code=code, tube_count=len(wanted), sent_by=actor
    )
    Tube.objects.filter(pk__in=[t.pk for t in tubes.values()]).update(
        transfer=transfer, status=TubeStatus.SENT
    )
    audit.record(
        actor=actor,
        action="testing.transfer.send",
        obj=transfer,
        place=community,
        changes={"tubes": len(wanted)},
    )
    return transfer


@transaction.atomic
def transfer_receive(
    *, actor: User, transfer: Transfer, received_count: int, note: str = ""
) -> Transfer:
    """The lab counts the tubes it got; a count that differs is recorded as a discrepancy."""
    require(actor, Capability.RECORD_RESULTS, transfer.community)
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.received_at is not None:
        raise ValidationError({"transfer": _("This transfer was received already.")})
    if received_count < 0 or received_count > 100_000:
        raise ValidationError({"received_count": _("Count the tubes received.")})
    transfer.received_at, transfer.received_by = timezone.now(), actor
    transfer.received_count = received_count
    if received_count != transfer.tube_count:
        transfer.discrepancy = (
            _("Sent %(sent)d, received %(got)d.")
            % {"sent": transfer.tube_count, "got": received_count}
            + (" " + note.strip() if note.strip() else "")
        )[:300]
    transfer.save()
    transfer.tubes.update(status=TubeStatus.RECEIVED)
    audit.record(
        actor=actor,
        action="testing.transfer.receive",
        obj=transfer,
        place=transfer.community,
        changes={"received": [transfer.tube_count, received_count]},
    )
    return transfer


@dataclass
class ResultAnswer:
    barcode: str
    status: str  # "recorded", "unchanged", "rejected"
    message: str = ""
    recall_id: int | None = None


@transaction.atomic
def results_record(
    *, actor: User, round_: Round, results: Sequence[tuple[str, str]]
) -> list[ResultAnswer]:
    """Results per tube from the lab, each answered. A positive or invalid tube recalls its
    members at once (`recall_start`). A result already in stays: send a correction through
    the lab page, not a second result."""
    scope = scope_for(actor, Capability.RECORD_RESULTS)
    tubes = {
        t.barcode: t
        # The tubes alone, in one order: not their community, which every row written
        # there takes FOR KEY SHARE (core/districts.py).
        for t in Tube.objects.select_for_update(of=("self",))
        .filter(round=round_, barcode__in=[b for b, _r in results])
        .select_related("community")
        .order_by("pk")
    }
    answers: list[ResultAnswer] = []
    now = timezone.now()
    for barcode, result in results:
        tube = tubes.get(barcode)
        if tube is None or not scope.covers(tube.community):
            answers.append(ResultAnswer(barcode, "rejected", _("No such tube in this round.")))
            continue
        if result not in (TubeResult.NEGATIVE, TubeResult.POSITIVE, TubeResult.INVALID):
            answers.append(
                ResultAnswer(barcode, "rejected", _("The result is negative, positive or invalid."))
            )
            continue
        if tube.result:
            same = tube.result == result
            answers.append(
                ResultAnswer(
                    barcode,
                    "unchanged" if same else "rejected",
                    "" if same else _("This tube's result is in already (%s).") % tube.result,
                )
            )
            continue
        if tube.status not in (TubeStatus.RECEIVED, TubeStatus.SENT):
            answers.append(
                ResultAnswer(barcode, "rejected", _("The lab has not received this tube."))
            )
            continue
        tube.result, tube.result_at, tube.result_by = result, now, actor
        tube.status = TubeStatus.RESULTED
        tube.save(update_fields=["result", "result_at", "result_by", "status"])
        audit.record(
            actor=actor,
            action="testing.tube.result",
            obj=tube,
            place=tube.community,
            changes={"result": ["", result]},
        )
        recall = None
        if result in (TubeResult.POSITIVE, TubeResult.INVALID) and not tube.retest:
            recall = recall_start(actor=actor, tube=tube)
        elif result == TubeResult.POSITIVE:
            _retest_positive(actor, tube)
        elif result == TubeResult.NEGATIVE and tube.retest:
            _retest_negative(actor, tube)
        answers.append(ResultAnswer(barcode, "recorded", recall_id=recall.pk if recall else None))
    return answers


def recall_start(*, actor: User, tube: Tube) -> Recall:
    """A positive pool: its members await a single-tube retest (the gate refuses their exit),
    home sampling tasks are made, and the community's staff are told with names and
    buildings. An invalid tube: its members are sampled again at home."""
    kind = RecallKind.POSITIVE if tube.result == TubeResult.POSITIVE else RecallKind.INVALID
    recall = Recall.objects.create(round=tube.round, tube=tube, kind=kind)
    members = list(
        Resident.objects.filter(pk__in=tube.samples.filter(retest=False).values("resident_id"))
        .select_related("household", "household__parent")
        .order_by("household__path", "name")
    )
    if kind == RecallKind.POSITIVE:
        residents_set_status_by_result(
            actor=actor,
            residents=members,
            status=HealthStatus.PENDING_RETEST,
            reason=_("Pool %s positive: single-tube retest") % tube.barcode,
        )
    reason = HomeReason.RETEST if kind == RecallKind.POSITIVE else HomeReason.RESAMPLE
    # Their home visits are outreach's tasks (testing/signals.py).
    home_sampling_wanted.send(
        sender=Recall,
        actor=actor,
        round=tube.round,
        residents=members,
        reason=reason,
        recall=recall,
    )
    _alert_recall(recall, members)
    audit.record(
        actor=actor,
        action="testing.recall.start",
        obj=recall,
        place=tube.community,
        changes={"members": len(members), "kind": kind},
    )
    return recall


def _alert_recall(recall: Recall, members: list[Resident]) -> None:
    staff = users_with(Capability.RUN_TESTING, recall.tube.community, inherited=False)
    addresses = address_labels([r.household for r in members], within=[recall.tube.community])
    names = "、".join(f"{neutral(r.name)}（{addresses[r.household_id]}）" for r in members)
    if recall.kind == RecallKind.POSITIVE:
        title = _("Positive pool %(tube)s: %(n)d to retest at home — %(names)s")
    else:
        title = _("Invalid tube %(tube)s: %(n)d to sample again — %(names)s")
    text = title % {"tube": recall.tube.barcode, "n": len(members), "names": names}
    notify(
        staff,
        kind="recall",
        title=text[:200],
        body=text[200:500],
        url=reverse("testing:recall", args=[recall.pk]),
    )


def _retest_positive(actor: User, tube: Tube) -> None:
    """A positive single-tube retest: the person stays under control; staff are told."""
    sample = tube.samples.select_related("resident").first()
    if sample is None:
        return
    staff = users_with(Capability.RUN_TESTING, tube.community, inherited=False)
    text = _("Retest positive: %(name)s (tube %(tube)s)") % {
        "name": sample.resident.name,
        "tube": tube.barcode,
    }
    notify(staff, kind="recall", title=text)


def _retest_negative(actor: User, tube: Tube) -> None:
    """A negative single-tube retest ends the person's wait (back to normal)."""
    residents = [
        s.resident
        for s in tube.samples.select_related("resident", "resident__household")
        if s.resident.health_status == HealthStatus.PENDING_RETEST
    ]
    residents_set_status_by_result(
        actor=actor,
        residents=residents,
        status=HealthStatus.NORMAL,
        reason=_("Single-tube retest %s negative") % tube.barcode,
    )
