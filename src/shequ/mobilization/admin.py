from django.contrib import admin

from shequ.mobilization.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level"]
    search_fields = ["code", "name"]
