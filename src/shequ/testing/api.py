"""/api/v1/testing: rounds, coverage and missed lists, exemptions, sites, the swab batch
endpoint, transfers to the lab, results, recalls. Objects outside the user's scope are 404."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from shequ.core.device_items import batch_answers
from shequ.core.pagination import Pages
from shequ.core.roles import Capability
from shequ.core.schemas import errors
from shequ.places.addresses import address_labels
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import get_place_for
from shequ.residents.selectors import get_resident_for
from shequ.testing import ingest, labwork, selectors, services
from shequ.testing.models import Round, Site, Transfer
from shequ.testing.schemas import (
    CoverageOut,
    ExemptionIn,
    MissedOut,
    RecallOut,
    ReceiveIn,
    ResultOut,
    ResultsIn,
    RoundIn,
    RoundOut,
    SiteIn,
    SiteOut,
    SwabBatchIn,
    SwabResultOut,
    TransferIn,
    TransferOut,
)
from shequ.testing.selectors import Coverage

router = Router(tags=["testing"])


def _round(request: HttpRequest, round_id: int) -> Round:
    return selectors.get_round_for(request.user, round_id)


@router.get("/rounds", response=list[RoundOut])
@paginate(Pages, page_size=50)
def rounds(request: HttpRequest, status: str | None = None) -> QuerySet[Round]:
    """Rounds over places you see, newest first."""
    return selectors.rounds_with_places(request.user, status)


@router.post("/rounds", response={201: RoundOut, **errors(403, 404, 409)})
def round_create(request: HttpRequest, payload: RoundIn) -> Status[Round]:
    """A round over places you run testing for."""
    places = [get_place_for(request.user, pk) for pk in payload.place_ids]
    r = services.round_create(
        actor=request.user,
        name=payload.name,
        places=places,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        pool_size=payload.pool_size,
    )
    return Status(201, r)


@router.get("/rounds/{int:round_id}", response={200: RoundOut, **errors(404)})
def round_detail(request: HttpRequest, round_id: int) -> Round:
    return _round(request, round_id)


@router.post("/rounds/{int:round_id}/finish", response={200: RoundOut, **errors(403, 404, 409)})
def round_finish(request: HttpRequest, round_id: int) -> Round:
    return services.round_finish(actor=request.user, round_=_round(request, round_id))


def _within(request: HttpRequest, place_id: int) -> Place:
    return selectors.get_testing_place_for(request.user, place_id)


@router.get("/rounds/{int:round_id}/coverage", response={200: list[CoverageOut], **errors(404)})
def coverage(
    request: HttpRequest, round_id: int, place_id: int, level: str = PlaceKind.BUILDING
) -> list[Coverage]:
    """Residents, sampled, exempt, missed and % per place of `level` (street, community,
    grid, building) under `place_id`."""
    if level not in selectors.LEVELS:
        level = PlaceKind.BUILDING
    return selectors.coverage(_round(request, round_id), _within(request, place_id), level)


@router.get("/rounds/{int:round_id}/missed", response={200: list[MissedOut], **errors(404)})
@paginate(Pages, page_size=100)
def missed(request: HttpRequest, round_id: int, place_id: int) -> list[dict]:
    """Residents under `place_id` not sampled and not exempt (phones masked unless your role
    shows them)."""
    place = _within(request, place_id)
    people = list(selectors.missed(_round(request, round_id), place))
    phones = services.phones_for(request.user, people)
    addresses = address_labels([r.household for r in people], within=[place])
    return [
        {
            "id": r.pk,
            "name": r.name,
            "household": r.household.name,
            "building": r.household.parent.name if r.household.parent else "",
            "address": addresses.get(r.household_id, ""),
            "phone": phones[r.pk],
        }
        for r in people
    ]


@router.post("/rounds/{int:round_id}/exemptions", response={201: dict, **errors(403, 404, 409)})
def exemption_add(request: HttpRequest, round_id: int, payload: ExemptionIn) -> Status[dict]:
    resident = get_resident_for(request.user, payload.resident_id)
    row = services.exemption_add(
        actor=request.user,
        round_=_round(request, round_id),
        resident=resident,
        reason=payload.reason,
        proof=payload.proof,
    )
    return Status(201, {"id": row.pk, "reason": row.reason})


@router.get("/sites", response=list[SiteOut])
def sites(request: HttpRequest) -> QuerySet[Site]:
    """Sites where you may sample."""
    return selectors.sites_with_stations(request.user)


@router.post("/sites", response={201: SiteOut, **errors(403, 404, 409)})
def site_create(request: HttpRequest, payload: SiteIn) -> Status[Site]:
    community = get_place_for(request.user, payload.community_id, kind=PlaceKind.COMMUNITY)
    post = None
    if payload.post_id is not None:
        post = selectors.get_post_of(community, payload.post_id)
    site = services.site_create(
        actor=request.user,
        community=community,
        name=payload.name,
        opens=payload.opens,
        closes=payload.closes,
        stations=payload.stations,
        post=post,
    )
    return Status(201, selectors.get_site_for(request.user, site.pk))


@router.post("/swabs:batch", response=list[SwabResultOut])
def swabs_batch(request: HttpRequest, payload: SwabBatchIn) -> HttpResponse:
    """Swabs and tube closings from station and home-sampling devices (online or queued
    offline), each exactly once per client UUID, answered in order. Up to 1,000 per call."""
    return batch_answers(ingest.swabs_batch(actor=request.user, items=payload.items))


@router.post(
    "/rounds/{int:round_id}/transfers", response={201: TransferOut, **errors(403, 404, 409)}
)
def transfer_create(request: HttpRequest, round_id: int, payload: TransferIn) -> Status[Transfer]:
    """Closed tubes handed to the lab under one transfer number (交接单)."""
    community = get_place_for(request.user, payload.community_id, kind=PlaceKind.COMMUNITY)
    t = labwork.transfer_create(
        actor=request.user,
        round_=_round(request, round_id),
        community=community,
        code=payload.code,
        barcodes=payload.barcodes,
    )
    return Status(201, t)


def _lab_transfer(request: HttpRequest, transfer_id: int) -> Transfer:
    return selectors.get_transfer_for(request.user, transfer_id)


@router.post(
    "/transfers/{int:transfer_id}/receive", response={200: TransferOut, **errors(403, 404, 409)}
)
def transfer_receive(request: HttpRequest, transfer_id: int, payload: ReceiveIn) -> Transfer:
    """The lab's count; a different count is kept as a discrepancy."""
    return labwork.transfer_receive(
        actor=request.user,
        transfer=_lab_transfer(request, transfer_id),
        received_count=payload.received_count,
        note=payload.note,
    )


