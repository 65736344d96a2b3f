"""Missed lists and home sampling: the buildings with someone missed, one building's people
with their latest door-to-door outcome (one tap for the next), the missed list as Excel and a
building's as an A4 print for the walk, home
sampling requests, the routes of open home visits given to teams, and a home visit's swab."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.places.addresses import address_labels, attach_addresses
from shequ.places.models import PlaceKind
from shequ.residents.models import Resident
from shequ.testing import exports, ingest, selectors, services, snapshot, walk_pdf
from shequ.testing.forms import DoorOutcomeForm, HomeSwabForm, RouteAssignForm
from shequ.testing.models import HomeReason, HomeStatus, Round, RoundStatus
from shequ.testing.views.common import round_for, scope, within


def _person_rows(request: HttpRequest, round_: Round, people: list[Resident]) -> list[dict]:
    phones = services.phones_for(request.user, people)
    latest = snapshot.latest_outcomes(round_, people)
    home = snapshot.home_requested(round_, people)
    # One building's people: "甲小区 1号楼 101室" (the compound, as on every list).
    addresses = address_labels([r.household for r in people], within=[])
    return [
        {
            "resident": r,
            "address": addresses.get(r.household_id, ""),
            "phone": phones[r.pk],
            "outcome": latest.get(r.pk),
            "outcome_label": snapshot.OUTCOME_LABELS.get(getattr(latest.get(r.pk), "outcome", "")),
            "home_requested": r.pk in home,
        }
        for r in people
    ]


@login_required
def missed(request: HttpRequest, round_id: int) -> HttpResponse:
    """Missed residents: the buildings with someone missed, then one building's people with
    their latest door-to-door outcome and one-tap buttons for the next."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    building = selectors.round_place(
        round_, seen, request.GET.get("building"), kind=PlaceKind.BUILDING
    )
    context: dict[str, Any] = {
        "round": round_,
        "building": building,
        "outcomes": list(snapshot.OUTCOME_LABELS.items()),
        "may_run": building is not None
        and round_.status != RoundStatus.FINISHED
        and selectors.runs_testing_at(request.user, building),
    }
    if building is None:
        place, choices = within(request, round_, seen)
        rows = [c for c in selectors.coverage(round_, place, PlaceKind.BUILDING) if c.missed > 0]
        page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = attach_addresses(page.object_list, lambda c: c, within=[place])
        context.update(
            within=place,
            choices=choices,
            page=page,
        )
        return render(request, "testing/missed_buildings.html", context)
    qs = selectors.missed(round_, building)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context.update(
        page=page,
        people=_person_rows(request, round_, list(page.object_list)),
        building_address=address_labels([building], within=[building])[building.pk],
    )
    return render(request, "testing/missed.html", context)


