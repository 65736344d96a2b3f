"""/api/v1/duty: posts, rosters, my shifts, check-in/out and offline batches, no-shows,
urgent calls, swaps and sick reports, hours. Objects outside the user's scope are 404."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from shequ.core.device_items import batch_answers
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.core.times import Day, city_time
from shequ.duty import attendance, calls, changes, planning, reports, selectors, services
from shequ.duty.models import (
    Assignment,
    Attendance,
    AttendanceSource,
    Post,
    Roster,
    RosterJob,
    ShiftChange,
    UrgentCall,
)
from shequ.duty.schemas import (
    AnswerOut,
    AssignmentOut,
    AttendanceBatchIn,
    AttendanceOut,
    AttendanceResultOut,
    CallIn,
    CallOut,
    ChangeOut,
    CheckInIn,
    CheckOutIn,
    DecideIn,
    HoursReportOut,
    ManualIn,
    MyCallOut,
    PostIn,
    PostOut,
    ReplanIn,
    RosterDetailOut,
    RosterIn,
    RosterJobOut,
    RosterOut,
    SickIn,
    SwapIn,
)
from shequ.mobilization.models import Staff
from shequ.places.models import Place
from shequ.places.selectors import get_place_for

router = Router(tags=["duty"])


def _me(request: HttpRequest) -> Staff:
    staff = selectors.my_staff(request.user)
    if staff is None:
        raise PermissionDenied(_("Your login is not linked to a person on duty."))
    return staff


def _community_for_duty(request: HttpRequest, community_id: int) -> Place:
    return selectors.get_community_for(request.user, community_id)


# --- posts and rosters --------------------------------------------------------------------


@router.get("/posts", response=list[PostOut])
@paginate(Pages, page_size=100)
def list_posts(request: HttpRequest, community_id: int | None = None) -> QuerySet[Post]:
    """Posts of the communities you see duty for, with their shifts."""
    return selectors.posts_listed(request.user, community_id)


@router.post("/posts", response={201: PostOut, **errors(403, 404, 409)})
def create_post(request: HttpRequest, payload: PostIn) -> Status[Post]:
    """A post with its shifts from a pattern (3x8, 2x12, one day shift, none)."""
    community = get_place_for(request.user, payload.community_id)
    place = get_place_for(request.user, payload.place_id) if payload.place_id else None
    post = services.post_create(
        actor=request.user,
        community=community,
        place=place,
        name=payload.name,
        kind=payload.kind,
        opens=payload.opens,
        closes=payload.closes,
        pattern=payload.pattern,
        people=payload.people,
    )
    return Status(201, post)


@router.get("/rosters", response=list[RosterOut])
@paginate(Pages, page_size=50)
def list_rosters(
    request: HttpRequest, place_id: int | None = None, status: str = ""
) -> QuerySet[Roster]:
    return selectors.rosters_listed(request.user, place_id=place_id, status=status)


@router.post("/rosters", response={202: RosterJobOut, **errors(403, 404, 409)})
def generate_roster(request: HttpRequest, payload: RosterIn) -> Status[RosterJob]:
    """Queue a draft roster for a community or street: 202 with the job, solved by the worker
    (not in the request); poll `links.job` until `finished`, then read `roster_id`."""
    place = get_place_for(request.user, payload.place_id)
    job = planning.roster_job_start(
        actor=request.user,
        place=place,
        starts_on=payload.starts_on,
        days=payload.days,
        time_limit=payload.time_limit,
    )
    return Status(202, job)


@router.get("/roster-jobs/{int:job_id}", response={200: RosterJobOut, **errors(404)})
def roster_job_detail(request: HttpRequest, job_id: int) -> RosterJob:
    """A background roster's progress (`percent`), the first complete draft's figures while
    it improves, and when done the draft (`roster_id`); failed with the reason in `message`
    (also when its worker stopped)."""
    return planning.roster_job_now(selectors.get_roster_job_for(request.user, job_id))


@router.get("/rosters/{int:roster_id}", response={200: RosterDetailOut, **errors(404)})
def roster_detail(request: HttpRequest, roster_id: int) -> dict:
    """The roster with every assignment and what it misses, in words."""
    roster = selectors.get_roster_for(request.user, roster_id)
    assignments = selectors.roster_assignments(roster)
    return {
        **RosterOut.model_validate(roster).model_dump(),
        "assignments": assignments,
        "explanation": [
            {"code": str(item.get("code", "")), "text": planning.explanation_text(item)}
            for item in roster.explanation
        ],
    }


@router.post("/rosters/{int:roster_id}/publish", response={200: RosterOut, **errors(403, 404, 409)})
def publish_roster(request: HttpRequest, roster_id: int) -> Roster:
    roster = selectors.get_roster_for(request.user, roster_id)
    return planning.roster_publish(actor=request.user, roster=roster)


@router.post("/rosters/{int:roster_id}/replan", response={201: RosterOut, **errors(403, 404, 409)})
def replan_roster(request: HttpRequest, roster_id: int, payload: ReplanIn) -> Status[Roster]:
    """A draft revising a published roster to today's facts, changing as little as possible."""
    roster = selectors.get_roster_for(request.user, roster_id)
    return Status(
        201, planning.roster_replan(actor=request.user, roster=roster, reason=payload.reason)
    )


