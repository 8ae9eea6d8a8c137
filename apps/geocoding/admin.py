from django.contrib import admin

from .models import GeocoderChoice
from .services import forget_choices


@admin.register(GeocoderChoice)
class GeocoderChoiceAdmin(admin.ModelAdmin):
    list_display = ("municipality", "kind")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_choices()
