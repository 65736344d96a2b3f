from django.contrib import admin

from shequ.patrols.models import Area, Finding, MissedSlot, Round


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "community", "place", "active")
    list_filter = ("kind", "active")
    raw_id_fields = ("place", "community", "agent", "warehouse", "created_by")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("area", "done_at", "by", "quantity", "drawn")
    raw_id_fields = ("area", "by", "agent")


@admin.register(MissedSlot)
class MissedSlotAdmin(admin.ModelAdmin):
    list_display = ("area", "slot_at", "told_at")
    raw_id_fields = ("area",)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("kind", "spot", "community", "found_at", "assignee", "resolved_at")
    list_filter = ("kind",)
    raw_id_fields = ("place", "community", "by", "assignee", "resolved_by")
