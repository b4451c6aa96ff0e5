from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "openprm.api"
    label = "api"
    verbose_name = "REST API"
