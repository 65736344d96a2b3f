"""Reads of notices, policy answers and hotline calls, narrowed to the acting user's scope;
and the public reads of the residents' pages (published notices, current answers only)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.core.access import get_for, require
from shequ.core.models import RoleAssignment, User
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for, scope_for_any
from shequ.notices.models import (
    Answer,
    AnswerStatus,
    HotlineCall,
    Notice,
    NoticeAttachment,
    NoticeStatus,
    NoticeVersion,
    TextStatus,
)
from shequ.notify.selectors import read_counts
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

ANSWER_ROLES = (Capability.TAKE_HOTLINE, Capability.KEEP_ANSWERS)
# The notices list's filter for published notices past their last day.
ENDED = "ended"
SEARCH_LIMIT = 2000  # policy answers of one city scored at most (a city keeps a few hundred)


# --- notices (staff) -------------------------------------------------------------------------


def may_publish(user: User | AnonymousUser) -> bool:
    """Whether the user publishes notices anywhere."""
    return not scope_for(user, Capability.PUBLISH_NOTICES).is_empty


def notices_for(user: User | AnonymousUser, status: str = "") -> QuerySet[Notice]:
    """The notices whose place lies in the user's publishing scope, newest first."""
    rows = Notice.objects.filter(scope_for(user, Capability.PUBLISH_NOTICES).q("place"))
    if status in NoticeStatus.values:
        rows = rows.filter(status=status)
    elif status == ENDED:
        rows = rows.filter(status=NoticeStatus.PUBLISHED, until__lt=timezone.localdate())
    return (
        rows.select_related("place", "created_by")
        .annotate(texts_sent=Count("texts", filter=Q(texts__status=TextStatus.SENT)))
        .order_by("-created_at", "-pk")
    )


def get_notice_for(user: User | AnonymousUser, pk: Any) -> Notice:
    """One notice in the user's publishing scope (404 outside it)."""
    notice = get_for(notices_for(user), pk, what="notice")
    require(user, Capability.PUBLISH_NOTICES, notice.place)
    return notice


def inbox_opens(notices: list[Notice]) -> None:
    """Set `inbox_read` on each notice: how many staff opened its message (notify's read
    marks), one query for the list."""
    from django.urls import reverse

    urls = {n.pk: reverse("notice:page", args=[n.token]) for n in notices}
    counts = read_counts("notice", list(urls.values()))
    for n in notices:
        n.inbox_read = counts.get(urls[n.pk], 0)


def versions_of(notice: Notice) -> QuerySet[NoticeVersion]:
    return notice.versions.select_related("by")


def attachments_of(notice: Notice) -> QuerySet[NoticeAttachment]:
    return notice.attachments.all()


def get_attachment_for(notice: Notice, pk: Any) -> NoticeAttachment:
    return get_for(attachments_of(notice), pk, what="attachment")


def texts_sent(notice: Notice) -> int:
    return notice.texts.filter(status=TextStatus.SENT).count()


def notice_places(user: User | AnonymousUser, limit: int = 300) -> list[Place]:
    """The places the user may publish to, for the editor's choice (city down to compound;
    buildings by their code in the form)."""
    scope = scope_for(user, Capability.PUBLISH_NOTICES)
    return list(
        Place.objects.filter(scope.q())
        .exclude(kind__in=[PlaceKind.HOUSEHOLD, PlaceKind.BUILDING])
        .order_by("path")[:limit]
    )


def place_for_notice(user: User | AnonymousUser, value: str) -> Place | None:
    """The place the editor names (its id or code) if the user sees it; None otherwise (the
    service then refuses, naming the field)."""
    value = (value or "").strip()
    if not value:
        return None
    scope = scope_for(user, Capability.VIEW_PLACES)
    rows = Place.objects.filter(scope.q())
    found = rows.filter(code=value).first()
    if found is None and value.isdigit() and len(value) < 19:
        found = rows.filter(pk=int(value)).first()
    return found


