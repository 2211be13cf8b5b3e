from django.contrib import admin

from accounts.models import ApiToken, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "hide_explicit", "advanced_mode", "onboarded"]
    list_filter = ["hide_explicit", "advanced_mode", "onboarded"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created", "last_used", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["user__username", "name", "hint"]
    readonly_fields = ["key_hash", "hint", "created", "last_used"]
    raw_id_fields = ["user"]
