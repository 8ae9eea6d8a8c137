from django.apps import AppConfig


class GeocodingConfig(AppConfig):
    name = "apps.geocoding"
    label = "geocoding"
