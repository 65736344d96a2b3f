"""Pages: batches sent to communities or compounds (and relieving them), pairings, and moving
people on duty between communities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.mobilization import board, dispatch, selectors, services
from shequ.mobilization.forms import (
    DATES_AS_SHOWN,
    BatchForm,
    EnlistmentsChosenForm,
    MoveForm,
    StaffChosenForm,
)
from shequ.mobilization.models import Batch, Enlistment
from shequ.mobilization.views._common import open_order
from shequ.places.models import Place

BATCHES_PER_PAGE = 30


def _batch_sections(batches: list[Batch]) -> list[tuple[str, str, list[Batch]]]:
    """(key, title, batches) for the batches on duty now, coming and ended (empty ones left out)."""
    now = timezone.now()
    sections = [
        ("now", _("On duty now"), [b for b in batches if b.starts_at <= now < b.ends_at]),
        ("coming", _("Coming"), [b for b in batches if b.starts_at > now]),
        ("ended", _("Ended"), [b for b in batches if b.ends_at <= now]),
    ]
    return [s for s in sections if s[2]]


def _by_community(on_duty: list[Enlistment]) -> list[tuple[Place | None, list[Enlistment]]]:
    """The people who may be sent, one section per community they are on duty in."""
    groups: dict[int | None, tuple[Place | None, list[Enlistment]]] = {}
    for e in on_duty:
        groups.setdefault(e.community_id, (e.community, []))[1].append(e)
    return list(groups.values())


@login_required
def batches_page(request: HttpRequest) -> HttpResponse:
    """Batches (第一批, 第二批…) sent to communities or compounds, rotation, and pairings.

    `?q=` narrows the batches (by name, place or person) and the people who may be sent (by
    name); both are shown in sections (batches by now / coming / ended, people by community)."""
    order, _orders = open_order(request)
    text = request.GET.get("q", "").strip()[:50]
    on_duty = selectors.on_duty_in(request.user, order, text)
    batches = list(selectors.batches_for(request.user, order))
    places = selectors.batch_places(request.user)
    form = BatchForm(
        request.POST if request.method == "POST" else None,
        auto_id="%s",
        batches=batches,
        places=places,
    )
    chosen = StaffChosenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not chosen.is_valid():
        form.add_error(None, chosen.errors["staff"][0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = chosen.cleaned_data["staff"]
        try:
            if data["current"]:
                dispatch.batch_relieve(
                    actor=request.user,
                    current=selectors.get_batch_for(request.user, data["current"], order=order),
                    name=data["name"],
                    staff_ids=people,
                    ends_at=data["ends_at"],
                    handover_note=data["handover_note"],
                )
            else:
                place = selectors.batch_place_for(request.user, data["place"])
                if place is None:
                    raise ValidationError({"place": _("Choose the place from the list.")})
                if data["starts_at"] is None:
                    raise ValidationError({"starts_at": DATES_AS_SHOWN})
                dispatch.batch_send(
                    actor=request.user,
                    order=order,
                    name=data["name"],
                    place=place,
                    staff_ids=people,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Batch sent."))
            return redirect(f"{reverse('mobilization:batches')}?order={order.pk}")
    ticked = set(chosen.cleaned_data["staff"]) if chosen.is_bound and chosen.is_valid() else set()
    shown = Paginator(selectors.batches_matching(batches, text), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mobilization/batches.html",
        {
            "order": order,
            "q": text,
            "page": shown,
            "sections": _batch_sections(list(shown.object_list)),
            "pairings": selectors.pairings_for(request.user),
            "on_duty": on_duty,
            "groups": _by_community(on_duty),
            "capped": len(on_duty) >= selectors.ON_DUTY_SHOWN,
            "ticked": ticked,
            "may_send": bool(places),
            "form": form,
        },
    )


@login_required
def moves_page(request: HttpRequest) -> HttpResponse:
    """Move people on duty from a community with a surplus to one with a gap (audited)."""
    order, _orders = open_order(request)
    if not selectors.manages_needs(request.user):
        raise PermissionDenied(_("You may not move people between communities."))
    communities = list(selectors.managed_communities(request.user))
    source = request.GET.get("from", "")
    rows = {r.place.pk: r for r in board.board(request.user, order=order).rows}
    source_id = int(source) if source.isdigit() else None
    people = selectors.on_duty_at(request.user, order, source_id)
    form = MoveForm(
        request.POST if request.method == "POST" else None,
        auto_id="%s",
        communities=[
            (c, f"{c.name} (-{rows[c.pk].gap})" if rows.get(c.pk) and rows[c.pk].gap else c.name)
            for c in communities
            if c.pk != source_id
        ],
    )
    error = ""
    ticked = EnlistmentsChosenForm(request.POST if request.method == "POST" else None)
    posted = request.method == "POST" and form.is_valid()  # each field shows its problem
    if request.method == "POST" and not ticked.is_valid():
        error = ticked.errors["enlistment"][0]
    elif posted:
        chosen = selectors.enlistments_by_ids(
            request.user, ticked.cleaned_data["enlistment"], order=order, on_duty=True
        )
        target = form.cleaned_data["to"]
        try:
            if not chosen:
                raise ValidationError({"enlistment": _("Tick who moves.")})
            moved = services.redistribute(
                actor=request.user,
                enlistments=chosen,
                to_community=target,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            error = next(iter(exc.errors.values()))
        else:
            messages.success(
                request, _("%(n)d moved to %(c)s.") % {"n": len(moved), "c": target.name}
            )
            return redirect(f"{reverse('mobilization:moves')}?order={order.pk}&from={source}")
    return render(
        request,
        "mobilization/moves.html",
        {
            "order": order,
            "communities": [(c, rows.get(c.pk)) for c in communities],
            "source": source_id,
            "people": people,
            "form": form,
            "error": error,
        },
    )
