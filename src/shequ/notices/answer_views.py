"""Staff pages of the policy answers and the hotline log: the answers of one's city, searched
on a phone (a GET form), the stale ones flagged for the HQ, an answer's editor; the hotline
log with the answers that match the question being taken, and turning a call no answer
covers into a draft answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.notices import answers as services
from shequ.notices import selectors
from shequ.notices.exports import MAX_ROWS, answers_xlsx, calls_xlsx


def _answerer(request: HttpRequest) -> None:
    if not selectors.may_answer(request.user):
        raise PermissionDenied(_("Only the HQ and staff who take hotline calls see this."))


@login_required
def answer_list(request: HttpRequest) -> HttpResponse:
    """The answers of the user's cities, searched with `?q=`; the stale ones on top for the
    HQ; Excel with `?format=xlsx`."""
    _answerer(request)
    q = request.GET.get("q", "").strip()[:100]
    rows = selectors.answers_for(request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(answers_xlsx(rows[:MAX_ROWS]), "policy-answers.xlsx")
    found = selectors.search(rows, q, limit=200) if q else rows
    page = Paginator(found, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    cities = selectors.answer_cities(request.user)
    keeper = any(selectors.may_keep_answers(request.user, c) for c in cities)
    return render(
        request,
        "notices/answers.html",
        {
            "page": page,
            "q": q,
            "stale": list(selectors.stale_answers(request.user)[:50]) if keeper else [],
            "stale_days": settings.NOTICES_STALE_DAYS,
            "keeper": keeper,
            "cities": cities,
        },
    )


@login_required
def answer_edit(request: HttpRequest, answer_id: int | None = None) -> HttpResponse:
    """Write or change a policy answer (the HQ); `checked` marks it right as of today."""
    _answerer(request)
    answer = selectors.get_answer_for(request.user, answer_id) if answer_id else None
    cities = selectors.answer_cities(request.user)
    keeper_cities = [c for c in cities if selectors.may_keep_answers(request.user, c)]
    if not keeper_cities:
        raise PermissionDenied(_("Only the city HQ keeps the city's policy answers."))
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if answer is not None and action == "check":
                services.answer_check(actor=request.user, answer=answer)
            elif answer is not None and action == "retire":
                services.answer_retire(actor=request.user, answer=answer)
            else:
                answer = services.answer_save(
                    actor=request.user,
                    city=answer.city if answer else keeper_cities[0],
                    answer=answer,
                    topic=request.POST.get("topic", ""),
                    question=request.POST.get("question", ""),
                    text=request.POST.get("answer", ""),
                    checked=request.POST.get("checked") == "on",
                )
        except ValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("The answer is saved."))
            return redirect("notices:answers")
    return render(
        request,
        "notices/answer_edit.html",
        {"answer": answer, "errors": errors, "posted": request.POST if errors else None},
        status=400 if errors else 200,
    )


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    """The hotline log: log a call (one form: "find matching answers" shows the current answers
    matching the question, "log the call" writes it), the calls taken in one's places; Excel
    with `?format=xlsx`."""
    if not selectors.may_take_calls(request.user):
        raise PermissionDenied(_("Only staff who take hotline calls keep this log."))
    follow_up = request.GET.get("follow_up") == "1"
    rows = selectors.calls_for(request.user, follow_up=follow_up)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(calls_xlsx(rows[:MAX_ROWS]), "hotline-calls.xlsx")
    errors: dict[str, str] = {}
    data = request.POST if request.method == "POST" else request.GET
    place = selectors.call_place_for(request.user, data.get("place", ""))
    question = data.get("question", "")
    if request.method == "POST" and data.get("action") == "log":
        chosen = data.get("answer", "")
        try:
            answer = selectors.get_answer_for(request.user, chosen) if chosen else None
        except Http404:  # an answer id not theirs: named like any other bad field
            errors = {"answer": _("Choose a current answer of the caller's city.")}
            answer = None
        if not errors:
            try:
                services.hotline_log(
                    actor=request.user,
                    place=place,
                    question=question,
                    answer_given=data.get("answer_given", ""),
                    answer=answer,
                    follow_up=data.get("follow_up") == "on",
                )
            except ValidationError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("The call is logged."))
                return redirect("notices:calls")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/calls.html",
        {
            "page": page,
            "places": selectors.call_places(request.user),
            "place": place,
            "suggested": selectors.suggestions(place, question),
            "errors": errors,
            "posted": data,
            "follow_up": follow_up,
        },
        status=400 if errors else 200,
    )


@login_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    """One call; a question no answer covers becomes a draft answer for the HQ."""
    call = selectors.get_call_for(request.user, call_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.answer_from_call(actor=request.user, call=call)
        except ValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("A draft answer is written for the HQ to check."))
            return redirect("notices:call", call_id=call.pk)
    return render(
        request,
        "notices/call.html",
        {"call": call, "errors": errors},
        status=400 if errors else 200,
    )
