"""Django admin for rows that are edited in the console: read-only, with a note pointing to the console page.

The console's pages change these rows through the owning app's services, which validate and audit every
change; an edit in the admin would bypass both, so the admin only shows them.
"""

from django.contrib import admin
from django.urls import reverse


class ReadOnlyPermissions:
    """No adding, changing or deleting through the admin (a ModelAdmin or an inline)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConsoleManagedAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Read-only admin for configuration the console edits; `console_url` names that page's URL."""

    console_url = ""
    NOTE = "Read-only here: change these settings in the console, where every change is audited: {url}"

    def _note(self, extra_context):
        return {**(extra_context or {}), "subtitle": self.NOTE.format(url=reverse(self.console_url))}

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context=self._note(extra_context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context=self._note(extra_context))

