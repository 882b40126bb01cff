import csv
from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "designation_types.csv"


def seed(apps, schema_editor):
    """Reseeds designation_types.csv (update or create): adds the ethnic groups' settlement and demonstration
    areas."""
    DesignationType = apps.get_model("areas", "DesignationType")
    with open(DATA, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            DesignationType.objects.update_or_create(code=row["code"], defaults={
                "name_zh_hans": row["name_zh_hans"], "name_zh_hant": row["name_zh_hant"], "name_en": row["name_en"],
                "levels": [int(level) for level in row["levels"].split()]})


class Migration(migrations.Migration):
    dependencies = [("areas", "0004_rural_income")]

    operations = [
        migrations.CreateModel(
            name="AreaEthnicPopulation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("ethnicity", models.CharField(max_length=2, verbose_name="ethnic group")),
                ("rural_population", models.PositiveIntegerField(verbose_name="rural registered population")),
                ("area", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="ethnic_years",
                                           to="areas.area", verbose_name="area")),
            ],
            options={
                "verbose_name": "ethnic group's rural population",
                "verbose_name_plural": "ethnic groups' rural population",
                "ordering": ["area_id", "year", "ethnicity"],
                "constraints": [models.UniqueConstraint(fields=("area", "year", "ethnicity"),
                                                        name="unique_area_ethnic_population")],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
