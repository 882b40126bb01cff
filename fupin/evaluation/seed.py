"""The questionnaires of data/questionnaires.json written into the database. A version already present is never
changed (interviews were checked against it); a new version in the file is added."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "questionnaires.json"


def seed_questionnaires(apps, schema_editor=None):
    Questionnaire = apps.get_model("evaluation", "Questionnaire")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        if not Questionnaire.objects.filter(code=item["code"], version=item["version"]).exists():
            Questionnaire.objects.create(**item)
