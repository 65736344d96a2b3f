"""Help requests in the admin: read-mostly (changes go through the pages and the API)."""

from django.contrib import admin

from shequ.assistance.models import HelpRequest, HelpTarget, IsolationReport, RequestEvent


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    readonly_fields = ("action", "from_status", "to_status", "by", "at", "note")
    can_delete = False


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "community", "kind", "urgent", "status", "due_at", "claimed_by")
    list_filter = ("status", "kind", "urgent")
    raw_id_fields = ("community", "building", "household", "resident")
    readonly_fields = ("created_by", "claimed_by", "paid_by", "receipt_path")
    inlines = [EventInline]


@admin.register(HelpTarget)
class HelpTargetAdmin(admin.ModelAdmin):
    list_display = ("city", "kind", "hours")
    raw_id_fields = ("city",)


@admin.register(IsolationReport)
class IsolationReportAdmin(admin.ModelAdmin):
    list_display = ("resident", "day", "slot", "temperature", "fever", "channel", "at")
    list_filter = ("fever", "slot", "channel")
    raw_id_fields = ("resident", "community", "by")
