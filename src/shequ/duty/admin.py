"""Duty in Django's admin: to look, not to change. Posts, rules, rosters, presences, swaps and
calls change through the pages or the API, whose services check the rules, keep the audit
trail and tell the people concerned; an edit here would do none of that."""

from django.contrib import admin

from shequ.core.admin import ReadOnly, ReadOnlyAdmin
from shequ.duty.models import (
    Attendance,
    DutyRules,
    Post,
    Roster,
    Shift,
    ShiftChange,
    UrgentAnswer,
    UrgentCall,
)


class ShiftInline(ReadOnly, admin.TabularInline):
    model = Shift
    extra = 0
    fields = ["position", "name", "starts", "minutes"]
    readonly_fields = fields


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "community", "place", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["community", "place"]
    search_fields = ["name", "community__name"]
    exclude = ["token"]  # the QR code's key: whoever has it may check in at the post
    inlines = [ShiftInline]


@admin.register(DutyRules)
class DutyRulesAdmin(ReadOnlyAdmin):
    list_display = [
        "community",
        "max_hours_per_day",
        "min_rest_hours",
        "max_consecutive_days",
        "max_shifts_per_week",
        "min_days_off_per_week",
        "late_after_minutes",
    ]
    list_select_related = ["community"]


@admin.register(Roster)
class RosterAdmin(ReadOnlyAdmin):
    list_display = ["place", "starts_on", "days", "status", "changes", "created_at"]
    list_filter = ["status"]
    list_select_related = ["place"]
    search_fields = ["place__name"]
    date_hierarchy = "starts_on"


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["staff", "post", "day", "check_in_at", "check_out_at", "late_minutes"]
    list_filter = ["in_source", "overtime"]
    list_select_related = ["staff", "post"]
    date_hierarchy = "day"
    raw_id_fields = ["staff", "post", "community", "assignment", "recorded_by"]


@admin.register(ShiftChange)
class ShiftChangeAdmin(ReadOnlyAdmin):
    list_display = ["kind", "requested_by", "replacement", "status", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["requested_by", "replacement"]
    raw_id_fields = ["assignment", "requested_by", "replacement", "proposal", "decided_by"]


class UrgentAnswerInline(ReadOnly, admin.TabularInline):
    model = UrgentAnswer
    extra = 0
    fields = ["staff", "accepted", "answered_at"]
    readonly_fields = fields


@admin.register(UrgentCall)
class UrgentCallAdmin(ReadOnlyAdmin):
    list_display = ["where", "community", "needed", "accepted", "starts_at", "status"]
    list_filter = ["status"]
    list_select_related = ["community"]
    raw_id_fields = ["community", "post", "created_by"]
    inlines = [UrgentAnswerInline]
