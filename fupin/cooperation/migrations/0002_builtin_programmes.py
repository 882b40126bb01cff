import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "programmes.json"


def seed(apps, schema_editor):
    Programme = apps.get_model("cooperation", "Programme")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        Programme.objects.update_or_create(code=item.pop("code"), defaults=item)


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
