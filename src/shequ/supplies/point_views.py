"""A warehouse's points of use: which posts draw which item from it as they work (a sampling
site's tubes, supplies/points.py), set and removed by the warehouse's keepers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import ValidationError
from shequ.supplies import points, selectors
from shequ.supplies.forms import PointForm


def _keeper_of(request: HttpRequest, warehouse_id: int):  # noqa: ANN202 - a Warehouse
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    if not selectors.keeps(request.user, warehouse):
        raise PermissionDenied(_("Only the warehouse's keepers set where its stock is used."))
    return warehouse


@login_required
def points_page(request: HttpRequest, warehouse_id: int) -> HttpResponse:
    """The posts drawing from this warehouse, and the form to add one."""
    warehouse = _keeper_of(request, warehouse_id)
    form = PointForm(
        request.POST if request.method == "POST" else None,
        posts=selectors.posts_near(warehouse),
        items=selectors.items(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            point = points.point_set(actor=request.user, warehouse=warehouse, **form.cleaned_data)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(
                request,
                _("%(post)s now draws %(item)s from this warehouse.")
                % {"post": point.post.name, "item": point.item.name},
            )
            return redirect("supplies:points", warehouse.pk)
    return render(
        request,
        "supplies/points.html",
        {"warehouse": warehouse, "points": selectors.points_of(warehouse), "form": form},
    )


@login_required
@require_POST
def point_remove(request: HttpRequest, warehouse_id: int, point_id: int) -> HttpResponse:
    warehouse = _keeper_of(request, warehouse_id)
    point = selectors.get_point_for(request.user, warehouse, point_id)
    points.point_remove(actor=request.user, point=point)
    messages.success(
        request,
        _("%(post)s no longer draws %(item)s from this warehouse.")
        % {"post": point.post.name, "item": point.item.name},
    )
    return redirect("supplies:points", warehouse.pk)
