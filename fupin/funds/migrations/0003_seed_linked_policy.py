import csv
from pathlib import Path

from django.db import migrations

from fupin.rules.importing import parse_policy_row

# The linked funds' minimum industry share as policy data (rules.PolicyParameter rows: from a year on, nationally or
# per province, with source and certainty). A province's own row, added in the policy pages or a later file, wins.
DATA = Path(__file__).resolve().parent.parent / "data" / "linked_policy.csv"


def seed(apps, schema_editor):
    with open(DATA, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            model, lookup, fields = parse_policy_row(row)
            apps.get_model("rules", model).objects.update_or_create(**lookup, defaults=fields)


class Migration(migrations.Migration):
    """Seeds data/linked_policy.csv (idempotent: update or create)."""

    dependencies = [("funds", "0002_linked_funds"), ("rules", "0003_seed_helping_parameters")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
