from django.contrib import admin

from shequ.notices.models import Answer, HotlineCall, Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "place", "status", "published_at", "opens"]
    list_filter = ["status"]
    raw_id_fields = ["place", "created_by"]
    readonly_fields = ["token", "opens", "staff_told", "texts_queued"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "topic", "status", "checked_on"]
    list_filter = ["status", "topic"]
    raw_id_fields = ["city", "checked_by", "created_by"]


@admin.register(HotlineCall)
class HotlineCallAdmin(admin.ModelAdmin):
    list_display = ["question", "place", "taken_at", "follow_up"]
    raw_id_fields = ["place", "answer", "taken_by"]
