"""The residents' pages, no login: one notice (/n/<token>/) in large plain words with its
files, and the city's policy answers (/n/q/<city code>/), searched with a GET form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shequ.notices import public, selectors
from shequ.notices.views import file_response

COOKIE_AGE = public.DEVICE_DAYS * 24 * 3600


@require_GET
def notice_page(request: HttpRequest, token: str) -> HttpResponse:
    """A published notice; its open counted once per device a day."""
    notice = selectors.public_notice(token)
    device, new = public.device_of(request)
    public.record_open(notice=notice, device=device)
    response = render(
        request,
        "notices/public_notice.html",
        {"notice": notice, "files": list(selectors.attachments_of(notice))},
    )
    if new:
        response.set_cookie(
            public.DEVICE_COOKIE,
            device,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_GET
def notice_file(request: HttpRequest, token: str, file_id: int) -> HttpResponse:
    """A file of a published notice."""
    notice = selectors.public_notice(token)
    return file_response(notice, selectors.get_attachment_for(notice, file_id))


@require_GET
def answers_page(request: HttpRequest, code: str) -> HttpResponse:
    """The city's current policy answers; `?q=` finds the ones sharing words with it."""
    city = selectors.public_city(code)
    q = request.GET.get("q", "").strip()[:100]
    rows = selectors.search(selectors.current_answers(city), q, limit=100)
    return render(request, "notices/public_answers.html", {"city": city, "q": q, "rows": rows})
