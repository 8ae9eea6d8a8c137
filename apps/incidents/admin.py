from django.contrib import admin

from .models import ProfilingTerm


@admin.register(ProfilingTerm)
class ProfilingTermAdmin(admin.ModelAdmin):
    list_display = ("term", "municipality", "created_at")
    list_filter = ("municipality",)
    search_fields = ("term",)
    fields = ("municipality", "term")
