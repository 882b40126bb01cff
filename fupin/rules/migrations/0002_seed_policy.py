import csv
from pathlib import Path

from django.db import migrations

from fupin.rules.importing import parse_policy_row

DATA = Path(__file__).resolve().parent.parent / "data" / "policy.csv"


def seed(apps, schema_editor):
    with open(DATA, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            model, lookup, fields = parse_policy_row(row)
            apps.get_model("rules", model).objects.update_or_create(**lookup, defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
