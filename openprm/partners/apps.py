from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "openprm.partners"
    label = "partners"
    verbose_name = "Partners"
