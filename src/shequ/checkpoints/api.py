"""/api/v1/checkpoints: gates, the gate page's offline snapshot, the passage batch endpoint,
entry passes, gate rules, the passage log and gate figures. Through the same selectors and
services as the pages: objects outside the user's scope are 404, an action the role may not
do there is 403 with the reason."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from shequ.checkpoints import ingest, selectors, services, snapshot
from shequ.checkpoints.models import EntryPass, Passage
from shequ.checkpoints.schemas import (
    GateOut,
    HourOut,
    PassageBatchIn,
    PassageOut,
    PassageResultOut,
    PassChangeIn,
    PassIn,
    PassOut,
    PassReissueIn,
    RulesIn,
    RulesOut,
)
from shequ.core.device_items import batch_answers
from shequ.core.pagination import Pages
from shequ.core.roles import Capability
from shequ.core.schemas import errors
from shequ.core.times import Day
from shequ.places.addresses import attach_addresses, scope_paths
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import get_place_for

router = Router(tags=["checkpoints"])


@router.post("/passages:batch", response=list[PassageResultOut])
def passages_batch(request: HttpRequest, payload: PassageBatchIn) -> HttpResponse:
    """Passages recorded at gates (online or queued offline), each exactly once per client
    UUID, answered in order: created (with the server's decision), duplicate (with the first
    recording's decision) or rejected (with the field and the fix). Up to 1,000 per call."""
    return batch_answers(ingest.passages_batch(actor=request.user, items=payload.items))


@router.get("/gates", response=list[GateOut])
def gates(request: HttpRequest) -> list[dict]:
    """Gates where you may record passages."""
    return [
        {
            "id": g.pk,
            "name": g.name,
            "community_id": g.community_id,
            "community": g.community.name,
            "address": g.address,
        }
        for g in attach_addresses(selectors.gates_for(request.user), lambda g: g.place)
    ]


@router.get("/gates/{int:gate_id}/snapshot", response={200: dict, **errors(403, 404)})
def gate_snapshot(request: HttpRequest, gate_id: int) -> dict[str, Any]:
    """Everything the gate page keeps to decide offline for the people of the gate's compound
    (rules, passes with their QR text, residents with the last 4 of their ID number, zones,
    recent exits), and `expires_at`, when the phone drops it. For those who guard gates there,
    or who are on a shift at this gate (from 30 minutes before it to its end); 403 for anyone
    else who may open the gate page, 404 for everyone else."""
    gate = selectors.get_gate_for(request.user, gate_id)
    until = snapshot.gate_snapshot_until(request.user, gate)
    return snapshot.gate_snapshot(gate, until=until)


def _pass(request: HttpRequest, pass_id: int) -> EntryPass:
    return selectors.get_pass_for(request.user, pass_id)


def _pass_addresses(request: HttpRequest, items: list[EntryPass]) -> None:
    within = scope_paths(request.user, Capability.ISSUE_PASSES)
    attach_addresses(items, lambda p: p.household, within=within)


def _passage_addresses(request: HttpRequest, items: list[Passage]) -> None:
    within = scope_paths(request.user, Capability.VIEW_PASSAGES)
    attach_addresses(items, selectors.home_of, within=within)


@router.get("/passes", response=list[PassOut])
@paginate(Pages, page_size=100, each_page=_pass_addresses)
def passes(request: HttpRequest, community_id: int | None = None) -> QuerySet[EntryPass]:
    """Entry passes you issue, optionally of one community."""
    return selectors.passes_by_id(request.user, community_id)


@router.post("/passes", response={201: PassOut, **errors(403, 404, 409)})
def pass_issue(request: HttpRequest, payload: PassIn) -> tuple[int, EntryPass]:
    """Issue a household's entry pass (holders: everyone living there unless listed)."""
    household = get_place_for(request.user, payload.household_id, kind=PlaceKind.HOUSEHOLD)
    holders = None
    if payload.holder_ids is not None:
        holders = selectors.residents_by_id(
            payload.holder_ids, community=services.community_of(household)
        )
    p = services.pass_issue(
        actor=request.user,
        household=household,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        holders=holders,
    )
    return 201, p


@router.get("/passes/{int:pass_id}", response={200: PassOut, **errors(404)})
def pass_detail(request: HttpRequest, pass_id: int) -> EntryPass:
    return _pass(request, pass_id)


@router.post("/passes/{int:pass_id}/revoke", response={200: PassOut, **errors(403, 404, 409)})
def pass_revoke(request: HttpRequest, pass_id: int, payload: PassChangeIn) -> EntryPass:
    """Revoke a pass: its QR code is refused at every gate from now on."""
    return services.pass_revoke(
        actor=request.user, entry_pass=_pass(request, pass_id), reason=payload.reason
    )


@router.post("/passes/{int:pass_id}/lost", response={200: PassOut, **errors(403, 404, 409)})
def pass_lost(request: HttpRequest, pass_id: int, payload: PassChangeIn) -> EntryPass:
    """The household lost its pass: the printed copy stops working until reissued."""
    return services.pass_report_lost(
        actor=request.user, entry_pass=_pass(request, pass_id), note=payload.reason
    )


@router.post("/passes/{int:pass_id}/reissue", response={200: PassOut, **errors(403, 404, 409)})
def pass_reissue(request: HttpRequest, pass_id: int, payload: PassReissueIn) -> EntryPass:
    """A new copy (new version): every earlier copy is refused."""
    return services.pass_reissue(
        actor=request.user, entry_pass=_pass(request, pass_id), valid_until=payload.valid_until
    )


def _community(request: HttpRequest, community_id: int, capability: str) -> Place:
    return selectors.get_community_for(request.user, community_id, capability)


@router.get("/communities/{int:community_id}/rules", response={200: RulesOut, **errors(404)})
def rules(request: HttpRequest, community_id: int) -> dict:
    """The gate rules in force (the defaults with the community's changes) and their version."""
    community = _community(request, community_id, Capability.VIEW_PASSAGES)
    version, full = services.current_rules(community)
    return {"community_id": community.pk, "version": version, "rules": full}


@router.put(
    "/communities/{int:community_id}/rules", response={200: RulesOut, **errors(403, 404, 409)}
)
def rules_set(request: HttpRequest, community_id: int, payload: RulesIn) -> dict:
    """A new version of the gate rules: the changes from the defaults."""
    community = _community(request, community_id, Capability.VIEW_PASSAGES)
    services.rules_set(actor=request.user, community=community, rules=payload.rules)
    version, full = services.current_rules(community)
    return {"community_id": community.pk, "version": version, "rules": full}


# 404: a community or gate id beyond 64 bits (SQLite cannot compare with it: "Not found").
@router.get("/passages", response={200: list[PassageOut], **errors(404)})
@paginate(Pages, page_size=100, each_page=_passage_addresses)
def passages(
    request: HttpRequest,
    community_id: int | None = None,
    gate_id: int | None = None,
    day: Day | None = None,
    decision: str | None = None,
    alert: bool | None = None,
) -> QuerySet[Passage]:
    """The passage log (newest first) of the communities you see, filtered."""
    return selectors.passage_log(
        request.user,
        community_id=community_id,
        gate_id=gate_id,
        day=day,
        decision=decision,
        alert=alert,
    )


@router.get("/communities/{int:community_id}/hours", response={200: list[HourOut], **errors(404)})
def hours(request: HttpRequest, community_id: int, day: Day | None = None) -> list[dict]:
    """Per gate per hour: passages in, out, and refused."""
    community = _community(request, community_id, Capability.VIEW_PASSAGES)
    return [h.__dict__ for h in selectors.gate_hours(community, day or timezone.localdate())]
