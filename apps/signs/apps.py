from django.apps import AppConfig


class SignsConfig(AppConfig):
    name = "apps.signs"
    label = "signs"
