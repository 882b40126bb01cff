import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "procedures.json"
STEP_FIELDS = ["code", "name_zh", "name_en", "level", "action", "role", "notice", "notice_min_days", "needs_evidence"]


def seed(apps, schema_editor):
    Procedure = apps.get_model("workflows", "Procedure")
    ProcedureStep = apps.get_model("workflows", "ProcedureStep")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        procedure, _created = Procedure.objects.update_or_create(code=item["code"], defaults={
            name: item[name] for name in ("name_zh", "name_en", "subject", "effect", "max_days")})
        for order, values in enumerate(item["steps"], start=1):
            ProcedureStep.objects.update_or_create(procedure=procedure, order=order,
                                                   defaults=dict(zip(STEP_FIELDS, values, strict=True)))


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
