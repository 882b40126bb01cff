from django.db import migrations

ROLES = {
    "prefecture_reviewer": ("市级审核员", ["view", "approve", "export"]),
    "province_approver": ("省级审定员", ["view", "approve", "export"]),
}


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, (name, actions) in ROLES.items():
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions})
    # The evaluator records the national check of a county exit.
    Role.objects.filter(code="evaluator").update(actions=["view", "approve"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_builtin_roles_and_system_account")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
