from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "openprm.programs"
    label = "programs"
    verbose_name = "Program and tiers"
