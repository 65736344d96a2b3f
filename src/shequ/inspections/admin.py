from django.contrib import admin

from shequ.inspections.models import Checklist, ChecklistItem, Plan, Premises


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 3


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ("name",)
    inlines = (ItemInline,)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "starts_on", "ends_on")
    raw_id_fields = ("place",)


@admin.register(Premises)
class PremisesAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "place")
    raw_id_fields = ("place",)
