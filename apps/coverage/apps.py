from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "apps.coverage"
    label = "coverage"
