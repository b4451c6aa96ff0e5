from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "openprm.commissions"
    label = "commissions"
    verbose_name = "Commissions and payouts"
