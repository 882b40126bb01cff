from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from .models import ConsistencyRuleSwitch, DuplicateCandidate, Household, HouseholdYear, Member, StatusTransition


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["name", "relation", "sex", "birth_date", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):

    list_display = ["number", "area", "attribute", "main_cause", "status", "identified_year"]
    list_filter = ["status", "attribute", "main_cause"]
    search_fields = ["number"]
    raw_id_fields = ["area", "relocation_site"]
    inlines = [MemberInline]
    show_full_result_count = False


admin.site.register([HouseholdYear, StatusTransition, DuplicateCandidate], ReadOnlyAdmin)


@admin.register(ConsistencyRuleSwitch)
class ConsistencyRuleSwitchAdmin(admin.ModelAdmin):
    list_display = ["rule", "province_code", "enabled"]
