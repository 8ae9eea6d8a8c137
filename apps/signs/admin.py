from django.contrib import admin

from .models import StreetSign


@admin.register(StreetSign)
class StreetSignAdmin(admin.ModelAdmin):
    list_display = ("road", "municipality", "group", "state", "placed_on")
    list_filter = ("municipality", "state")
    readonly_fields = ("token",)
