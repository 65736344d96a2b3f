"""Checkpoints in the admin: read-only. Passes change through the pass pages or the API (audit,
a new version for a reissue), gate rules by a new version through the rules page or the API,
and the passage log is append-only (a correction is a new passage)."""

from django.contrib import admin

from shequ.checkpoints.models import EntryPass, GateRules, Passage
from shequ.core.admin import ReadOnlyAdmin


@admin.register(EntryPass)
class EntryPassAdmin(ReadOnlyAdmin):
    list_display = ["household", "community", "version", "status", "valid_from", "valid_until"]
    list_filter = ["status"]
    search_fields = ["household__code", "household__name"]
    exclude = ["holders"]  # residents' names: seen on the pass page, in the issuer's scope


@admin.register(GateRules)
class GateRulesAdmin(ReadOnlyAdmin):
    list_display = ["community", "version", "set_by", "set_at"]


@admin.register(Passage)
class PassageAdmin(ReadOnlyAdmin):
    list_display = ["device_time", "gate", "direction", "subject", "decision", "alert"]
    list_filter = ["decision", "direction", "subject", "alert", "disagrees"]
    # The visitor's phone is personal data: the passage page shows it masked.
    exclude = ["visitor_phone"]
