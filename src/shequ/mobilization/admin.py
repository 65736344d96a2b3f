"""The admin for mobilization: agencies are kept here (names, contacts); everything else is
read-only, because it changes through the services (validation, audit, postings) on the pages
or the API, and a staff member's ID number and phone are never shown."""

from django.contrib import admin

from shequ.core.admin import ReadOnlyAdmin
from shequ.mobilization.models import (
    Agency,
    Batch,
    Enlistment,
    Need,
    Order,
    Pairing,
    Staff,
    Team,
)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level"]
    search_fields = ["code", "name"]


@admin.register(Staff)
class StaffAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "agency", "rank", "residence_community", "vetting"]
    list_filter = ["kind", "rank", "vetting", "fitness"]
    search_fields = ["name"]
    exclude = ["id_number", "phone", "id_hmac", "phone_hmac"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["title", "scope", "deadline", "issued_at", "closed_at"]


@admin.register(Enlistment)
class EnlistmentAdmin(ReadOnlyAdmin):
    list_display = ["staff", "order", "state", "community", "reported_at"]
    list_filter = ["state"]
    exclude = ["token"]  # the token is the person's QR code: whoever holds it checks them in


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ["community", "people_per_day", "starts_on", "ends_on"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["order", "number", "leader", "community"]


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["name", "order", "place", "starts_at", "ends_at"]


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ["agency", "place", "starts_on", "ends_on"]
