"""Pages: inspections in scope, recording a visit against the plan's checklist, one visit
with its findings and rectifications, the rectification list (overdue first), one task with
its follow-ups, and the summary for the HQ."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.inspections import exports, selectors, services
from shequ.inspections.forms import (
    ChecklistForm,
    FollowUpForm,
    PhotoForm,
    PlanForm,
    PremisesForm,
    RectificationForm,
)
from shequ.inspections.models import Result, Section, TaskStatus
from shequ.inspections.photos import read_photo


def _inspector(request: HttpRequest) -> None:
    if not selectors.may_inspect(request.user):
        raise PermissionDenied(_("Only inspectors and the city HQ record inspections."))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Visits in scope, newest first, with the overdue rectifications on top."""
    if not selectors.may_see(request.user):
        raise PermissionDenied(_("Your role sees no inspections."))
    page = Paginator(selectors.visits_for(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inspections/home.html",
        {
            "page": page,
            "may_inspect": selectors.may_inspect(request.user),
            "may_plan": selectors.may_plan(request.user),
            "overdue": list(selectors.task_list(request.user, "overdue")[:20]),
            "open_count": selectors.open_count(request.user),
        },
    )


@login_required
def new_visit(request: HttpRequest) -> HttpResponse:
    """Record a visit: choose the plan, then the place or premises, then a result per item."""
    _inspector(request)
    plans = list(selectors.plans_for(request.user)[:100])
    plan = (
        selectors.get_plan_for(request.user, request.GET["plan"]) if "plan" in request.GET else None
    )
    errors: dict[str, str] = {}
    if request.method == "POST" and plan is not None:
        results = {
            item.pk: (
                request.POST.get(f"item_{item.pk}", ""),
                request.POST.get(f"note_{item.pk}", ""),
            )
            for item in selectors.plan_items(plan)
        }
        target = request.POST.get("target", "")
        try:
            kind, _sep, pk = target.partition(":")
            place = selectors.get_target_for(request.user, pk) if kind == "place" else None
            premises = selectors.get_premises_for(request.user, pk) if kind == "premises" else None
            visit = services.visit_record(
                actor=request.user,
                plan=plan,
                place=place,
                premises=premises,
                results=results,
                notes=request.POST.get("notes", ""),
            )
        except ValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect("inspections:visit", visit_id=visit.pk)
    items = selectors.plan_items(plan) if plan else []
    sections = [
        (label, [i for i in items if i.section == value]) for value, label in Section.choices
    ]
    return render(
        request,
        "inspections/new.html",
        {
            "plans": plans,
            "plan": plan,
            "sections": [(label, rows) for label, rows in sections if rows],
            "targets": selectors.targets_for(request.user, plan) if plan else [],
            "premises": selectors.premises_in(request.user, plan) if plan else [],
            "errors": errors,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
def visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    """A visit's findings and rectifications; an inspector sets a rectification here."""
    the_visit = selectors.get_visit_for(request.user, visit_id)
    findings = selectors.findings_of(the_visit)
    owners = selectors.owners(the_visit)
    problems = [(f.pk, f.item.text) for f in findings if f.result == Result.PROBLEM]
    form = RectificationForm(owners=owners, problems=problems)
    photo_errors: dict[int, str] = {}
    if request.method == "POST" and request.POST.get("action") == "photo":
        photo = PhotoForm(request.POST, request.FILES)
        finding_id = photo.data.get("finding", "")
        finding = selectors.get_finding_for(the_visit, finding_id)
        if photo.is_valid():
            try:
                services.finding_photo_add(
                    actor=request.user, finding=finding, upload=photo.cleaned_data["photo"]
                )
            except ValidationError as exc:
                photo_errors[finding.pk] = exc.errors.get("photo", "")
            else:
                messages.success(request, _("The photo is added."))
                return redirect(request.path)
        else:
            photo_errors[finding.pk] = _("Choose a photo to send.")
    elif request.method == "POST":
        form = RectificationForm(request.POST, owners=owners, problems=problems)
        if form.is_valid():
            data = form.cleaned_data
            owner_user, owner_staff = selectors.get_owner_for(the_visit, data["owner"])
            try:
                services.rectification_create(
                    actor=request.user,
                    visit=the_visit,
                    what=data["what"],
                    deadline=data["deadline"],
                    owner_user=owner_user,
                    owner_staff=owner_staff,
                    finding=selectors.get_finding_for(the_visit, data["finding"])
                    if data["finding"]
                    else None,
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("The rectification is set."))
                return redirect(request.path)
    return render(
        request,
        "inspections/visit.html",
        {
            "visit": the_visit,
            "findings": findings,
            "tasks": selectors.tasks_of(the_visit),
            "form": form,
            "today": timezone.localdate(),
            "photo_errors": photo_errors,
            "may_add_photos": selectors.may_inspect(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """Rectifications in scope (community staff: their places'), overdue first, or only the
    overdue ones (`?overdue=1`)."""
    if not selectors.may_see(request.user):
        raise PermissionDenied(_("Your role sees no inspections."))
    only_overdue = request.GET.get("overdue") == "1"
    mode = "overdue" if only_overdue else ("all" if request.GET.get("all") == "1" else "")
    rows = selectors.task_list(request.user, mode)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/tasks.html",
        {"page": page, "only_overdue": only_overdue, "today": timezone.localdate()},
    )


@login_required
def task(request: HttpRequest, rectification_id: int) -> HttpResponse:
    """One rectification: follow up, report it done; an inspector closes it or sends it back."""
    the_task = selectors.get_rectification_for(request.user, rectification_id)
    form = FollowUpForm()
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        action = request.POST.get("action", "")
        if form.is_valid() or action == "close":
            note = form.cleaned_data.get("note", "") if form.is_valid() else ""
            try:
                if action in ("note", "done"):
                    services.rectification_follow_up(
                        actor=request.user, rectification=the_task, note=note, done=action == "done"
                    )
                elif action in ("close", "reopen"):
                    services.rectification_close(
                        actor=request.user,
                        rectification=the_task,
                        accept=action == "close",
                        note=note,
                    )
                else:
                    raise ValidationError({"note": _("Choose what to do.")})
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
    return render(
        request,
        "inspections/task.html",
        {
            "task": the_task,
            "follow_ups": selectors.follow_ups_of(the_task),
            "form": form,
            "may_follow_up": selectors.can_follow_up(request.user, the_task),
            "may_close": selectors.can_close(request.user, the_task),
            "overdue": the_task.status != TaskStatus.CLOSED
            and the_task.deadline < timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    """Feedback to the HQ: per district (a district's inspector: per street) visits, problems,
    rectifications open, overdue and closed."""
    _inspector(request)
    return render(request, "inspections/summary.html", {"rows": selectors.summary(request.user)})


@login_required
def summary_xlsx(request: HttpRequest) -> HttpResponse:
    """The summary, the visits, their findings and the rectifications of the user's scope as
    an Excel workbook."""
    _inspector(request)
    data = selectors.summary_export(request.user)
    name = f"inspections-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(exports.summary_xlsx(data), name)


@login_required
def summary_pdf(request: HttpRequest) -> HttpResponse:
    """The same as an A4 PDF."""
    _inspector(request)
    data = selectors.summary_export(request.user)
    content = exports.summary_pdf(data, _("Inspection summary"))
    response = HttpResponse(content, content_type="application/pdf")
    name = f"inspections-{timezone.localdate():%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def photo(request: HttpRequest, visit_id: int, photo_id: int) -> HttpResponse:
    """A finding's photo, for those who see the visit."""
    found = selectors.get_photo_for(request.user, visit_id, photo_id)
    try:
        data = read_photo(found.finding.visit_id, found.path)
    except (FileNotFoundError, ValueError):
        raise Http404("No such photo") from None
    response = HttpResponse(data, content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set up inspections (the HQ, district and street officers, inspectors): a checklist with
    its items under 问/查/看, a plan over one's area, premises to inspect."""
    if not selectors.may_plan(request.user):
        raise PermissionDenied(
            _("Only the HQ, district and street officers and inspectors set up inspections.")
        )
    lists = [(c.pk, c.name) for c in selectors.checklists()[:200]]
    areas = [(p.pk, p.name) for p in selectors.plan_areas(request.user)]
    places = [(p.pk, p.name) for p in selectors.premises_places(request.user)]
    forms = {
        "checklist": ChecklistForm(),
        "plan": PlanForm(
            checklists=lists, areas=areas, initial={"starts_on": timezone.localdate()}
        ),
        "premises": PremisesForm(places=places),
    }
    action = request.POST.get("action", "")
    if request.method == "POST" and action in forms:
        if action == "checklist":
            form = forms[action] = ChecklistForm(request.POST)
        elif action == "plan":
            form = forms[action] = PlanForm(request.POST, checklists=lists, areas=areas)
        else:
            form = forms[action] = PremisesForm(request.POST, places=places)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "checklist":
                    services.checklist_create(
                        actor=request.user, name=data["name"], items=form.items()
                    )
                elif action == "plan":
                    services.plan_create(
                        actor=request.user,
                        name=data["name"],
                        checklist=selectors.get_checklist(data["checklist"]),
                        place=selectors.get_area_for(request.user, data["place"]),
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                    )
                else:
                    services.premises_create(
                        actor=request.user,
                        name=data["name"],
                        address=data["address"],
                        place=selectors.get_premises_place_for(request.user, data["place"]),
                    )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
    elif request.method == "POST":
        messages.error(request, _("Choose what to do."))
    plans = Paginator(selectors.plans_made(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inspections/setup.html",
        {
            "forms": forms,
            "plans": plans,
            "checklists": selectors.checklists()[:50],
            "premises": selectors.premises_listed(request.user)[:50],
        },
        status=400 if request.method == "POST" else 200,
    )
