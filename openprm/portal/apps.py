from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "openprm.portal"
    label = "portal"
    verbose_name = "Partner portal"
