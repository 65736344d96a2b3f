"""Daily reports in the admin: shown only (compiling, corrections and submitting go through
reports.services, which keep the history and the audit)."""

from django.contrib import admin

from shequ.core.admin import ReadOnlyAdmin
from shequ.reports.models import AgencyDailyReport, DailyReport, FigureCorrection, ReportFigure


class FigureInline(admin.TabularInline):
    model = ReportFigure
    extra = 0
    fields = ("key", "value", "compiled_value", "corrected")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ("community", "day", "status", "compiled_at", "submitted_at")
    list_filter = ("status", "day")
    inlines = [FigureInline]


@admin.register(FigureCorrection)
class FigureCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("figure", "old_value", "new_value", "reason", "by", "at")


@admin.register(AgencyDailyReport)
class AgencyDailyReportAdmin(ReadOnlyAdmin):
    list_display = ("agency", "day", "deployed", "hours", "unwell", "filed_at")
