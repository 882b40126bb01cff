import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "rules.json"


def seed(apps, schema_editor):
    QualityRule = apps.get_model("quality", "QualityRule")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        QualityRule.objects.update_or_create(code=item.pop("code"), defaults=item)


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
