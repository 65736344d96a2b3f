"""Registry changes found at a door, for staff to confirm: a new arrival (住进来的新人) becomes a
proposed resident, confirmed into the registry through residents' services; a returnee
(返乡人员: came back from where) gets a proposal of the returnee tag and a health-monitoring
status, applied through residents' services when staff approve it. Nothing reaches the
registry before a person with EDIT_RESIDENTS over the household confirms it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, pii
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.outreach.models import Proposal, ProposalKind, ProposalStatus, Task, Visit
from shequ.outreach.questions import bad_text
from shequ.residents import selectors as residents
from shequ.residents import services as residents_services
from shequ.residents.models import HealthStatus, Tag

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.residents.models import Resident

PEOPLE_MAX = 10
# What a returnee is proposed for: home health monitoring (居家健康监测), staff may change it.
RETURNEE_STATUS = HealthStatus.HOME_MONITORING
MANAGE = Capability.EDIT_RESIDENTS


@dataclass
class Person:
    kind: str
    name: str
    document_number: str
    phone: str
    came_from: str
    arrived_on: dt.date | None


def _text(raw: dict[str, Any], key: str, limit: int, field: str) -> str:
    value = raw.get(key) or ""
    if not isinstance(value, str) or len(value.strip()) > limit or bad_text(value):
        raise ValidationError({field: _("At most %d characters of text.") % limit})
    return value.strip()


def read_people(people: Any) -> list[Person]:
    """The people found at a door, checked: each a new arrival (name needed) or a returnee
    (where from needed); a bad one is named "people.<n>.<field>"."""
    if not people:
        return []
    if not isinstance(people, list | tuple) or len(people) > PEOPLE_MAX:
        raise ValidationError({"people": _("List at most %d people.") % PEOPLE_MAX})
    out = []
    for n, raw in enumerate(people, 1):
        field = f"people.{n}"
        if not isinstance(raw, dict):
            raise ValidationError({field: _("Person %d: send an object.") % n})
        kind = raw.get("kind")
        if kind not in ProposalKind.values:
            raise ValidationError(
                {f"{field}.kind": _("Person %d: a new arrival or a returnee?") % n}
            )
        name = _text(raw, "name", 50, f"{field}.name")
        came_from = _text(raw, "came_from", 100, f"{field}.came_from")
        if kind == ProposalKind.NEW_ARRIVAL and not name:
            raise ValidationError(
                {f"{field}.name": _("Person %d: write the new arrival's name.") % n}
            )
        if kind == ProposalKind.RETURNEE and not came_from:
            raise ValidationError(
                {f"{field}.came_from": _("Person %d: write where the returnee came back from.") % n}
            )
        arrived_on = None
        if raw.get("arrived_on"):
            try:
                arrived_on = dt.date.fromisoformat(str(raw["arrived_on"]))
            except ValueError:
                raise ValidationError(
                    {f"{field}.arrived_on": _("Person %d: give the day as YYYY-MM-DD.") % n}
                ) from None
            if arrived_on > timezone.localdate():
                raise ValidationError(
                    {
                        f"{field}.arrived_on": _("Person %d: the day of arrival is in the future.")
                        % n
                    }
                )
        document = pii.normalize_document(
            _text(raw, "document_number", 30, f"{field}.document_number")
        )
        phone = pii.normalize_phone(_text(raw, "phone", 30, f"{field}.phone"))
        out.append(Person(kind, name, document, phone, came_from, arrived_on))
    return out


def propose(*, task: Task, visit: Visit, people: list[Person]) -> list[Proposal]:
    """The proposals for `people` (inside outcome_record's transaction). A returnee with no
    name at a per-resident door is that resident."""
    now = timezone.now()
    made = []
    for p in people:
        resident_id = None
        if p.kind == ProposalKind.RETURNEE and task.resident_id and not p.name:
            resident_id = task.resident_id
        made.append(
            Proposal(
                task=task,
                visit=visit,
                kind=p.kind,
                household_id=task.household_id,
                resident_id=resident_id,
                name=p.name or (task.resident.name if resident_id else ""),
                document_number=p.document_number,
                phone=p.phone,
                came_from=p.came_from,
                arrived_on=p.arrived_on,
                proposed_status=RETURNEE_STATUS if p.kind == ProposalKind.RETURNEE else "",
                created_at=now,
            )
        )
    return Proposal.objects.bulk_create(made) if made else []


def _open(proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(
            {"status": _("This proposal was %s already.") % proposal.get_status_display()}
        )


def _returnee_resident(actor: User, proposal: Proposal, resident: Resident | None) -> Resident:
    if resident is None and proposal.resident_id:
        resident = proposal.resident
    if resident is None:
        same = list(
            residents.residents_for(actor, household=proposal.household, write=True).filter(
                name=proposal.name
            )[:2]
        )
        if len(same) == 1:
            resident = same[0]
    if resident is None or resident.household_id != proposal.household_id:
        raise ValidationError({"resident": _("Choose who of this household came back.")})
    return resident


@transaction.atomic
def proposal_confirm(
    *,
    actor: User,
    proposal: Proposal,
    name: str = "",
    document_number: str = "",
    phone: str = "",
    resident: Resident | None = None,
    status: str = "",
) -> Proposal:
    """Staff confirm: a new arrival is registered as a resident of the household (the document
    number given here if the door had none); a returnee gets the returnee tag and the proposed
    health status (or `status`)."""
    require(actor, MANAGE, proposal.household)
    _open(proposal)
    if proposal.kind == ProposalKind.NEW_ARRIVAL:
        created = residents_services.resident_create(
            actor=actor,
            household=proposal.household,
            name=(name or proposal.name).strip(),
            document_number=document_number or proposal.document_number,
            phone=phone or proposal.phone,
            notes=_("New arrival from %s (door-to-door)") % proposal.came_from
            if proposal.came_from
            else _("New arrival (door-to-door)"),
        )
        proposal.resident = created
    else:
        target = _returnee_resident(actor, proposal, resident)
        chosen = status or proposal.proposed_status or RETURNEE_STATUS
        if chosen not in HealthStatus.values:
            raise ValidationError({"status": _("Choose one of the listed statuses.")})
        if Tag.RETURNEE not in target.tag_list:
            residents_services.resident_update(
                actor=actor, resident=target, tags=[*target.tag_list, Tag.RETURNEE]
            )
        if target.health_status != chosen:
            residents_services.resident_set_status(
                actor=actor,
                resident=target,
                status=chosen,
                reason=(_("Returned from %s") % proposal.came_from)[:200],
            )
        proposal.resident, proposal.proposed_status = target, chosen
    proposal.status = ProposalStatus.CONFIRMED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(
        update_fields=["resident", "proposed_status", "status", "decided_by", "decided_at"]
    )
    audit.record(
        actor=actor, action="outreach.proposal_confirm", obj=proposal,
        place=proposal.household, changes={"kind": proposal.kind, "resident": proposal.resident_id},
    )  # fmt: skip
    return proposal


@transaction.atomic
def proposal_reject(*, actor: User, proposal: Proposal, note: str = "") -> Proposal:
    """Staff reject a proposal (nobody new after all, a mistake at the door); it stays listed."""
    require(actor, MANAGE, proposal.household)
    _open(proposal)
    note = (note or "").strip()
    if len(note) > 200 or bad_text(note):
        raise ValidationError({"note": _("Keep the note under 200 characters.")})
    proposal.status, proposal.decision_note = ProposalStatus.REJECTED, note
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    audit.record(
        actor=actor, action="outreach.proposal_reject", obj=proposal, place=proposal.household
    )
    return proposal
