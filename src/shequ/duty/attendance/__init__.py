"""Attendance at posts: check-in and check-out (in the app or by scanning the post's QR code),
entries by the shift leader, offline batches recorded exactly once per client UUID, and who
has not shown up.

Offline batches follow `core.batches`'s contract (one answer per item: created, duplicate or
rejected with the field and the fix). A check-in belongs to the person's published shift at
that post when it falls between an hour before the shift starts and its end; late minutes
count from the shift's start. Without such a shift the presence is still recorded if the
person is on duty in the post's community.

- `ingest`: a batch of check-ins and check-outs worked out in memory and written at once;
- `overtime`: hours a day past the community's limit, flagged and told;
- `services`: the writes (batch, own check-in/out, entry by hand);
- `selectors`: the reads (presences in scope, no-shows, posts to check in at).

The names other modules use are re-exported here: `attendance.check_in(...)`.
"""

from shequ.duty.attendance.selectors import (
    LATE_AFTER_DEFAULT,
    STAFF_PII,
    attendance_for,
    attendance_listed,
    check_in_posts,
    get_check_in_post_for,
    get_recording_post_for,
    is_late,
    no_show_counts,
    no_shows,
    open_presence,
    post_by_token,
    recording_posts,
    visible_attendance,
    with_late_rule,
)
from shequ.duty.attendance.services import (
    attendance_batch,
    attendance_manual,
    check_in,
    check_out,
    leads,
)

__all__ = [
    "LATE_AFTER_DEFAULT",
    "STAFF_PII",
    "attendance_batch",
    "attendance_for",
    "attendance_listed",
    "attendance_manual",
    "check_in",
    "check_in_posts",
    "check_out",
    "get_check_in_post_for",
    "get_recording_post_for",
    "is_late",
    "leads",
    "no_show_counts",
    "no_shows",
    "open_presence",
    "post_by_token",
    "recording_posts",
    "visible_attendance",
    "with_late_rule",
]
