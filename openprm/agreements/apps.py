from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "openprm.agreements"
    label = "agreements"
    verbose_name = "Agreements"
