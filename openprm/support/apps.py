from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "openprm.support"
    label = "support"
    verbose_name = "Support"
