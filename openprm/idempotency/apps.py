from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "openprm.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency (replayed API requests, one-time form tokens)"
