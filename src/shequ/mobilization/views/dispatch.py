"""Pages: batches sent to communities or compounds (and relieving them), pairings, and moving
people on duty between communities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
from shequ.mobilization.views._common import open_order


@login_required
def batches_page(request: HttpRequest) -> HttpResponse:
    """Batches (第一批, 第二批…) sent to communities or compounds, rotation, and pairings."""
    order, _orders = open_order(request)
    on_duty = selectors.on_duty_in(request.user, order)
    batches = list(selectors.batches_for(request.user, order))
    form = BatchForm(
        request.POST if request.method == "POST" else None, auto_id="%s", batches=batches
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
                place = selectors.place_by_code(data["place"])
                if place is None:
                    raise ValidationError({"place": _("No place with this code.")})
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
    return render(
        request,
        "mobilization/batches.html",
        {
            "order": order,
            "batches": batches,
            "pairings": selectors.pairings_for(request.user),
            "on_duty": on_duty,
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
