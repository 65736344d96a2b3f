"""Admin views of door-to-door campaigns (read mostly; writes go through the services)."""

from django.contrib import admin

from shequ.outreach.models import Assignment, Campaign, Proposal, Task


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "status", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["campaign", "building", "team", "cadre"]
    raw_id_fields = ["campaign", "building", "team", "cadre"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["campaign", "household", "status", "visits", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["campaign", "building", "household", "resident"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["kind", "name", "household", "status", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["task", "visit", "household", "resident"]
