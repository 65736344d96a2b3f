from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shequ.residents.models import Resident, StatusPeriod


class StatusInline(admin.TabularInline):
    model = StatusPeriod
    extra = 0
    can_delete = False
    fields = ["status", "starts_at", "planned_end", "ended_at", "reason", "set_by"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # status changes go through the page, which closes the previous period


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    # Read-only: PII changes must go through the services (validation, audit, blind index).
    list_display = ["name", "household", "health_status"]
    list_filter = ["health_status"]
    search_fields = ["name"]
    inlines = [StatusInline]
    exclude = ["document_number", "phone", "document_hmac", "phone_hmac"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
