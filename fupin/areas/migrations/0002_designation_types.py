import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "designation_types.csv"


def seed(apps, schema_editor):
    DesignationType = apps.get_model("areas", "DesignationType")
    with open(DATA, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            DesignationType.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name_zh_hans": row["name_zh_hans"],
                    "name_zh_hant": row["name_zh_hant"],
                    "name_en": row["name_en"],
                    "levels": [int(level) for level in row["levels"].split()],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