@router.get("/me/shifts", response=list[AssignmentOut])
def my_shifts(request: HttpRequest) -> list[Assignment]:
    """Your published shifts that are not over yet."""
    staff = selectors.my_staff(request.user)
    if staff is None:
        return []
    return selectors.upcoming_shifts(staff)


# --- attendance ---------------------------------------------------------------------------


@router.post("/attendance/check-in", response={200: AttendanceOut, **errors(403, 404, 409)})
def check_in(request: HttpRequest, payload: CheckInIn) -> Attendance:
    """Check yourself in at a post: by its id (in the app) or the token of its QR code.
    Checking in again at the same post while checked in gives the same answer."""
    staff = _me(request)
    if payload.token:
        post = attendance.post_by_token(payload.token)
        if post is None:
            raise Http404("No such post")
        source = AttendanceSource.QR
    else:
        post = attendance.get_check_in_post_for(request.user, payload.post_id)
        source = AttendanceSource.APP
    return attendance.check_in(
        actor=request.user, staff=staff, post=post, at=city_time(payload.at), source=source
    )


@router.post("/attendance/check-out", response={200: AttendanceOut, **errors(403, 409)})
def check_out(request: HttpRequest, payload: CheckOutIn) -> Attendance:
    return attendance.check_out(actor=request.user, staff=_me(request), at=city_time(payload.at))


@router.post("/attendance/manual", response={201: AttendanceOut, **errors(403, 404, 409)})
def manual(request: HttpRequest, payload: ManualIn) -> Status[Attendance]:
    """The shift leader or a planner enters someone's presence by hand, with a reason."""
    post = attendance.get_recording_post_for(request.user, payload.post_id)
    staff = selectors.staff_by_id(payload.staff_id)
    if staff is None:
        raise ValidationError({"staff_id": _("Unknown person.")})
    done = attendance.attendance_manual(
        actor=request.user,
        staff=staff,
        post=post,
        check_in_at=city_time(payload.check_in_at),
        check_out_at=city_time(payload.check_out_at),
        reason=payload.reason,
    )
    return Status(201, done)


@router.post("/attendance/batch", response=list[AttendanceResultOut])
def attendance_batch(request: HttpRequest, payload: AttendanceBatchIn) -> HttpResponse:
    """Check-ins and check-outs queued on a device, exactly once per client UUID, answered
    in order: created, duplicate or rejected (with the field and the fix). Up to 1,000 per
    call."""
    return batch_answers(attendance.attendance_batch(actor=request.user, items=payload.items))


@router.get("/attendance", response=list[AttendanceOut])
@paginate(Pages, page_size=100)
def list_attendance(
    request: HttpRequest,
    community_id: int | None = None,
    day: Day | None = None,
    staff_id: int | None = None,
) -> QuerySet[Attendance]:
    """Presences you may see, newest first."""
    return attendance.attendance_listed(
        request.user, community_id=community_id, day=day, staff_id=staff_id
    )


@router.get("/no-shows", response={200: list[AssignmentOut], **errors(404)})
def list_no_shows(
    request: HttpRequest, community_id: int, day: Day | None = None
) -> list[Assignment]:
    """Published shifts of the day that began more than the 'late after' minutes ago with
    nobody of them checked in."""
    community = _community_for_duty(request, community_id)
    return list(attendance.no_shows(community, day or timezone.localdate()))


# --- urgent calls -------------------------------------------------------------------------


@router.post("/calls", response={201: CallOut, **errors(403, 404, 409)})
def create_call(request: HttpRequest, payload: CallIn) -> Status[UrgentCall]:
    """ "Need N people at X now": everyone free then is told in the app."""
    community = get_place_for(request.user, payload.community_id)
    post = selectors.get_post_for(request.user, payload.post_id) if payload.post_id else None
    call = calls.call_create(
        actor=request.user,
        community=community,
        where=payload.where,
        needed=payload.needed,
        starts_at=city_time(payload.starts_at),
        hours=payload.hours,
        message=payload.message,
        post=post,
        waive_rest=payload.waive_rest,
    )
    return Status(201, call)


