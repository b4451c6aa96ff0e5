from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "openprm.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Each app's `audit_sentences.py` registers how its events read (audit/describe.py). Found by name, so
        # the audit app, which sits below them, never imports them.
        autodiscover_modules("audit_sentences")
