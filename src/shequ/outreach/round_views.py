"""Pages of a testing round's door-to-door work (moved here from testing, issue #21): the
buildings with someone missed, one building's people with their latest door outcome (one tap
for the next), sending a building's missed to a team's door, the missed list as Excel and a
building's as an A4 print for the walk, home-sampling requests, the routes of open home visits
given to teams, and a home visit's swab.

Staff who see testing over the place (VIEW_TESTING) open every building of the round there;
the members of a team (and a cadre) given a building of the round's missed walk open that
building and record at its doors, nothing else (404). Writes are `rounds.py`'s."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
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

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.outreach import round_selectors as rs
from shequ.outreach import rounds
from shequ.places.addresses import address_labels, attach_addresses
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing import exports, ingest, selectors, services, snapshot, walk_pdf
from shequ.testing.forms import DoorOutcomeForm, HomeSwabForm, RouteAssignForm
from shequ.testing.models import HomeReason, Round, RoundStatus
from shequ.testing.views.common import round_for, scope, within


class Door:
    """Who opens a round's missed walk: `seen` (VIEW_TESTING places, or None for a team
    member without them) and `mine` (the buildings given to the user's team)."""

    def __init__(self, request: HttpRequest, round_id: int) -> None:
        user = request.user
        found = scope_for(user, Capability.VIEW_TESTING)
        self.seen: Scope | None = None if found.is_empty else found
        self.round: Round | None = None
        if self.seen is not None:
            try:
                self.round = selectors.get_round_for(user, round_id)
            except Http404:
                self.seen = None
        if self.round is None:
            if found.is_empty and not rs.has_assignments(user):
                raise PermissionDenied(_("Your role does not see testing rounds."))
            self.round = rs.get_assigned_round_for(user, round_id)
        self.mine = {b.pk: b for b in rs.assigned_buildings(user, self.round)}

    def building(self, value: Any) -> Place | None:
        """The building `?building=` names: one of the round in the user's places, or one
        given to their team; None when not named; 404 otherwise."""
        if value in (None, ""):
            return None
        if str(value).isdigit() and int(value) in self.mine:
            return self.mine[int(value)]
        if self.seen is None:
            raise Http404("building")
        return selectors.round_place(self.round, self.seen, value, kind=PlaceKind.BUILDING)

    def resident(self, pk: Any) -> Resident:
        """A resident of the round in the user's places or in a building given to them."""
        if self.seen is not None:
            try:
                return selectors.get_round_resident_for(self.round, self.seen, pk)
            except Http404:
                pass
        return rs.get_resident_in(list(self.mine), pk)

    def may_record(self, request: HttpRequest, building: Place) -> bool:
        return building.pk in self.mine or selectors.runs_testing_at(request.user, building)


def _person_rows(request: HttpRequest, round_: Round, people: list[Resident]) -> list[dict]:
    phones = services.phones_for(request.user, people)
    latest = rs.latest_outcomes(round_, people)
    home = rs.home_requested(round_, people)
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
    """Missed residents: the buildings with someone missed (for a team: the buildings given
    to it), then one building's people with their latest door-to-door outcome and one-tap
    buttons for the next."""
    door = Door(request, round_id)
    round_ = door.round
    building = door.building(request.GET.get("building"))
    running = round_.status != RoundStatus.FINISHED
    context: dict[str, Any] = {
        "round": round_,
        "building": building,
        "outcomes": list(snapshot.OUTCOME_LABELS.items()),
        "may_run": building is not None and running and door.may_record(request, building),
        "may_run_testing": building is not None
        and running
        and selectors.runs_testing_at(request.user, building),
        "staff": door.seen is not None,
    }
    if building is None:
        if door.seen is None:
            return render(
                request,
                "outreach/rounds/missed_mine.html",
                {**context, "buildings": _mine_rows(round_, list(door.mine.values()))},
            )
        place, choices = within(request, round_, door.seen)
        rows = [c for c in selectors.coverage(round_, place, PlaceKind.BUILDING) if c.missed > 0]
        page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = attach_addresses(page.object_list, lambda c: c, within=[place])
        context.update(within=place, choices=choices, page=page)
        return render(request, "outreach/rounds/missed_buildings.html", context)
    qs = selectors.missed(round_, building)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context.update(
        page=page,
        people=_person_rows(request, round_, list(page.object_list)),
        building_address=address_labels([building], within=[building])[building.pk],
        teams=rs.community_teams(building) if context["may_run_testing"] else [],
    )
    return render(request, "outreach/rounds/missed.html", context)


def _mine_rows(round_: Round, buildings: list[Place]) -> list[SimpleNamespace]:
    """The buildings given to the user's team, with how many are missed in each."""
    rows = [
        SimpleNamespace(building=b, missed=selectors.missed(round_, b).count()) for b in buildings
    ]
    return attach_addresses(rows, lambda r: r.building, within=[])


@login_required
@require_POST
def missed_send(request: HttpRequest, round_id: int) -> HttpResponse:
    """Send one building's missed residents to the door, given to a team of its community."""
    round_ = round_for(request, round_id)
    form = RouteAssignForm(request.POST)
    if not form.is_valid():
        raise Http404("building")
    building = selectors.round_place(
        round_, scope(request), form.cleaned_data["building"], PlaceKind.BUILDING
    )
    if building is None:
        raise Http404("building")
    url = reverse("outreach_rounds:missed", kwargs={"round_id": round_.pk})
    url = f"{url}?building={building.pk}"
    team = rs.community_team(building, form.cleaned_data["team"])
    if team is None:
        messages.error(request, _("Choose a team of this community."))
        return redirect(url)
    try:
        tasks = rounds.missed_send(actor=request.user, round_=round_, building=building, team=team)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(
            request,
            _("%(building)s given to team %(team)s (%(n)d new to visit).")
            % {"building": building.name, "team": team.number, "n": len(tasks)},
        )
    return redirect(url)


@login_required
def missed_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    """The missed list of one building (`?building=`) or of every building under a place."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    place = selectors.round_place(round_, seen, request.GET.get("building"), PlaceKind.BUILDING)
    if place is None:
        place, _choices = within(request, round_, seen)
    people = list(selectors.missed(round_, place)[:50_000])
    latest = rs.latest_outcomes(round_, people)
    content = exports.missed_workbook(
        round_,
        people,
        services.phones_for(request.user, people, where="testing.missed.xlsx"),
        {pk: o.outcome for pk, o in latest.items()},
    )
    return xlsx_response(content, f"missed-{round_.pk}-{place.code}.xlsx")


@login_required
def missed_pdf(request: HttpRequest, round_id: int, building_id: int) -> HttpResponse:
    """One building's missed list (a building of the round in the user's scope, or given to
    their team; 404 otherwise) on A4 in walking order, phones masked, for the walk."""
    door = Door(request, round_id)
    building = door.building(building_id)
    if building is None:
        raise Http404("building")
    people = list(selectors.missed(door.round, building)[:5_000])
    latest = rs.latest_outcomes(door.round, people)
    content = walk_pdf.missed_walk_pdf(
        door.round, building, people, {pk: o.outcome for pk, o in latest.items()}
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"missed-{door.round.pk}-{building.code}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _back_to_building(round_: Round, resident: Resident) -> HttpResponse:
    url = reverse("outreach_rounds:missed", kwargs={"round_id": round_.pk})
    return redirect(f"{url}?building={resident.household.parent_id}#r{resident.pk}")


def _person_partial(
    request: HttpRequest, round_: Round, resident: Resident, may_run_testing: bool
) -> HttpResponse:
    [row] = _person_rows(request, round_, [resident])
    context = {
        "round": round_,
        "p": row,
        "outcomes": list(snapshot.OUTCOME_LABELS.items()),
        "may_run": True,
        "may_run_testing": may_run_testing,
    }
    return render(request, "outreach/rounds/missed_person.html", context)


@login_required
@require_POST
def outcome_record(request: HttpRequest, round_id: int, resident_id: int) -> HttpResponse:
    """One tap at a missed resident's door: reminded, sampled at home, away, refused, not found."""
    door = Door(request, round_id)
    resident = door.resident(resident_id)
    form = DoorOutcomeForm(request.POST)
    form.is_valid()  # every field is optional text: the service checks the outcome
    try:
        rounds.door_outcome_record(
            actor=request.user,
            round_=door.round,
            resident=resident,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse("; ".join(exc.errors.values()), status=400)
        messages.error(request, "; ".join(exc.errors.values()))
    if request.htmx:
        runs = selectors.runs_testing_at(request.user, resident.household.parent)
        return _person_partial(request, door.round, resident, runs)
    return _back_to_building(door.round, resident)


@login_required
@require_POST
def home_request(request: HttpRequest, round_id: int, resident_id: int) -> HttpResponse:
    """Ask for a missed resident to be sampled at home."""
    round_ = round_for(request, round_id)
    resident = selectors.get_round_resident_for(round_, scope(request), resident_id)
    try:
        rounds.home_tasks_create(
            actor=request.user, round_=round_, residents=[resident], reason=HomeReason.MISSED
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        if not request.htmx:
            messages.success(request, _("Home sampling requested for %s.") % resident.name)
    if request.htmx:
        return _person_partial(request, round_, resident, True)
    return _back_to_building(round_, resident)


@login_required
def home_tasks(request: HttpRequest, round_id: int) -> HttpResponse:
    """Open home-sampling visits as routes (one per building), each given to a team."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    building_ids = rs.home_route_buildings(round_, seen)
    page = Paginator(building_ids, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    routes = [
        {
            "building": route.building,
            "tasks": route.tasks,
            "team": route.team,
            "teams": route.teams,
            "may_assign": selectors.runs_testing_at(request.user, route.building),
        }
        for route in rs.home_routes(round_, seen, list(page.object_list))
    ]
    context = {"round": round_, "page": page, "routes": routes}
    return render(request, "outreach/rounds/home_tasks.html", context)


@login_required
@require_POST
def home_assign(request: HttpRequest, round_id: int) -> HttpResponse:
    """Give one building's open home visits (a route) to a team of its community."""
    round_ = round_for(request, round_id)
    form = RouteAssignForm(request.POST)
    if not form.is_valid():
        raise Http404("building")
    building = selectors.round_place(
        round_, scope(request), form.cleaned_data["building"], PlaceKind.BUILDING
    )
    if building is None:
        raise Http404("building")
    team = rs.community_team(building, form.cleaned_data["team"])
    url = reverse("outreach_rounds:home_tasks", kwargs={"round_id": round_.pk})
    if team is None:
        messages.error(request, _("Choose a team of this community."))
        return redirect(url)
    try:
        n = rounds.home_tasks_assign(
            actor=request.user, round_=round_, building=building, team=team
        )
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
    task = rs.get_home_task_for(request.user, task_id)
    round_id = task.campaign.round_id
    pending = rs.is_pending(task)
    form = HomeSwabForm(request.POST or None, initial={"client_uuid": uuid.uuid4()})
    if request.method == "POST" and pending and form.is_valid():
        key = str(form.cleaned_data["client_uuid"] or uuid.uuid4())
        now = timezone.now().isoformat()
        base = {"round_id": round_id, "tube": form.cleaned_data["tube"], "sampled_at": now}
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
            if selectors.runs_testing_at(request.user, task.building):
                return redirect("outreach_rounds:home_tasks", round_id=round_id)
            return redirect("web:home")
    context = {
        "task": task,
        "form": form,
        "pending": pending,
        "reason": HomeReason(task.reason).label if task.reason in HomeReason.values else "",
    }
    return render(request, "outreach/rounds/home_swab.html", context)
