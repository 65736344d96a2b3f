from django.contrib import admin

from shequ.places.models import Place, ZoneDesignation


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "no_property_management"]
    list_filter = ["kind", "no_property_management"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(ZoneDesignation)
class ZoneDesignationAdmin(admin.ModelAdmin):
    list_display = ["place", "level", "starts_at", "ends_at", "set_by"]
    list_filter = ["level"]
    raw_id_fields = ["place", "set_by", "ended_by"]
