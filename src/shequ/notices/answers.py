"""Writes on the city's policy answers and the hotline log, each one transaction and one audit
row. The HQ (KEEP_ANSWERS over the city) writes, checks and retires answers; whoever takes
hotline calls (TAKE_HOTLINE over the caller's area) logs a call, with the answer it was given
from, and turns a question no answer covers into a draft answer for the HQ."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.notices.models import Answer, AnswerStatus, HotlineCall
from shequ.notices.selectors import city_of
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User

TOPIC_MAX = 40
QUESTION_MAX = 300
ANSWER_MAX = 3000
CALL_QUESTION_MAX = 500
GIVEN_MAX = 2000


def _check_answer(topic: str, question: str, text: str, current: bool) -> tuple[str, str, str]:
    topic, question, text = (topic or "").strip(), (question or "").strip(), (text or "").strip()
    errors: dict[str, str] = {}
    if not topic:
        errors["topic"] = _("Give a topic (for example: testing, travel, isolation).")
    elif len(topic) > TOPIC_MAX:
        errors["topic"] = _("Keep the topic under %d characters.") % TOPIC_MAX
    if not question:
        errors["question"] = _("Write the question as residents ask it.")
    elif len(question) > QUESTION_MAX:
        errors["question"] = _("Keep the question under %d characters.") % QUESTION_MAX
    if len(text) > ANSWER_MAX:
        errors["answer"] = _("Keep the answer under %d characters.") % ANSWER_MAX
    elif current and not text:
        errors["answer"] = _("Write the answer before marking it checked.")
    if errors:
        raise ValidationError(errors)
    return topic, question, text


@transaction.atomic
def answer_save(
    *,
    actor: User,
    city: Place,
    topic: str,
    question: str,
    text: str,
    checked: bool = False,
    answer: Answer | None = None,
) -> Answer:
    """Write a new policy answer of `city`, or change `answer`. `checked`: the answer is right
    as of today (current, shown to residents, last checked today by `actor`)."""
    if city.kind != PlaceKind.CITY:
        raise ValidationError({"city": _("Policy answers belong to a city.")})
    require(actor, Capability.KEEP_ANSWERS, city)
    topic, question, text = _check_answer(topic, question, text, checked)
    now = timezone.now()
    if answer is None:
        answer = Answer(city=city, created_by=actor, created_at=now)
    elif answer.city_id != city.pk:
        raise ValidationError({"city": _("This answer is another city's.")})
    before = answer.answer
    answer.topic, answer.question, answer.answer = topic, question, text
    if checked:
        answer.status = AnswerStatus.CURRENT
        answer.checked_on = timezone.localdate()
        answer.checked_by = actor
    answer.save()
    audit.record(
        actor=actor,
        action="notices.answer_save",
        obj=answer,
        place=city,
        changes={"checked": checked, "answer_changed": before != text},
    )
    return answer


@transaction.atomic
def answer_check(*, actor: User, answer: Answer) -> Answer:
    """The answer is still right today: last checked today by `actor` (current from now)."""
    require(actor, Capability.KEEP_ANSWERS, answer.city)
    if not answer.answer.strip():
        raise ValidationError({"answer": _("Write the answer before marking it checked.")})
    answer.status = AnswerStatus.CURRENT
    answer.checked_on = timezone.localdate()
    answer.checked_by = actor
    answer.save(update_fields=["status", "checked_on", "checked_by"])
    audit.record(actor=actor, action="notices.answer_check", obj=answer, place=answer.city)
    return answer


@transaction.atomic
def answer_retire(*, actor: User, answer: Answer) -> Answer:
    """The policy no longer holds: residents no longer see the answer."""
    require(actor, Capability.KEEP_ANSWERS, answer.city)
    answer.status = AnswerStatus.RETIRED
    answer.save(update_fields=["status"])
    audit.record(actor=actor, action="notices.answer_retire", obj=answer, place=answer.city)
    return answer


@transaction.atomic
def hotline_log(
    *,
    actor: User,
    place: Place | None,
    question: str,
    answer_given: str = "",
    answer: Answer | None = None,
    follow_up: bool = False,
    taken_at: dt.datetime | None = None,
) -> HotlineCall:
    """A question taken on the hotline from a caller in `place`, with what they were told: from
    a policy answer (`answer`, whose text is kept when nothing else is written) or in one's
    own words; `follow_up` when someone must call back."""
    if place is None:
        raise ValidationError({"place": _("Choose the caller's area.")})
    require(actor, Capability.TAKE_HOTLINE, place)
    question = (question or "").strip()
    answer_given = (answer_given or "").strip()
    errors: dict[str, str] = {}
    if not question:
        errors["question"] = _("Write the caller's question.")
    elif len(question) > CALL_QUESTION_MAX:
        errors["question"] = _("Keep the question under %d characters.") % CALL_QUESTION_MAX
    if len(answer_given) > GIVEN_MAX:
        errors["answer_given"] = _("Keep the answer under %d characters.") % GIVEN_MAX
    if answer is not None and (
        answer.status != AnswerStatus.CURRENT or answer.city_id != city_of(place).pk
    ):
        errors["answer"] = _("Choose a current answer of the caller's city.")
    now = timezone.now()
    if taken_at is not None and not (now - dt.timedelta(days=7) <= taken_at <= now):
        errors["taken_at"] = _("The time of the call is not within the last 7 days.")
    if errors:
        raise ValidationError(errors)
    if answer is not None and not answer_given:
        answer_given = answer.answer[:GIVEN_MAX]
    call = HotlineCall.objects.create(
        place=place,
        taken_at=taken_at or now,
        question=question,
        answer_given=answer_given,
        answer=answer,
        taken_by=actor,
        follow_up=follow_up,
    )
    audit.record(
        actor=actor,
        action="notices.hotline_log",
        obj=call,
        place=place,
        changes={"answer": answer.pk if answer else None, "follow_up": follow_up},
    )
    return call


@transaction.atomic
def answer_from_call(*, actor: User, call: HotlineCall) -> Answer:
    """A question no policy answer covered becomes a draft answer of the caller's city (the
    answer given on the phone as its first text) for the HQ to check; the call points at it."""
    require(actor, Capability.TAKE_HOTLINE, call.place)
    if call.answer_id is not None:
        raise ValidationError({"answer": _("This call already has a policy answer.")})
    city = city_of(call.place)
    draft = Answer.objects.create(
        city=city,
        topic=_("New questions"),
        question=call.question[:QUESTION_MAX],
        answer=call.answer_given[:ANSWER_MAX],
        status=AnswerStatus.DRAFT,
        created_by=actor,
        created_at=timezone.now(),
    )
    HotlineCall.objects.filter(pk=call.pk).update(answer=draft)
    call.answer = draft
    audit.record(
        actor=actor,
        action="notices.answer_from_call",
        obj=draft,
        place=city,
        changes={"call": call.pk},
    )
    return draft
