from django.contrib import admin

from .models import ExportLog


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The export log is an audit trail: administrators read it; nobody adds, edits or deletes entries."""

    list_display = [
        "created_at",
        "requested_by",
        "channel",
        "wave_slug",
        "format",
        "layout",
        "generalization",
        "records_written",
        "records_suppressed",
    ]
    list_filter = ["format", "layout", "channel", "created_at"]
    search_fields = ["requested_by", "wave_slug"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