def get_notice_place_for(user: User | AnonymousUser, pk: Any) -> Place:
    """A place the user sees, by id, for a notice (404 otherwise; the service then checks the
    whole place is theirs to publish to: 403)."""
    place = place_for_notice(user, str(pk))
    if place is None:
        raise Http404("No such place")
    return place


def staff_within(place: Place) -> QuerySet[User]:
    """The active users with a role bound to `place` or a place inside it: the staff, cadres
    and volunteers a notice to that place tells in their inbox."""
    bound = RoleAssignment.objects.filter(place__path__startswith=place.path).values("user_id")
    return User.objects.filter(pk__in=bound, is_active=True)


# --- notices (residents, no login) -----------------------------------------------------------


def public_notice(token: str) -> Notice:
    """A published notice by its page's token; 404 for a draft, a withdrawn one or no such."""
    notice = (
        Notice.objects.filter(token=token, status=NoticeStatus.PUBLISHED, to_public=True)
        .select_related("place")
        .first()
    )
    if notice is None:
        raise Http404("No such notice")
    return notice


def compound_notices(compound: Place, limit: int = 20) -> list[Notice]:
    """The published notices in force for the residents of `compound`: to it, to a place
    above it, or to one of its buildings; newest first. One past its last day is not listed."""
    above = [*compound.ancestor_ids(), compound.pk]
    return list(
        Notice.objects.filter(status=NoticeStatus.PUBLISHED, to_public=True)
        .filter(Q(until__isnull=True) | Q(until__gte=timezone.localdate()))
        .filter(Q(place_id__in=above) | Q(place__path__startswith=compound.path))
        .select_related("place")
        .order_by("-published_at", "-pk")[:limit]
    )


# --- policy answers ------------------------------------------------------------------------


def city_of(place: Place) -> Place:
    """The city a place lies in (the root of its path)."""
    if place.kind == PlaceKind.CITY:
        return place
    return Place.objects.get(pk=place.ancestor_ids()[0])


def answer_cities(user: User | AnonymousUser) -> list[Place]:
    """The cities where the user takes hotline calls or keeps the answers."""
    scope = scope_for_any(user, ANSWER_ROLES)
    roots = {int(p.split("/")[1]) for p in scope.paths}
    return list(Place.objects.filter(pk__in=roots, kind=PlaceKind.CITY).order_by("name"))


def may_answer(user: User | AnonymousUser) -> bool:
    """Whether the user sees the policy answers' staff pages."""
    return not scope_for_any(user, ANSWER_ROLES).is_empty


def may_keep_answers(user: User | AnonymousUser, city: Place) -> bool:
    return scope_for(user, Capability.KEEP_ANSWERS).covers(city)


def answers_for(user: User | AnonymousUser) -> QuerySet[Answer]:
    """Every policy answer (drafts too) of the cities where the user answers."""
    cities = [c.pk for c in answer_cities(user)]
    return Answer.objects.filter(city_id__in=cities).select_related("checked_by", "city")


def get_answer_for(user: User | AnonymousUser, pk: Any) -> Answer:
    return get_for(answers_for(user), pk, what="answer")


def stale_before() -> dt.date:
    """The day before which a current answer's last check is too old (NOTICES_STALE_DAYS)."""
    return timezone.localdate() - dt.timedelta(days=settings.NOTICES_STALE_DAYS)


def stale_answers(user: User | AnonymousUser) -> QuerySet[Answer]:
    """Current answers not checked for NOTICES_STALE_DAYS: flagged for the HQ to check."""
    return answers_for(user).filter(status=AnswerStatus.CURRENT, checked_on__lt=stale_before())


_WORD = re.compile(r"[0-9A-Za-z]+|[\u3400-\u9fff]+")


