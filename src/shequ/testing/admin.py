"""The admin site's view of mass testing: to look rows up, not to change them. Rounds, swabs,
tubes, transfers, results, recalls and home / door-to-door work change through the services
(the rules of `services` and `ingest`, one audit row each), so they are read-only here; a
site's name, hours and whether it is in use may be corrected."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shequ.core.admin import ReadOnlyAdmin
from shequ.testing.models import (
    Exemption,
    Recall,
    Round,
    Sample,
    Site,
    Station,
    Transfer,
    Tube,
)


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "starts_on", "ends_on", "pool_size", "status", "created_by"]
    list_filter = ["status", "pool_size"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"


class StationInline(admin.TabularInline):
    model = Station
    extra = 0
    can_delete = False
    fields = ["name"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # stations come with the site (services.site_create)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    """Name, hours and `active` may be corrected; the community and post stay (the
    community's staff and the post's shifts sample there)."""

    list_display = ["name", "community", "opens", "closes", "active"]
    list_filter = ["active"]
    search_fields = ["name", "community__name"]
    readonly_fields = ["community", "post"]
    inlines = [StationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Exemption)
class ExemptionAdmin(ReadOnlyAdmin):
    list_display = ["round", "resident", "reason", "by", "at"]
    list_filter = ["reason"]


@admin.register(Tube)
class TubeAdmin(ReadOnlyAdmin):
    list_display = ["barcode", "round", "community", "station", "status", "result", "retest"]
    list_filter = ["status", "result", "retest"]
    search_fields = ["barcode"]


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdmin):
    list_display = ["round", "tube", "resident", "sampled_at", "retest", "at_home", "operator"]
    list_filter = ["retest", "at_home", "out_of_scope"]
    search_fields = ["tube__barcode"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["code", "round", "community", "tube_count", "received_count", "sent_at"]
    search_fields = ["code"]


@admin.register(Recall)
class RecallAdmin(ReadOnlyAdmin):
    list_display = ["tube", "round", "kind", "created_at"]
    list_filter = ["kind"]
