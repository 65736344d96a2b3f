from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shequ.core.admin import ReadOnlyAdmin
from shequ.places.models import Place, ZoneDesignation


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """Names and flags only: the tree's shape (parent, path) changes through services, or
    scopes would silently cover the wrong places."""

    list_display = ["code", "name", "kind", "level_word", "unit", "no_property_management"]
    list_filter = ["kind", "level_word", "no_property_management"]
    search_fields = ["code", "name"]
    # A household's unit is part of its identity and code (places/households.py).
    readonly_fields = ["kind", "parent", "path", "depth", "unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ZoneDesignation)
class ZoneDesignationAdmin(ReadOnlyAdmin):
    """Read-only: zones are set and lifted on the pages or the API (history and audit)."""

    list_display = ["place", "level", "starts_at", "ends_at", "set_by"]
    list_filter = ["level"]