@login_required
def missed_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    """The missed list of one building (`?building=`) or of every building under a place."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    place = selectors.round_place(round_, seen, request.GET.get("building"), PlaceKind.BUILDING)
    if place is None:
        place, _choices = within(request, round_, seen)
    people = list(selectors.missed(round_, place)[:50_000])
    latest = snapshot.latest_outcomes(round_, people)
    content = exports.missed_workbook(
        round_,
        people,
        services.phones_for(request.user, people, where="testing.missed.xlsx"),
        {pk: o.outcome for pk, o in latest.items()},
    )
    return xlsx_response(content, f"missed-{round_.pk}-{place.code}.xlsx")


@login_required
def missed_pdf(request: HttpRequest, round_id: int, building_id: int) -> HttpResponse:
    """One building's missed list (a building of the round in the user's scope; 404
    otherwise) on A4 in walking order, phones masked, for the door-to-door walk."""
    round_ = round_for(request, round_id)
    building = selectors.round_place(round_, scope(request), building_id, PlaceKind.BUILDING)
    if building is None:
        raise Http404("building")
    people = list(selectors.missed(round_, building)[:5_000])
    latest = snapshot.latest_outcomes(round_, people)
    content = walk_pdf.missed_walk_pdf(
        round_, building, people, {pk: o.outcome for pk, o in latest.items()}
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"missed-{round_.pk}-{building.code}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _back_to_building(round_: Round, resident: Resident) -> HttpResponse:
    url = reverse("testing:missed", kwargs={"round_id": round_.pk})
    return redirect(f"{url}?building={resident.household.parent_id}#r{resident.pk}")


def _person_partial(request: HttpRequest, round_: Round, resident: Resident) -> HttpResponse:
    [row] = _person_rows(request, round_, [resident])
    context = {
        "round": round_,
        "p": row,
        "outcomes": list(snapshot.OUTCOME_LABELS.items()),
        "may_run": True,
    }
    return render(request, "testing/missed_person.html", context)


@login_required
@require_POST
def outcome_record(request: HttpRequest, round_id: int, resident_id: int) -> HttpResponse:
    """One tap at a missed resident's door: reminded, sampled at home, away, refused, not found."""
    round_ = round_for(request, round_id)
    resident = selectors.get_round_resident_for(round_, scope(request), resident_id)
    building = resident.household.parent
    try:
        task = snapshot.door_task_of(round_, building)
        if task is None:
            task = services.door_task_create(
                actor=request.user, round_=round_, building=building, team=None
            )
        form = DoorOutcomeForm(request.POST)
        form.is_valid()  # every field is optional text: the service checks the outcome
        services.door_outcome_record(
            actor=request.user,
            task=task,
            resident=resident,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse("; ".join(exc.errors.values()), status=400)
        messages.error(request, "; ".join(exc.errors.values()))
    if request.htmx:
        return _person_partial(request, round_, resident)
    return _back_to_building(round_, resident)


@login_required
@require_POST
def home_request(request: HttpRequest, round_id: int, resident_id: int) -> HttpResponse:
    """Ask for a missed resident to be sampled at home."""
    round_ = round_for(request, round_id)
    resident = selectors.get_round_resident_for(round_, scope(request), resident_id)
    try:
        services.home_tasks_create(
            actor=request.user, round_=round_, residents=[resident], reason=HomeReason.MISSED
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        if not request.htmx:
            messages.success(request, _("Home sampling requested for %s.") % resident.name)
    if request.htmx:
        return _person_partial(request, round_, resident)
    return _back_to_building(round_, resident)


@login_required
def home_tasks(request: HttpRequest, round_id: int) -> HttpResponse:
    """Open home-sampling tasks as routes (one per building), each given to a team."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    building_ids = snapshot.home_route_buildings(round_, seen)
    page = Paginator(building_ids, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    routes = [
        {
            "building": route.building,
            "tasks": route.tasks,
            "teams": route.teams,
            "may_assign": selectors.runs_testing_at(request.user, route.building),
        }
        for route in snapshot.home_routes(round_, seen, list(page.object_list))
    ]
    context = {"round": round_, "page": page, "routes": routes}
    return render(request, "testing/home_tasks.html", context)


@login_required
@require_POST
def home_assign(request: HttpRequest, round_id: int) -> HttpResponse:
    """Give one building's open home-sampling tasks (a route) to a team of its community."""
    round_ = round_for(request, round_id)
    form = RouteAssignForm(request.POST)
    if not form.is_valid():
        raise Http404("building")
    building = selectors.round_place(
        round_, scope(request), form.cleaned_data["building"], PlaceKind.BUILDING
    )
    if building is None:
        raise Http404("building")
    team = snapshot.community_team(building, form.cleaned_data["team"])
    url = reverse("testing:home_tasks", kwargs={"round_id": round_.pk})
    if team is None:
        messages.error(request, _("Choose a team of this community."))
        return redirect(url)
    tasks = snapshot.open_home_tasks(round_, building)
    try:
        n = services.home_tasks_assign(actor=request.user, tasks=tasks, team=team)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(
            request,
            _("%(n)d home visits in %(building)s given to team %(team)s.")
            % {"n": n, "building": building.name, "team": team.number},
        )
    return redirect(url)


@login_required
def home_swab(request: HttpRequest, task_id: int) -> HttpResponse:
    """Record the swab of a home visit (the same ingest as the stations)."""
    task = selectors.get_home_task_for(request.user, task_id)
    form = HomeSwabForm(request.POST or None, initial={"client_uuid": uuid.uuid4()})
    if request.method == "POST" and task.status == HomeStatus.OPEN and form.is_valid():
        key = str(form.cleaned_data["client_uuid"] or uuid.uuid4())
        now = timezone.now().isoformat()
        base = {"round_id": task.round_id, "tube": form.cleaned_data["tube"], "sampled_at": now}
        items = [
            {
                **base,
                "client_uuid": key,
                "kind": "swab",
                "home_task_id": task.pk,
                "resident_id": task.resident_id,
            }
        ]
        answers = ingest.swabs_batch(actor=request.user, items=items)
        answer = answers[0]
        if answer.status == ingest.REJECTED:
            form.add_error("tube" if answer.field in ("tube", "") else None, answer.message)
        else:
            if form.cleaned_data["close"] and not answer.tube_closed:
                close = {**base, "client_uuid": str(uuid.uuid5(uuid.UUID(key), "close"))}
                ingest.swabs_batch(
                    actor=request.user,
                    items=[{**close, "kind": "close", "home_task_id": task.pk}],
                )
            messages.success(
                request,
                _("%(name)s sampled into tube %(tube)s (%(n)d).")
                % {"name": task.resident.name, "tube": answer.tube, "n": answer.tube_count},
            )
            return redirect("testing:home_tasks", round_id=task.round_id)
    context = {"task": task, "form": form}
    return render(request, "testing/home_swab.html", context)
