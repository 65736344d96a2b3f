"""Pages: urgent calls ("need N people at X now") and one call's answers."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.access import get_for
from shequ.core.errors import ValidationError
from shequ.duty import calls, selectors, services
from shequ.duty.forms import CallForm


@login_required
def calls_page(request: HttpRequest) -> HttpResponse:
    """Urgent calls: planners post "need N people at X now"; everyone sees the open ones."""
    communities = selectors.planning_communities(request.user)[:200]
    if request.method == "POST":
        services.require_plans_somewhere(request.user)
    form = CallForm(request.POST if request.method == "POST" else None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        planned = selectors.planning_communities(request.user)
        community = get_for(planned, data.pop("community"), what="community")
        try:
            call = calls.call_create(actor=request.user, community=community, **data)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Call posted; %d people were told.") % call.notified)
            return redirect("duty:call", call.pk)
    page = Paginator(selectors.calls_listed(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "duty/calls.html",
        {
            "form": form,
            "may_call": bool(form.fields["community"].choices),
            "page": page,
            "mine": calls.open_calls_for(request.user),
        },
    )


@login_required
def call_page(request: HttpRequest, call_id: int) -> HttpResponse:
    """One urgent call: answer 我来, or (planners) see who answered and close it."""
    call = calls.get_call_for(request.user, call_id)
    answer = None
    if request.method == "POST":
        try:
            if "close" in request.POST:
                calls.call_close(actor=request.user, call=call)
                messages.success(request, _("Call closed."))
            else:
                answer = calls.call_answer(actor=request.user, call=call)
                call = answer.call
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
        if answer is None:
            return redirect("duty:call", call.pk)
    staff = selectors.my_staff(request.user)
    mine = selectors.answer_of(call, staff)
    return render(
        request,
        "duty/call.html",
        {
            "call": call,
            "answer": answer,
            "mine": mine,
            "answers": selectors.call_answers(call),
            "may_plan": selectors.may_plan(request.user, call.community),
        },
    )
