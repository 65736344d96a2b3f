"""/api/v1/notices: notices of your places (write, edit, attach, publish, withdraw; their
versions and figures), the city's policy answers (search, write, check; stale ones), and the
hotline log (log a call, suggestions for a question, a draft answer from a call). Out of
scope is 404; the residents' pages are /n/… (no API: they are public pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Router, UploadedFile
from ninja.pagination import paginate

from shequ.core.errors import PermissionDenied
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.notices import answers, selectors, services
from shequ.notices.models import Answer, HotlineCall, Notice
from shequ.notices.schemas import (
    HotlineCallIn,
    HotlineCallOut,
    NoticeAttachmentOut,
    NoticeIn,
    NoticeOut,
    NoticePatch,
    NoticeVersionOut,
    PolicyAnswerIn,
    PolicyAnswerOut,
)

router = Router(tags=["notices"])


def _refused_unless(allowed: bool, why: str) -> None:
    if not allowed:
        raise PermissionDenied(why)


@router.get("/notices", response={200: list[NoticeOut], **errors(403)})
@paginate(Pages, page_size=100)
def list_notices(request: HttpRequest, status: str = "") -> QuerySet[Notice]:
    """Notices of the places you publish to, newest first; `status`: draft|published|withdrawn,
    or ended (published, past its last day)."""
    _refused_unless(selectors.may_publish(request.user), "Only staff and officers publish.")
    return selectors.notices_for(request.user, status)


@router.post("/notices", response={200: NoticeOut, **errors(403, 404)})
def create_notice(request: HttpRequest, payload: NoticeIn) -> Notice:
    """A draft notice to everyone in `place_id` (the whole place must be yours)."""
    place = selectors.get_notice_place_for(request.user, payload.place_id)
    return services.notice_create(
        actor=request.user,
        place=place,
        title=payload.title,
        body=payload.body,
        to_public=payload.to_public,
        to_staff=payload.to_staff,
        to_sms=payload.to_sms,
        until=payload.until,
    )


@router.get("/notices/{notice_id}", response={200: NoticeOut, **errors(404)})
def get_notice(request: HttpRequest, notice_id: int) -> Notice:
    """One notice with its figures (opens, staff told, texts queued and sent)."""
    return selectors.get_notice_for(request.user, notice_id)


@router.patch("/notices/{notice_id}", response={200: NoticeOut, **errors(403, 404)})
def edit_notice(request: HttpRequest, notice_id: int, payload: NoticePatch) -> Notice:
    """Change the text (a published notice keeps the earlier one as a version) and the last
    day (`until`; left out: as it is, null: until withdrawn)."""
    notice = selectors.get_notice_for(request.user, notice_id)
    fields = payload.dict()
    if "until" not in payload.model_fields_set:
        fields["until"] = services.KEEP
    services.notice_edit(actor=request.user, notice=notice, **fields)
    return selectors.get_notice_for(request.user, notice_id)


@router.post("/notices/{notice_id}/publish", response={200: NoticeOut, **errors(403, 404)})
def publish_notice(request: HttpRequest, notice_id: int) -> Notice:
    """Draft → published: residents' pages, staff inboxes, texts queued, as chosen."""
    notice = selectors.get_notice_for(request.user, notice_id)
    services.notice_publish(actor=request.user, notice=notice)
    return selectors.get_notice_for(request.user, notice_id)


@router.post("/notices/{notice_id}/withdraw", response={200: NoticeOut, **errors(403, 404)})
def withdraw_notice(request: HttpRequest, notice_id: int) -> Notice:
    """Published → withdrawn (gone from the residents' pages; unsent texts dropped)."""
    notice = selectors.get_notice_for(request.user, notice_id)
    services.notice_withdraw(actor=request.user, notice=notice)
    return selectors.get_notice_for(request.user, notice_id)


@router.get("/notices/{notice_id}/versions", response={200: list[NoticeVersionOut], **errors(404)})
def notice_versions(request: HttpRequest, notice_id: int) -> QuerySet[Any]:
    """What the notice said at publication and after each edit, newest first."""
    return selectors.versions_of(selectors.get_notice_for(request.user, notice_id))


