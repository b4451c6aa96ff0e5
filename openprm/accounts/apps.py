from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openprm.accounts"
    label = "accounts"
    verbose_name = "People and access"
