"""Django admin for the deployment's operators: the municipalities and who works for them."""

from django.contrib import admin

from .models import (
    Coordinator,
    HouseRulesTranslation,
    HouseRulesVersion,
    Municipality,
    PoliceOfficer,
    PoliceZone,
    SubMunicipality,
)


class SubMunicipalityInline(admin.TabularInline):
    model = SubMunicipality
    fields = ("name", "code")
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "code", "police_non_urgent_number", "police_emergency_number")
    list_filter = ("country",)
    search_fields = ("name", "code")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SubMunicipalityInline]


@admin.register(PoliceZone)
class PoliceZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "country")
    filter_horizontal = ("municipalities",)


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ("user", "municipality")
    list_filter = ("municipality",)
    autocomplete_fields = ("user",)


@admin.register(PoliceOfficer)
class PoliceOfficerAdmin(admin.ModelAdmin):
    list_display = ("user", "zone")
    list_filter = ("zone",)
    autocomplete_fields = ("user",)


class HouseRulesTranslationInline(admin.TabularInline):
    model = HouseRulesTranslation
    extra = 0
    can_delete = False
    fields = ("language", "title", "text")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HouseRulesVersion)
class HouseRulesVersionAdmin(admin.ModelAdmin):
    """Versions are published from the coordinator's desk and never edited."""

    list_display = ("municipality", "version", "language", "title", "published_at")
    inlines = [HouseRulesTranslationInline]
    list_filter = ("municipality",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
