"""The message log and the phones subscribed to Web Push, shown only (they change through
notify and the phones themselves)."""

from django.contrib import admin

from shequ.core.admin import ReadOnlyAdmin
from shequ.notify.models import Delivery, PushSubscription


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "user",
        "channel",
        "kind",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["channel", "status", "kind"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "user_agent", "created_at", "last_success_at", "last_failure_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    exclude = ["p256dh", "auth"]  # the browser's keys: what would let anyone write to the phone
