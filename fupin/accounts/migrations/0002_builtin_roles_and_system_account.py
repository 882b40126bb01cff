from django.db import migrations

ALL_ACTIONS = ["view", "change", "approve", "view_sensitive", "import", "export", "administer"]
# Frozen here (not imported) so this migration means the same thing forever.
ROLES = {
    "village_operator": ("村级操作员", ["view", "change", "import", "export"]),
    "township_reviewer": ("乡镇审核员", ["view", "change", "approve", "export"]),
    "county_approver": ("县级审定员", ["view", "change", "approve", "import", "export", "view_sensitive"]),
    "province_analyst": ("省级分析员", ["view", "export"]),
    "evaluator": ("第三方评估员", ["view"]),
    "partner": ("东部协作方", ["view"]),
    "administrator": ("管理员", ALL_ACTIONS),
}


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    User = apps.get_model("accounts", "User")
    AreaGrant = apps.get_model("accounts", "AreaGrant")
    for code, (name, actions) in ROLES.items():
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions})
    system, _created = User.objects.get_or_create(
        username="system",
        defaults={"display_name": "系统 (system)", "password": "!", "is_active": True},  # "!": cannot log in
    )
    if not AreaGrant.objects.filter(user=system, area__isnull=True).exists():
        AreaGrant.objects.create(user=system, area=None, actions=ALL_ACTIONS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
