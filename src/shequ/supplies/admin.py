"""Supplies in the admin: the catalogue and warehouses are edited here; stock, movements and
transfers are read-only (they change through the services only)."""

from django.contrib import admin

from shequ.supplies.models import Batch, Item, Movement, Stock, Transfer, Warehouse


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "category", "barcode", "tracks_expiry")
    list_filter = ("category",)
    search_fields = ("name", "barcode")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "low_stock")
    search_fields = ("name",)
    raw_id_fields = ("place",)


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("item", "code", "expires_on")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


admin.site.register(Stock, ReadOnly)
admin.site.register(Movement, ReadOnly)
admin.site.register(Transfer, ReadOnly)
