from django.contrib import admin

from .models import ApiToken, Invitation, LoginThrottle, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Read-mostly: people are created and changed through invitations and the console (audited)."""

    list_display = ["email", "full_name", "role", "partner", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    readonly_fields = [f.name for f in User._meta.fields]
    exclude = ["password", "groups", "user_permissions"]

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "partner", "created_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["email", "failures", "locked_until"]
