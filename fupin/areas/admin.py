from django.contrib import admin

from .models import Area, AreaDesignation, AreaYear, DesignationType, DivisionVintage


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "region_class"]
    list_filter = ["level", "region_class"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    show_full_result_count = False  # 620k rows: no COUNT(*) on every page


@admin.register(DesignationType)
class DesignationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh_hans", "name_zh_hant", "name_en", "levels"]


@admin.register(AreaDesignation)
class AreaDesignationAdmin(admin.ModelAdmin):
    list_display = ["area", "designation_type", "year", "exit_year"]
    list_filter = ["designation_type", "year"]
    raw_id_fields = ["area"]


@admin.register(AreaYear)
class AreaYearAdmin(admin.ModelAdmin):
    list_display = ["area", "year", "rural_population", "households"]
    list_filter = ["year"]
    raw_id_fields = ["area"]


@admin.register(DivisionVintage)
class DivisionVintageAdmin(admin.ModelAdmin):
    list_display = ["source", "version", "area_count", "loaded_at"]