def _terms(text: str) -> set[str]:
    """Search terms of a text: Latin words and numbers, and Chinese runs as character pairs
    (Chinese is not written with spaces; pairs find "核酸检测" in "要做核酸吗")."""
    terms: set[str] = set()
    for word in _WORD.findall((text or "").lower()):
        if word.isascii():
            if len(word) > 1:
                terms.add(word)
        elif len(word) == 1:
            terms.add(word)
        else:
            terms |= {word[i : i + 2] for i in range(len(word) - 1)}
    return terms


def _score(terms: set[str], answer: Answer) -> int:
    text = f"{answer.topic} {answer.question} {answer.question} {answer.answer}".lower()
    return sum(text.count(term) for term in terms)


@dataclass(frozen=True)
class Hit:
    answer: Answer
    score: int


def search(rows: QuerySet[Answer], text: str, limit: int = 50) -> list[Answer]:
    """The answers among `rows` that share terms with `text`, best first (all of them, by
    topic, when `text` is empty)."""
    terms = _terms(text)
    if not terms:
        return list(rows[:limit])
    hits = [Hit(a, s) for a in rows[:SEARCH_LIMIT] if (s := _score(terms, a)) > 0]
    hits.sort(key=lambda h: (-h.score, h.answer.topic, h.answer.pk))
    return [h.answer for h in hits[:limit]]


def public_city(code: str) -> Place:
    """The city behind a public answers address (/n/q/<code>/); 404 for anything else."""
    city = Place.objects.filter(code=code, kind=PlaceKind.CITY).first()
    if city is None:
        raise Http404("No such city")
    return city


def current_answers(city: Place) -> QuerySet[Answer]:
    """The answers residents read: current ones of the city."""
    return Answer.objects.filter(city=city, status=AnswerStatus.CURRENT)


def suggestions(place: Place | None, question: str, limit: int = 5) -> list[Answer]:
    """Current answers of the place's city matching a question taken on the hotline, so the
    same question gets the same answer."""
    if place is None or not _terms(question):
        return []
    return search(current_answers(city_of(place)), question, limit=limit)


# --- hotline -------------------------------------------------------------------------------


def calls_for(user: User | AnonymousUser, *, follow_up: bool = False) -> QuerySet[HotlineCall]:
    """Hotline calls from places in the user's hotline scope, newest first."""
    rows = HotlineCall.objects.filter(scope_for(user, Capability.TAKE_HOTLINE).q("place"))
    if follow_up:
        rows = rows.filter(follow_up=True)
    return rows.select_related("place", "answer", "taken_by")


def get_call_for(user: User | AnonymousUser, pk: Any) -> HotlineCall:
    return get_for(calls_for(user), pk, what="call")


def may_take_calls(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.TAKE_HOTLINE).is_empty


def call_places(user: User | AnonymousUser, limit: int = 300) -> list[Place]:
    """Areas a caller may be from, for the log's choice (down to compounds)."""
    scope = scope_for(user, Capability.TAKE_HOTLINE)
    return list(
        Place.objects.filter(scope.q())
        .exclude(kind__in=[PlaceKind.HOUSEHOLD, PlaceKind.BUILDING])
        .order_by("path")[:limit]
    )


def get_call_place_for(user: User | AnonymousUser, pk: Any) -> Place:
    """A caller's area in the user's hotline scope, by id (404 otherwise)."""
    place = call_place_for(user, str(pk))
    if place is None:
        raise Http404("No such place")
    return place


def call_place_for(user: User | AnonymousUser, value: str) -> Place | None:
    """The caller's area named in the form if it lies in the user's hotline scope."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 18:
        return None
    scope = scope_for(user, Capability.TAKE_HOTLINE)
    return Place.objects.filter(scope.q(), pk=int(value)).first()


def answer_city_for(user: User | AnonymousUser, pk: Any) -> Place:
    """A city where the user answers (404 otherwise); the service checks who may write."""
    cities = {c.pk: c for c in answer_cities(user)}
    try:
        return cities[int(pk)]
    except (KeyError, ValueError, TypeError):
        raise Http404("No such city") from None
