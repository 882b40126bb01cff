import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "measures.json"


def seed(apps, schema_editor):
    MeasureType = apps.get_model("assistance", "MeasureType")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        MeasureType.objects.update_or_create(code=item.pop("code"), defaults=item)


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
