"""Data this app writes into the database through migrations: the end rule of the catalogue's measure types and
the policy parameter of relocation follow-up (data/policy.csv, in the format of `fupin rules import`). Rows a
deployment already has are left as it edited them."""

import csv
from pathlib import Path

from django.db.models import F

from fupin.rules.importing import parse_policy_row

POLICY = Path(__file__).resolve().parent / "data" / "policy.csv"

# Measures that continue after the household's risk is eliminated until their own end (issue 26): microcredit to the
# end of its loan contract, a public-welfare post to the end of its agreement, 雨露计划 (in the education type) to
# the end of the school stage. Other types are one-off unless a record says otherwise.
END_RULES = {"microcredit": "loan", "public_job": "agreement", "education": "school_stage"}


def seed_end_rules(apps, schema_editor=None):
    MeasureType = apps.get_model("assistance", "MeasureType")
    for code, rule in END_RULES.items():
        MeasureType.objects.filter(code=code, end_rule="once").update(end_rule=rule)


def backfill_one_off(apps, schema_editor=None):
    """Measures recorded before end rules existed were one-off: they ended the day they were delivered."""
    DeliveredMeasure = apps.get_model("assistance", "DeliveredMeasure")
    DeliveredMeasure.objects.filter(end_rule="").update(end_rule="once", ends_on=F("delivered_on"))


def seed_policy(apps, schema_editor=None):
    with open(POLICY, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            model, lookup, fields = parse_policy_row(row)
            apps.get_model("rules", model).objects.get_or_create(**lookup, defaults=fields)


def seed(apps, schema_editor=None):
    seed_end_rules(apps, schema_editor)
    backfill_one_off(apps, schema_editor)
    seed_policy(apps, schema_editor)
