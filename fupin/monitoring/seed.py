"""The built-in warning rules (data/warning_rules.json) and the policy parameters they read (data/policy.csv, in
the format of `fupin rules import`) written into the database. Migrations call these: a rule or parameter row
that exists is left as the deployment edited it; missing ones are added."""

import csv
import json
from pathlib import Path

from fupin.rules.importing import parse_policy_row

DATA = Path(__file__).resolve().parent / "data"
RULES = DATA / "warning_rules.json"
POLICY = DATA / "policy.csv"


def seed_rules(apps, schema_editor=None):
    WarningRule = apps.get_model("monitoring", "WarningRule")
    for item in json.loads(RULES.read_text(encoding="utf-8")):
        code = item.pop("code")
        if not WarningRule.objects.filter(code=code).exists():
            WarningRule.objects.create(code=code, **item)


def seed_policy(apps, schema_editor=None):
    with open(POLICY, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            model, lookup, fields = parse_policy_row(row)
            apps.get_model("rules", model).objects.get_or_create(**lookup, defaults=fields)


def seed(apps, schema_editor=None):
    seed_rules(apps, schema_editor)
    seed_policy(apps, schema_editor)
