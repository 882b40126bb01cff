from django.db import migrations

# Frozen here so this migration means the same thing forever; later changes are made in the admin (audited).
REGULATION = ("《信访工作条例》(2022) 第三十二条: 信访事项应当自受理之日起60日内办结 (the 2005 《信访条例》 第三十三条 the "
              "same); provinces may set shorter limits, and the 12317 hotline's own handling rules were not found")
CATEGORIES = [
    # code, zh-Hans, zh-Hant, en, days, order
    ("identification", "识别不精准（错评、漏评、错退）", "識別不精準（錯評、漏評、錯退）",
     "identification errors (wrongly included, left out or exited)", 60, 10),
    ("favouritism", "优亲厚友", "優親厚友", "favouring relatives and friends (优亲厚友)", 60, 20),
    ("funds_misuse", "扶贫资金违规使用", "扶貧資金違規使用", "misuse of poverty-alleviation funds", 60, 30),
    ("project_quality", "扶贫项目质量", "扶貧項目質量", "quality of a poverty-alleviation project", 60, 40),
    ("cadre_conduct", "干部违纪违法", "幹部違紀違法", "cadres' misconduct", 60, 50),
    ("work_style", "工作作风（形式主义、官僚主义）", "工作作風（形式主義、官僚主義）",
     "work style (formalism, bureaucratism)", 60, 60),
    ("other", "其他", "其他", "other", 60, 90),
]
ACTION = "view_reporter"
OFFICER = ("grievance_officer", "信访办理员", ["view", "change", ACTION])


def seed(apps, schema_editor):
    Category = apps.get_model("grievances", "Category")
    for code, zh, zh_hant, en, days, order in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={
            "name_zh_hans": zh, "name_zh_hant": zh_hant, "name_en": en, "deadline_days": days, "order": order,
            "handling_level": 3, "certainty": "V", "source": REGULATION})
    # The reporter's identity: the administrator role and the system account's nationwide grant, and a role for
    # the handling office's officer who may see it; no other role gets it by default.
    Role = apps.get_model("accounts", "Role")
    AreaGrant = apps.get_model("accounts", "AreaGrant")
    for holder in [*Role.objects.filter(code="administrator"),
                   *AreaGrant.objects.filter(user__username="system", area__isnull=True)]:
        if ACTION not in holder.actions:
            holder.actions = [*holder.actions, ACTION]
            holder.save(update_fields=["actions"])
    code, name, actions = OFFICER
    Role.objects.get_or_create(code=code, defaults={"name": name, "actions": actions})


class Migration(migrations.Migration):
    dependencies = [("grievances", "0001_initial"), ("accounts", "0004_enter_history_action")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
