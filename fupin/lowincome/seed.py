"""The built-in thresholds of the categories' tests (data/parameters.csv) written into the database by a
migration: a row that exists is left as the deployment edited it; missing ones are added."""

import csv
from decimal import Decimal
from pathlib import Path

PARAMETERS = Path(__file__).resolve().parent / "data" / "parameters.csv"


def seed_parameters(apps, schema_editor=None):
    Parameter = apps.get_model("lowincome", "Parameter")
    with open(PARAMETERS, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Parameter.objects.get_or_create(
                code=row["code"], year=int(row["year"]), province_code=row["province_code"],
                county_code=row["county_code"],
                defaults={"amount": Decimal(row["amount"]) if row["amount"] else None, "formula": row["formula"],
                          "certainty": row["certainty"], "source": row["source"]})
