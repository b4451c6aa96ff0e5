from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "openprm.audit"
    label = "audit"
    verbose_name = "Audit trail"