@router.post(
    "/notices/{notice_id}/attachments", response={200: NoticeAttachmentOut, **errors(403, 404)}
)
def attach(request: HttpRequest, notice_id: int, file: UploadedFile = File(...)) -> Any:  # noqa: B008 - ninja's way of declaring a file
    """A PDF or an image (JPEG, PNG, WebP) of at most 5 MB."""
    notice = selectors.get_notice_for(request.user, notice_id)
    return services.notice_attach(actor=request.user, notice=notice, upload=file)


def _answer(a: Answer) -> dict[str, Any]:
    stale = bool(a.status == "current" and a.checked_on and a.checked_on < selectors.stale_before())
    return {
        "id": a.pk, "city_id": a.city_id, "topic": a.topic, "question": a.question,
        "answer": a.answer, "status": a.status, "checked_on": a.checked_on, "stale": stale,
    }  # fmt: skip


@router.get("/answers", response={200: list[PolicyAnswerOut], **errors(403)})
def list_answers(request: HttpRequest, q: str = "", stale: bool = False) -> list[dict[str, Any]]:
    """Policy answers of your cities (drafts too); `q` finds those sharing words with it, best
    first; `stale=true`: current ones not checked for SHEQU_NOTICES_STALE_DAYS."""
    _refused_unless(selectors.may_answer(request.user), "Only hotline staff and the HQ.")
    rows = selectors.stale_answers(request.user) if stale else selectors.answers_for(request.user)
    return [_answer(a) for a in selectors.search(rows, q[:100], limit=200)]


@router.post("/answers", response={200: PolicyAnswerOut, **errors(403, 404)})
def create_answer(request: HttpRequest, payload: PolicyAnswerIn) -> dict[str, Any]:
    """A policy answer of a city (the HQ); `checked`: right as of today, shown to residents."""
    city = selectors.answer_city_for(request.user, payload.city_id)
    answer = answers.answer_save(
        actor=request.user,
        city=city,
        topic=payload.topic,
        question=payload.question,
        text=payload.answer,
        checked=payload.checked,
    )
    return _answer(answer)


@router.post("/answers/{answer_id}/check", response={200: PolicyAnswerOut, **errors(403, 404)})
def check_answer(request: HttpRequest, answer_id: int) -> dict[str, Any]:
    """The answer is still right today (last checked today, by you)."""
    answer = selectors.get_answer_for(request.user, answer_id)
    return _answer(answers.answer_check(actor=request.user, answer=answer))


@router.get("/hotline/calls", response={200: list[HotlineCallOut], **errors(403)})
@paginate(Pages, page_size=100)
def list_calls(request: HttpRequest, follow_up: bool = False) -> QuerySet[HotlineCall]:
    """Hotline calls from your places, newest first; `follow_up=true`: those to call back."""
    _refused_unless(selectors.may_take_calls(request.user), "Only hotline staff.")
    return selectors.calls_for(request.user, follow_up=follow_up)


@router.get("/hotline/suggestions", response={200: list[PolicyAnswerOut], **errors(403, 404)})
def suggest(request: HttpRequest, place_id: int, question: str) -> list[dict[str, Any]]:
    """The current answers of the caller's city matching `question`, best first."""
    _refused_unless(selectors.may_take_calls(request.user), "Only hotline staff.")
    place = selectors.get_call_place_for(request.user, place_id)
    return [_answer(a) for a in selectors.suggestions(place, question[:500])]


@router.post("/hotline/calls", response={200: HotlineCallOut, **errors(403, 404)})
def log_call(request: HttpRequest, payload: HotlineCallIn) -> HotlineCall:
    """A question taken on the hotline, with the answer given (from `answer_id`, or in words)."""
    answer = (
        selectors.get_answer_for(request.user, payload.answer_id) if payload.answer_id else None
    )
    return answers.hotline_log(
        actor=request.user,
        place=selectors.get_call_place_for(request.user, payload.place_id),
        question=payload.question,
        answer_given=payload.answer_given,
        answer=answer,
        follow_up=payload.follow_up,
        taken_at=payload.taken_at,
    )


@router.post(
    "/hotline/calls/{call_id}/propose", response={200: PolicyAnswerOut, **errors(403, 404)}
)
def propose(request: HttpRequest, call_id: int) -> dict[str, Any]:
    """A draft policy answer from a call no answer covered, for the HQ to check."""
    call = selectors.get_call_for(request.user, call_id)
    return _answer(answers.answer_from_call(actor=request.user, call=call))
