from django.db import migrations
from django.utils import timezone


def mark_existing(apps, schema_editor):
    """Every (county, year) that already holds records gets its first change mark, so whatever statistics were
    computed before marks existed (which recorded none) are refilled once."""
    alias = schema_editor.connection.alias
    HouseholdYear = apps.get_model("registry", "HouseholdYear")
    ChangeMark = apps.get_model("core", "ChangeMark")
    pairs = HouseholdYear.objects.using(alias).values_list("household__county_code", "year").distinct()
    now = timezone.now()
    ChangeMark.objects.using(alias).bulk_create(
        [ChangeMark(county_code=county, year=year, version=1, changed_at=now) for county, year in pairs],
        batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_fewer_indexes"),
        ("core", "0002_change_marks"),
    ]
    operations = [migrations.RunPython(mark_existing, migrations.RunPython.noop)]