@router.post(
    "/rounds/{int:round_id}/results", response={200: list[ResultOut], **errors(403, 404, 409)}
)
def results(request: HttpRequest, round_id: int, payload: ResultsIn) -> list[dict]:
    """Results per tube (negative / positive / invalid), each answered; a positive or invalid
    tube recalls its members at once."""
    round_ = selectors.get_round_for(request.user, round_id, Capability.RECORD_RESULTS)
    answers = labwork.results_record(
        actor=request.user,
        round_=round_,
        results=[(r.tube.strip(), r.result) for r in payload.results],
    )
    return [a.__dict__ for a in answers]


@router.get("/recalls/{int:recall_id}", response={200: RecallOut, **errors(404)})
def recall(request: HttpRequest, recall_id: int) -> dict:
    """A recall list: the members with household, building, phone (as your role may see it)
    and whether they have been retested."""
    r = selectors.get_recall_for(request.user, recall_id)
    members = selectors.recall_members(r)
    phones = services.phones_for(request.user, [m["resident"] for m in members])
    return {
        "id": r.pk,
        "kind": r.kind,
        "tube": r.tube.barcode,
        "created_at": r.created_at,
        "members": [
            {
                "resident_id": m["resident"].pk,
                "name": m["resident"].name,
                "household": m["resident"].household.name,
                "building": m["resident"].household.parent.name,
                "address": m["address"],
                "phone": phones[m["resident"].pk],
                "retested": bool(m["retests"]),
            }
            for m in members
        ],
    }