@router.get("/calls", response=list[CallOut])
@paginate(Pages, page_size=50)
def list_calls(
    request: HttpRequest, community_id: int | None = None, status: str = ""
) -> QuerySet[UrgentCall]:
    """Calls of the communities you see duty for, newest first."""
    return selectors.calls_listed(request.user, community_id=community_id, status=status)


@router.get("/calls/open", response=list[MyCallOut])
def open_calls(request: HttpRequest) -> list[dict]:
    """Open calls where you are on duty, with your answer if you gave one."""
    found = calls.open_calls_for(request.user)
    mine = selectors.my_answers(request.user, found)
    out = []
    for call in found:
        row = CallOut.model_validate(call).model_dump()
        if call.pk in mine:
            row["my_answer"] = "accepted" if mine[call.pk] else "thanked"
        out.append(row)
    return out


@router.post("/calls/{int:call_id}/answer", response={200: AnswerOut, **errors(403, 404, 409)})
def answer_call(request: HttpRequest, call_id: int) -> dict:
    """我来: you are on if the call still needs people, else thanked."""
    result = calls.call_answer(actor=request.user, call=calls.get_call_for(request.user, call_id))
    return {"call": result.call, "accepted": result.accepted, "message": result.message}


@router.post("/calls/{int:call_id}/close", response={200: CallOut, **errors(403, 404, 409)})
def close_call(request: HttpRequest, call_id: int) -> UrgentCall:
    return calls.call_close(actor=request.user, call=calls.get_call_for(request.user, call_id))


# --- swaps and sick reports ---------------------------------------------------------------


@router.get("/changes", response=list[ChangeOut])
@paginate(Pages, page_size=50)
def list_changes(request: HttpRequest, status: str = "") -> QuerySet[ShiftChange]:
    """Changes you asked for, are asked to take over, lead the shift of, or plan."""
    return selectors.changes_listed(request.user, status)


@router.post("/changes/swap", response={201: ChangeOut, **errors(403, 404, 409)})
def swap(request: HttpRequest, payload: SwapIn) -> Status[ShiftChange]:
    """Ask someone else to take your shift; refused with the rule they would break."""
    assignment = changes.assignment_for(request.user, payload.assignment_id)
    replacement = selectors.staff_by_id(payload.replacement_id)
    if replacement is None:
        raise ValidationError({"replacement_id": _("Unknown person.")})
    change = changes.swap_request(
        actor=request.user, assignment=assignment, replacement=replacement, reason=payload.reason
    )
    return Status(201, change)


@router.post("/changes/sick", response={201: ChangeOut, **errors(403, 404, 409)})
def sick(request: HttpRequest, payload: SickIn) -> Status[ShiftChange]:
    """Report sick for a shift: a re-plan is proposed to the planners."""
    assignment = changes.assignment_for(request.user, payload.assignment_id)
    change = changes.sick_report(actor=request.user, assignment=assignment, reason=payload.reason)
    return Status(201, change)


@router.post("/changes/{int:change_id}/decide", response={200: ChangeOut, **errors(403, 404, 409)})
def decide(request: HttpRequest, change_id: int, payload: DecideIn) -> ShiftChange:
    change = changes.get_change_for(request.user, change_id)
    return changes.change_decide(actor=request.user, change=change, approve=payload.approve)


@router.post("/changes/{int:change_id}/cancel", response={200: ChangeOut, **errors(403, 404, 409)})
def cancel(request: HttpRequest, change_id: int) -> ShiftChange:
    change = changes.get_change_for(request.user, change_id)
    return changes.change_cancel(actor=request.user, change=change)


# --- hours --------------------------------------------------------------------------------


@router.get("/reports/hours", response=HoursReportOut)
def hours(
    request: HttpRequest,
    day_from: Day | None = None,
    day_to: Day | None = None,
    by: str = "person",
    per_day: bool = True,
) -> dict:
    """Person-times (人次), hours, late and overtime by person, team, agency or community,
    over what you may see."""
    day_from = day_from or timezone.localdate()
    report = reports.hours_report(
        request.user, by=by, day_from=day_from, day_to=day_to, per_day=per_day
    )
    return {
        "by": report.by,
        "day_from": report.day_from,
        "day_to": report.day_to,
        "rows": [_hours(r) for r in report.rows],
        "total": _hours(report.total),
    }


def _hours(r: reports.HoursRow) -> dict:
    return {**r.__dict__, "hours": r.hours}
