from django.contrib import admin

from moderation.models import AuditEntry, Case, Report


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    raw_id_fields = ("reporter",)
    readonly_fields = ("reason", "note", "weight", "outcome", "created")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    # Read-only here: decisions are taken on /moderation, where they are audited.
    list_display = ("__str__", "kind", "state", "auto_hidden", "updated")
    list_filter = ("kind", "state")
    raw_id_fields = ("explanation", "user")
    readonly_fields = ("kind", "explanation", "user", "state", "auto_hidden")
    inlines = [ReportInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created", "moderator_name", "action", "target_kind", "target_id", "target_label", "reason")
    list_filter = ("action",)
    search_fields = ("moderator_name", "target_label", "reason")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
