"""Staff pages of notices: the list (status, place, channels, opens; Excel), the editor of a
new notice, one notice (edit, attach, publish, withdraw, versions, figures), its poster and
its files."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.notices import selectors, services
from shequ.notices.attachments import read_attachment
from shequ.notices.exports import MAX_ROWS, notices_xlsx
from shequ.notices.models import Notice, NoticeAttachment, NoticeStatus
from shequ.notices.poster import notice_poster


def _publisher(request: HttpRequest) -> None:
    if not selectors.may_publish(request.user):
        raise PermissionDenied(_("Only community staff and officers publish notices."))


def _channels(post: dict) -> dict[str, bool]:
    return {
        "to_public": post.get("to_public") == "on",
        "to_staff": post.get("to_staff") == "on",
        "to_sms": post.get("to_sms") == "on",
    }


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """Notices of the user's places, newest first; `?status=`; Excel with `?format=xlsx`."""
    _publisher(request)
    status = request.GET.get("status", "")
    rows = selectors.notices_for(request.user, status)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(notices_xlsx(rows[:MAX_ROWS]), "notices.xlsx")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.inbox_opens(list(page.object_list))
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "status": status,
            "statuses": [*NoticeStatus.choices, (selectors.ENDED, _("Ended"))],
        },
    )


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    """The editor of a new notice: title, text, place, channels; saved as a draft."""
    _publisher(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            notice = services.notice_create(
                actor=request.user,
                place=selectors.place_for_notice(
                    request.user,
                    request.POST.get("place_code", "").strip() or request.POST.get("place", ""),
                ),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                until=request.POST.get("until", ""),
                **_channels(request.POST),
            )
        except ValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("The draft is saved. Attach files, then publish it."))
            return redirect("notices:detail", notice_id=notice.pk)
    return render(
        request,
        "notices/editor.html",
        {
            "notice": None,
            "places": selectors.notice_places(request.user),
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {"to_public": "on"},
        },
        status=400 if errors else 200,
    )


@login_required
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    """One notice: edit it (a published one keeps its versions), attach a file, publish it,
    withdraw it; its channels' figures."""
    notice = selectors.get_notice_for(request.user, notice_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "edit":
                services.notice_edit(
                    actor=request.user,
                    notice=notice,
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                    until=request.POST.get("until", ""),
                    **_channels(request.POST),
                )
                messages.success(request, _("The notice is saved."))
            elif action == "attach":
                services.notice_attach(
                    actor=request.user, notice=notice, upload=request.FILES.get("attachment")
                )
                messages.success(request, _("The file is attached."))
            elif action == "publish":
                done = services.notice_publish(actor=request.user, notice=notice)
                messages.success(
                    request,
                    _("Published: %(staff)d staff told, %(texts)d texts queued.")
                    % {"staff": done.staff_told, "texts": done.texts_queued},
                )
            elif action == "withdraw":
                services.notice_withdraw(actor=request.user, notice=notice)
                messages.success(request, _("The notice is withdrawn."))
            else:
                raise ValidationError({"action": _("Choose what to do.")})
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect("notices:detail", notice_id=notice.pk)
    selectors.inbox_opens([notice])
    return render(
        request,
        "notices/editor.html",
        {
            "notice": notice,
            "versions": list(selectors.versions_of(notice)),
            "files": list(selectors.attachments_of(notice)),
            "texts_sent": selectors.texts_sent(notice),
            "public_url": request.build_absolute_uri(reverse("notice:page", args=[notice.token])),
            "errors": errors,
            "posted": request.POST if errors else None,
        },
        status=400 if errors else 200,
    )


@login_required
def notice_poster_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The notice's A4 poster with the QR code of its resident page."""
    notice = selectors.get_notice_for(request.user, notice_id)
    url = request.build_absolute_uri(reverse("notice:page", args=[notice.token]))
    pdf = notice_poster(
        title=notice.title, place=notice.place.name, body=notice.body, url=url, until=notice.until
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


@login_required
def notice_file(request: HttpRequest, notice_id: int, file_id: int) -> HttpResponse:
    """One of the notice's files, for its staff (residents read them on the public page)."""
    notice = selectors.get_notice_for(request.user, notice_id)
    return file_response(notice, selectors.get_attachment_for(notice, file_id))


def file_response(notice: Notice, attachment: NoticeAttachment) -> HttpResponse:
    """The sealed file's bytes, shown inline as its checked type, never sniffed."""
    try:
        data = read_attachment(notice.pk, attachment.path)
    except (FileNotFoundError, ValueError):
        raise Http404("No such file") from None
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}-{attachment.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
