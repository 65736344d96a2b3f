"""Pages: the resident list, a resident, edit and status forms, and the import with progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import import_views, imports
from shequ.core.bidi import neutral
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response
from shequ.core.import_views import ImportPage
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for
from shequ.places.addresses import address_labels, attach_addresses, scope_paths
from shequ.places.models import Place
from shequ.residents import picker, privacy, selectors, services
from shequ.residents.forms import ImportForm, ResidentForm, StatusForm
from shequ.residents.import_template import template_workbook
from shequ.residents.models import HealthStatus, Tag


def _address(request: HttpRequest, household: Place) -> str:
    """The flat's address as the user's lists say it (with the community above one)."""
    within = scope_paths(request.user, Capability.VIEW_RESIDENTS)
    return address_labels([household], within=within)[household.pk]


def _why(request: HttpRequest) -> str:
    """The optional reason a user gives for looking at full numbers (kept in the audit log)."""
    return request.GET.get("why", "").strip()[: privacy.WHY_MAX]


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    """Paginated, filtered by building, tag, status and text (name, or exact ID / phone).
    A role that sees no resident anywhere is refused (403), not shown an empty filter form."""
    if scope_for(request.user, Capability.VIEW_RESIDENTS).is_empty:
        raise PermissionDenied(refusal(Capability.VIEW_RESIDENTS))
    text = request.GET.get("q", "").strip()[:50]
    search = selectors.text_search(request.user, text)
    tag = request.GET.get("tag", "")
    status = request.GET.get("status", "")
    building_id = request.GET.get("building", "")
    buildings = selectors.building_choices(request.user)
    building = selectors.building_in_scope(request.user, building_id)
    qs = selectors.residents_for(
        request.user,
        text=text,
        building=building,
        tag=tag if tag in Tag.values else None,
        status=status if status in HealthStatus.values else None,
    )
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    people = attach_addresses(
        page.object_list,
        lambda r: r.household,
        within=scope_paths(request.user, Capability.VIEW_RESIDENTS),
    )
    shown = privacy.residents_shown(
        request.user,
        people,
        where="residents.list",
        why=_why(request),
        search=search if search.exact else None,
    )
    context = {
        "page": page,
        "rows": [(r, shown[r.pk]) for r in people],
        "q": text,
        "why": _why(request),
        "names_only": search.names_only,
        "numbers_searchable": not scope_for(request.user, Capability.VIEW_PII).is_empty,
        "tag": tag,
        "status": status,
        "building_id": building.pk if building else "",
        "buildings": buildings,
        "tags": Tag.choices,
        "statuses": HealthStatus.choices,
        "may_import": selectors.may_import(request.user),
    }
    template = "residents/list.html#results" if request.htmx else "residents/list.html"
    return render(request, template, context)


@login_required
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident_for(request.user, resident_id)
    others = [m for m in selectors.household_members(resident) if m.pk != resident.pk]
    shown = privacy.residents_shown(
        request.user, [resident, *others], where="residents.detail", why=_why(request)
    )
    return render(
        request,
        "residents/detail.html",
        {
            "resident": resident,
            "address": _address(request, resident.household),
            "shown": shown[resident.pk],
            "members": [(m, shown[m.pk]) for m in others],
            "history": selectors.status_history(resident)[:50],
            "may_edit": selectors.may_edit(request.user, resident),
        },
    )


def _household(request: HttpRequest, pk: str) -> Place:
    place = picker.registrable_household(request.user, pk)
    if place is None:  # the list offered only these: the flat left the user's scope meanwhile
        raise ValidationError(
            {"household": _("This flat is not among the places where you may register residents.")}
        )
    return place


def _picked_in(data: Any) -> dict[str, str]:
    return {level: str(data.get(level, "")).strip()[:20] for level in picker.LEVELS}


def _address_form(request: HttpRequest, initial: dict[str, Any]) -> tuple[ResidentForm, bool]:
    """The resident form with the address steps for what is picked so far, and whether the
    post only asked for the next step's choices (the "show" button, without JavaScript): then
    the form comes back unsaved, every value kept, no error shown yet."""
    posted = request.method == "POST"
    picked = _picked_in(request.POST if posted else initial)
    choices = picker.address_choices(
        request.user,
        compound=picked["compound"],
        building=picked["building"],
        unit=picked["unit"],
    )
    if posted and "pick" in request.POST:
        kept = {
            name: request.POST.getlist(name) if name == "tags" else request.POST.get(name, "")
            for name in ResidentForm.base_fields
        }
        return ResidentForm(initial={**kept, **choices.picked}, address=choices), True
    form = ResidentForm(request.POST if posted else None, initial=initial, address=choices)
    return form, False


def _resident_fields(data: dict) -> dict:
    return {f: data[f] for f in services.EDITABLE if f in data}


@login_required
def resident_new(request: HttpRequest) -> HttpResponse:
    if not selectors.may_import(request.user):
        raise PermissionDenied(_("Your role may not register residents."))
    # ?household=<id> (from a flat's page) starts with that flat picked.
    start = picker.registrable_household(request.user, request.GET.get("household", ""))
    form, picking = _address_form(request, picker.picked_of(start) if start else {})
    if request.method == "POST" and not picking and form.is_valid():
        try:
            household = _household(request, form.cleaned_data["household"])
            resident = services.resident_create(
                actor=request.user, household=household, **_resident_fields(form.cleaned_data)
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("%s is registered.") % neutral(resident.name))
            return redirect("residents:detail", resident_id=resident.pk)
    return render(request, "residents/form.html", {"form": form, "resident": None})


@login_required
def resident_edit(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident_for(request.user, resident_id, Capability.EDIT_RESIDENTS)
    initial = {
        **{
            f: getattr(resident, f)
            for f in (
                "name",
                "gender",
                "birth_date",
                "document_type",
                "phone",
                "relation",
                "occupancy",
                "notes",
            )
        },
        "document_number": resident.document_number,
        **picker.picked_of(resident.household),
        "tags": resident.tag_list,
    }
    form, picking = _address_form(request, initial)
    full = selectors.may_see_pii(request.user, resident)
    if not full:
        # Whoever may not read the ID number, phone and birth date may not see them in a form
        # either (nor change them: the service refuses, see privacy.FULL_VIEW_FIELDS).
        for field in privacy.FULL_VIEW_FIELDS:
            del form.fields[field]
    if request.method == "POST" and not picking and form.is_valid():
        fields = _resident_fields(form.cleaned_data)
        try:
            household = _household(request, form.cleaned_data["household"])
            resident = services.resident_update(actor=request.user, resident=resident, **fields)
            if household.pk != resident.household_id:
                resident = services.resident_move(
                    actor=request.user, resident=resident, household=household
                )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Saved."))
            return redirect("residents:detail", resident_id=resident.pk)
    if full:  # the form holds the full numbers
        privacy.residents_shown(request.user, [resident], where="residents.edit", why=_why(request))
    return render(
        request,
        "residents/form.html",
        {"form": form, "resident": resident, "address": _address(request, resident.household)},
    )


@login_required
def address_choices(request: HttpRequest) -> JsonResponse:
    """The next steps' choices for what is picked so far, as JSON for shequ.js (the form's
    lists refill without sending the form): {"building": [[id, label], …], "unit": …}."""
    if not selectors.may_import(request.user):
        raise PermissionDenied(_("Your role may not register residents."))
    picked = _picked_in(request.GET)
    choices = picker.address_choices(
        request.user,
        compound=picked["compound"],
        building=picked["building"],
        unit=picked["unit"],
    )
    return JsonResponse({level: getattr(choices, level) for level in picker.LEVELS})


@login_required
def resident_status(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident_for(request.user, resident_id, Capability.EDIT_RESIDENTS)
    form = StatusForm(request.POST or None, initial={"status": resident.health_status})
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_set_status(actor=request.user, resident=resident, **form.cleaned_data)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Health status changed."))
            return redirect("residents:detail", resident_id=resident.pk)
    return render(request, "residents/status.html", {"form": form, "resident": resident})


IMPORT = ImportPage(
    kind="residents",
    title=gettext_lazy("Import residents"),
    intro=gettext_lazy(
        "Upload the community's list as .xlsx or .csv (UTF-8 or GB18030). Every row is checked "
        "first; if any row is wrong nothing is imported and you get the list of problems. "
        "Importing the same file again changes nothing."
    ),
    upload_url="residents:import",
    job_url="residents:import_job",
    errors_url="residents:import_errors",
    template_url="residents:import_template",
)


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.editable_communities(request.user)[:500])
    if not communities:
        raise PermissionDenied(_("Your role may not import residents."))
    form = ImportForm(request.POST or None, request.FILES or None, communities=communities)
    if len(communities) == 1:
        form.fields["community"].initial = communities[0].code
    return import_views.upload_page(
        request,
        IMPORT,
        form,
        job_args=lambda data: {
            "place": selectors.import_target(request.user, data["community"]),
            "options": {"skip_invalid": data["skip_invalid"], "dry_run": data["dry_run"]},
        },
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(template_workbook(), "residents-template.xlsx")


@login_required
def import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress while running (htmx polls the partial), then the summary and the errors."""
    job = imports.get_import_job_for(request.user, job_id)
    done = [import_views.Link(_("See the residents"), reverse("residents:list"))]
    return import_views.job_page(request, IMPORT, job, done=done)


@login_required
def import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    return import_views.errors_download(request, IMPORT, job_id)
