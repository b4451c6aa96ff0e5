from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "openprm.console"
    label = "console"
    verbose_name = "Vendor console"
