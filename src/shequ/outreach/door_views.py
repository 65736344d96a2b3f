"""The cadre's pages, phone first: my buildings, a building's doors in walking order (works
offline: doors.js keeps the doors in IndexedDB, queues outcomes and sends them to
/api/v1/outreach/visits:batch), and the household task page (big buttons: done, nobody
home, refused, moved away, with the campaign's questions; works without JavaScript)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from shequ.core.errors import ValidationError
from shequ.core.offline import worker_response
from shequ.outreach import selectors, services
from shequ.outreach.models import OUTCOMES, CampaignStatus, TaskStatus
from shequ.outreach.questions import label_of, type_labels
from shequ.testing.models import Outcome

DOORS_STATIC = [
    "vendor/weui.min.css",
    "shequ/shequ.css",
    "shequ/shequ.js",
    "vendor/htmx.min.js",
    "vendor/dexie.min.js",
    "outreach/doors.js",
    "outreach/outreach.css",
]
# The pages the worker keeps for offline reading: each building's doors.
DOORS_PAGES = [r"^/outreach/c/\d+/b/\d+/$"]


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The buildings given to my team (or to me), with doors still to knock."""
    buildings = selectors.my_buildings(request.user)
    if not buildings and not selectors.may_see(request.user):
        raise PermissionDenied(_("No building is given to you or your team."))
    return render(request, "outreach/mine.html", {"buildings": buildings})


def _choice_texts(question: dict[str, Any]) -> list[str]:
    """What each choice reads as: the missed walk's door outcomes are stored as codes
    (testing's `Outcome`) and shown by their words; a staff-made choice is its own text."""
    choices = question.get("choices") or []
    if question.get("key") == "door" and set(choices) <= set(Outcome.values):
        return [str(Outcome(c).label) for c in choices]
    return [str(c) for c in choices]


def _questions(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**q, "text": label_of(q), "choice_texts": _choice_texts(q)} for q in questions]


def _strings() -> dict[str, str]:
    """Every text doors.js shows, translated here (the script holds no UI text)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: outcomes are kept on this phone"),
        "waiting": _("%(n)s waiting to send"),
        "rejected": _("%(n)s not accepted"),
        "refreshed": _("doors from %(t)s"),
        "never": _("No doors on this phone yet: connect to the network once."),
        "syncing": _("Sending…"),
        "login": _("Your login has expired: log in again to send the waiting outcomes."),
        "sync_failed": _("Sending failed; will retry."),
        "queued": _("Kept on this phone: %(door)s"),
        "state_waiting": _("waiting to send"),
        "state_rejected": _("not accepted"),
        "remove": _("Remove"),
        "visits": _("nobody home ×%(n)s"),
        "yes": _("Yes"),
        "no": _("No"),
        "answer_required": _("“%(q)s”: answer this question."),
        "arrival_name": _("Write the new arrival's name."),
        "returnee_from": _("Write where the returnee came back from."),
        "back": _("Back to the doors"),
        "floor": _("Floor %(n)s"),
        "unit": _("Unit %(u)s"),
        "may_not_record": _(
            "You may look at these doors; recording is for the team they are given to."
        ),
        **{f"status_{value}": str(label) for value, label in TaskStatus.choices},
    }


@login_required
def doors(request: HttpRequest, campaign_id: int, building_id: int) -> HttpResponse:
    """A building's doors in walking order (unit, floor, room); offline with JavaScript."""
    campaign = selectors.get_campaign_for(request.user, campaign_id)
    building = selectors.get_building_for(request.user, campaign, building_id)
    snapshot = selectors.building_snapshot(request.user, campaign, building)
    sw_url = reverse("outreach:sw")
    config = {
        "snapshot_url": f"/api/v1/outreach/campaigns/{campaign.pk}/buildings/{building.pk}/tasks",
        "batch_url": "/api/v1/outreach/visits:batch",
        "sw_url": sw_url,
        "sw_scope": sw_url.rsplit("/", 1)[0] + "/",
        "user_id": request.user.pk,
        "campaign_id": campaign.pk,
        "building_id": building.pk,
        "csrf_token": get_token(request),
        "strings": _strings(),
        "outcomes": [[value, str(TaskStatus(value).label)] for value in OUTCOMES],
        "questions": _questions(campaign.questions),
        # The doors as rendered: what the phone shows before it keeps its own copy.
        "snapshot": snapshot,
    }
    return render(
        request,
        "outreach/doors.html",
        {
            "campaign": campaign,
            "building": building,
            "snapshot": snapshot,
            "config": config,
            "assignee": selectors.assignee_name(selectors.assignment_of(campaign, building.pk)),
        },
    )


def _people(post: Any) -> list[dict[str, str]]:
    """The new arrival and returnee fields of the task form (left out when blank)."""
    people = []
    if (post.get("arrival_name") or "").strip() or (post.get("arrival_document") or "").strip():
        people.append(
            {
                "kind": "new_arrival",
                "name": post.get("arrival_name", ""),
                "document_number": post.get("arrival_document", ""),
                "phone": post.get("arrival_phone", ""),
                "came_from": post.get("arrival_from", ""),
            }
        )
    if (post.get("returnee_from") or "").strip() or (post.get("returnee_name") or "").strip():
        people.append(
            {
                "kind": "returnee",
                "name": post.get("returnee_name", ""),
                "came_from": post.get("returnee_from", ""),
            }
        )
    return people


@login_required
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    """One door: the questions and four big buttons (done / nobody home / refused / moved)."""
    door = selectors.get_task_for(request.user, task_id)
    campaign = door.campaign
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = {
            q["key"]: request.POST.get(f"a_{q['key']}", "")
            for q in campaign.questions
            if request.POST.get(f"a_{q['key']}", "") != ""
        }
        try:
            services.outcome_record(
                actor=request.user,
                task=door,
                outcome=request.POST.get("outcome", ""),
                answers=answers,
                note=request.POST.get("note", ""),
                people=_people(request.POST),
            )
        except ValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Recorded: %s.") % door.household.name)
            return redirect("outreach:doors", campaign.pk, door.building_id)
    questions = [
        {
            **q,
            "text": label_of(q),
            "options": list(zip(q.get("choices") or [], _choice_texts(q), strict=True)),
            "value": request.POST.get(f"a_{q['key']}", door.answers.get(q["key"], "")),
            "error": errors.get(f"answers.{q['key']}", ""),
        }
        for q in campaign.questions
    ]
    other = {k: v for k, v in errors.items() if not k.startswith("answers.")}
    return render(
        request,
        "outreach/task.html",
        {
            "door": door,
            "campaign": campaign,
            "questions": questions,
            "errors": other,
            "post": request.POST,
            "may_record": campaign.status == CampaignStatus.OPEN
            and selectors.may_record(request.user, campaign, door.building),
            "history": list(selectors.visits_of(door)[:20]),
            "outcomes": [(value, TaskStatus(value).label) for value in OUTCOMES],
            "types": type_labels(),
        },
    )


@never_cache
def doors_sw(request: HttpRequest) -> HttpResponse:
    """The offline pages' worker with the doors page's cache and static files, served under
    /outreach/ so that its scope covers every building's doors page (and keeps only those)."""
    return worker_response(cache="shequ-doors", static_files=DOORS_STATIC, pages=DOORS_PAGES)
