"""The built-in rules (data/rules.json) written into the database; migrations call this so new releases add
their rules without touching a deployment's own edits to other rules' parameters and switches."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "rules.json"


def seed_rules(apps, schema_editor=None):
    QualityRule = apps.get_model("quality", "QualityRule")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        code = item.pop("code")
        if not QualityRule.objects.filter(code=code).exists():
            QualityRule.objects.create(code=code, **item)
