from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "openprm.deals"
    label = "deals"
    verbose_name = "Deal registration"
