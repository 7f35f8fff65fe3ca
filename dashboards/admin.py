from django.contrib import admin

from .models import RadiatorLink


@admin.register(RadiatorLink)
class RadiatorLinkAdmin(admin.ModelAdmin):
    """Links are created on the value stream page (where the token is shown once); here they are listed and revoked."""

    list_display = ["value_stream", "label", "created_by", "created_at", "revoked_at"]
    list_filter = ["value_stream__organization", "revoked_at"]
    readonly_fields = ["value_stream", "created_by", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected links")
    def revoke(self, request, queryset):
        for link in queryset:
            link.revoke()
