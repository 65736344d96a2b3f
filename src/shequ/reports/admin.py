from django.contrib import admin

from shequ.reports.models import AgencyDailyReport, DailyReport, FigureCorrection, ReportFigure


class FigureInline(admin.TabularInline):
    model = ReportFigure
    extra = 0
    readonly_fields = ("key", "value", "compiled_value", "corrected")
    can_delete = False


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
    list_display = ("community", "day", "status", "compiled_at", "submitted_at")
    list_filter = ("status", "day")
    raw_id_fields = ("community", "submitted_by")
    inlines = [FigureInline]


@admin.register(FigureCorrection)
class FigureCorrectionAdmin(admin.ModelAdmin):
    list_display = ("figure", "old_value", "new_value", "reason", "by", "at")
    raw_id_fields = ("figure", "by")


@admin.register(AgencyDailyReport)
class AgencyDailyReportAdmin(admin.ModelAdmin):
    list_display = ("agency", "day", "deployed", "hours", "unwell", "filed_at")
    raw_id_fields = ("agency", "filed_by")
