from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.http import HttpRequest

from shequ.core.models import ApiToken, AuditEvent, RoleAssignment, User


class ReadOnly:
    """Look, never add, change or delete: rows that change through a service (its checks, its
    audit row) are only shown in the admin. Mix into a ModelAdmin or an inline."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """A model's admin that only shows (see ReadOnly)."""


class RoleInline(admin.TabularInline):
    """Shown, not edited: roles are granted with `shequ createuser` / the role service (audit)."""

    model = RoleAssignment
    extra = 0
    fields = ["role", "place", "agency", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "language", "is_active", "is_staff"]
    search_fields = ["username", "display_name"]
    ordering = ["username"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["username", "password", "display_name", "language"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "password1", "password2"]})]
    filter_horizontal: list[str] = []
    list_filter = ["is_active", "is_staff", "language"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made with `shequ token create` (shown once)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Only services write the audit log, and it is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]
