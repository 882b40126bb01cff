"""Loads data/policy.csv into the policy tables (update or create: running it again changes nothing)."""

import csv
from pathlib import Path

from fupin.rules.importing import parse_policy_row

DATA = Path(__file__).resolve().parent.parent / "data" / "policy.csv"


def seed(apps, schema_editor):
    with open(DATA, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            model, lookup, fields = parse_policy_row(row)
            apps.get_model("rules", model).objects.update_or_create(**lookup, defaults=fields)
