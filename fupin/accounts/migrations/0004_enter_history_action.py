from django.db import migrations

ACTION = "enter_history"  # 补录: frozen here so this migration means the same thing forever


def grant(apps, schema_editor):
    """The administrator role and the system account's nationwide grant may enter history after the fact; no
    other role gets it by default."""
    Role = apps.get_model("accounts", "Role")
    AreaGrant = apps.get_model("accounts", "AreaGrant")
    holders = [*Role.objects.filter(code="administrator"),
               *AreaGrant.objects.filter(user__username="system", area__isnull=True)]
    for holder in holders:
        if ACTION not in holder.actions:
            holder.actions = [*holder.actions, ACTION]
            holder.save(update_fields=["actions"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_procedure_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
